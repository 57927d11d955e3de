"""The ``cloud`` command line: CloudFormation stacks from troposphere templates."""
from fink.cli import tool_main
from fink.tool import Tool

__all__ = ["TOOL", "DOC", "main"]

DOC = """Usage:
        cloud deploy [--override-stack-policy] [-v]
        cloud list [--json] [-v]
        cloud delete -f [-v]
        cloud generate [-v]
        cloud preview [--json] [-v]
        cloud dot [-v]
        cloud stop [-v]
        cloud start [-v]
        cloud version

Options:
-h --help                show this
-v --verbose             show debug messages
-f --force               really delete the stack
--override-stack-policy  allow every update action during this update
--json                   print machine-readable JSON
"""

_C = "fink_cloud.commands"
TOOL = Tool(
    name="cloud", doc=DOC,
    commands={c: f"{_C}:{c}" for c in ("deploy", "list", "delete", "generate", "preview", "dot", "stop", "start")}
    | {"version": "fink.cli:version_command"},
    non_config_commands=frozenset({"stop", "start", "list"}),
    schema=(__name__, "schema.yaml"),  # anchored on this module: see fink.config.schema_file
)


def main() -> None:
    tool_main(TOOL)
