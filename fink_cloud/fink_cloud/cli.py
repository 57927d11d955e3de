"""The ``cloud`` command line: CloudFormation stacks from troposphere templates."""
from fink.cli import tool_main
from fink.tool import Tool

__all__ = ["TOOL", "DOC", "main"]

DOC = """Usage:
        cloud deploy [--override-stack-policy] [--change-set NAME] [-v]
        cloud list [--json] [-v]
        cloud delete -f [-v]
        cloud generate [-v]
        cloud preview [--json] [--keep] [-v]
        cloud dot [--system-dot] [-v]
        cloud outputs [--json] [-v]
        cloud drift [--json] [-v]
        cloud stop [-v]
        cloud start [-v]
        cloud group deploy [<folder>] [--max-parallel=<n>] [--override-stack-policy] [-v]
        cloud group preview [<folder>] [--max-parallel=<n>] [--json] [-v]
        cloud group delete [<folder>] [-f] [--max-parallel=<n>] [-v]
        cloud group list [<folder>] [--json] [-v]
        cloud group dot [<folder>] [-v]
        cloud version

Options:
-h --help                show this
-v --verbose             show debug messages
-f --force               really delete the stack
--override-stack-policy  allow every update action during this update
--json                   print machine-readable JSON
--keep                   keep the change set for review (cloud deploy --change-set NAME executes it)
--change-set NAME        execute this change set kept by `cloud preview --keep`
--system-dot             draw with the system graphviz `dot` instead of graphviz-pure
--max-parallel=<n>       how many members of a stack group run at the same time [default: 10]

Stack groups: every sub-folder of <folder> (default: the current folder) with a cloudformation.py and a cloud
section for ENV is a member; members are deployed in the order their lookup:stack references (and
cloud.group.dependsOn) give, independent members in parallel, and deleted in reverse order.
"""

_C = "fink_cloud.commands"
_G = "fink_cloud.group_commands"
GROUP_COMMANDS = ("deploy", "preview", "delete", "list", "dot")
TOOL = Tool(
    name="cloud", doc=DOC,
    commands={c: f"{_C}:{c}" for c in ("deploy", "list", "delete", "generate", "preview", "dot", "stop", "start",
                                           "outputs", "drift")}
    | {f"group {c}": f"{_G}:{c}" for c in GROUP_COMMANDS}
    | {"version": "fink.cli:version_command"},
    # a group's root folder needs no config of its own: each member has its own
    non_config_commands=frozenset({"stop", "start", "list"} | {f"group {c}" for c in GROUP_COMMANDS}),
    schema=(__name__, "schema.yaml"),  # anchored on this module: see fink.config.schema_file
)


def main() -> None:
    tool_main(TOOL)
