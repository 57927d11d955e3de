"""The ``code`` command line: CodeDeploy bundles and deployments."""
from fink.cli import tool_main
from fink.tool import Tool

__all__ = ["TOOL", "DOC", "main"]

DOC = """Usage:
        code bundle [-v]
        code deploy [-v]
        code version

Options:
-h --help           show this
-v --verbose        show debug messages
"""

TOOL = Tool(
    name="code", doc=DOC,
    commands={"bundle": "fink_code.commands:bundle", "deploy": "fink_code.commands:deploy",
              "version": "fink.cli:version_command"},
    bundle_commands=frozenset({"bundle", "deploy"}),
    schema=("fink_code", "schema.yaml"),
)


def main() -> None:
    tool_main("code")
