"""The ``code`` command line: CodeDeploy bundles and deployments."""
from fink.cli import tool_main
from fink.tool import Tool

__all__ = ["TOOL", "DOC", "main"]

DOC = """Usage:
        code bundle [-v]
        code deploy [--no-wait] [-v]
        code version

Options:
-h --help           show this
--no-wait           create the deployment, print its id and exit without waiting for it to finish
-v --verbose        show debug messages

Commands:
  bundle            build the bundle (codedeploy folder, settings.json, stack_output.yml); print its path and hash
  deploy            bundle, upload to the artifacts bucket, create a CodeDeploy deployment and watch it
  version           print the versions of fink, its tools and plugins
"""

TOOL = Tool(
    name="code", doc=DOC,
    commands={"bundle": "fink_code.commands:bundle", "deploy": "fink_code.commands:deploy",
              "version": "fink.cli:version_command"},
    non_config_commands=frozenset(),
    bundle_commands=frozenset({"bundle", "deploy"}),
    schema=(__name__, "schema.yaml"),  # anchored on this module: see fink.config.schema_file
)


def main() -> None:
    tool_main(TOOL)
