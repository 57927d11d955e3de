"""The ``lambda`` command line: AWS Lambda functions, bundles, events and logs."""
from fink.cli import tool_main
from fink.tool import Tool

__all__ = ["TOOL", "DOC", "main"]

DOC = """Usage:
        lambda clean [-v]
        lambda bundle [--keep] [-v]
        lambda deploy [--keep] [-v]
        lambda list [--json] [-v]
        lambda metrics <lambda> [--json] [-v]
        lambda info [--json] [-v]
        lambda wire [-v]
        lambda unwire [-v]
        lambda delete [-v] -f <lambda> [--delete-logs]
        lambda rollback [-v] <lambda> [<version>]
        lambda ping [-v] <lambda> [<version>]
        lambda invoke [-v] <lambda> [<version>] [--invocation-type=<type>] --payload=<payload> [--outfile=<file>]
        lambda logs <lambda> [--start=<start>] [--end=<end>] [--tail] [-v]
        lambda version

Options:
-h --help               show this
-v --verbose            show debug messages
-f --force              really delete the function
--keep                  keep (reuse) installed packages
--payload=payload       '{"foo": "bar"}' or file://input.txt
--invocation-type=type  Event, RequestResponse or DryRun [default: RequestResponse]
--outfile=file          write the response to file
--delete-logs           delete the log group and contained logs
--start=start           log start UTC '2017-06-28 14:23' or '1h', '3d', '5w', ...
--end=end               log end UTC '2017-06-28 14:25' or '2h', '4d', '6w', ...
--tail                  continuously output logs (can't use '--end'), stop 'Ctrl-C'
--json                  print machine-readable JSON
"""

_C = "fink_lambda.commands"
TOOL = Tool(
    name="lambda", doc=DOC,
    commands={c: f"{_C}:{c}" for c in ("clean", "bundle", "deploy", "list", "metrics", "info", "wire", "unwire",
                                        "delete", "rollback", "ping", "invoke", "logs")}
    | {"version": "fink.cli:version_command"},
    non_config_commands=frozenset({"list", "metrics", "delete", "rollback", "ping", "invoke", "logs"}),
    bundle_commands=frozenset({"bundle", "deploy"}),
    plain_commands=frozenset({"version", "clean"}),
    schema=(__name__, "schema.yaml"),  # anchored on this module: see fink.config.schema_file
)


def main() -> None:
    tool_main(TOOL)
