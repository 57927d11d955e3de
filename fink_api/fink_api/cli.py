"""The ``api`` command line: API Gateway REST APIs from swagger/OpenAPI files."""
from fink.cli import tool_main
from fink.tool import Tool

__all__ = ["TOOL", "DOC", "main"]

DOC = """Usage:
        api deploy [-v]
        api delete -f [-v]
        api export [-v]
        api list [--json] [-v]
        api apikey-create <keyname> [-v]
        api apikey-list [--json] [-v]
        api apikey-delete [-v]
        api custom-domain-create [-v]
        api version

Options:
-h --help           show this
-v --verbose        show debug messages
-f --force          really delete the API
--json              print machine-readable JSON
"""

_C = "fink_api.commands"
TOOL = Tool(
    name="api", doc=DOC,
    commands={"deploy": f"{_C}:deploy", "delete": f"{_C}:delete", "export": f"{_C}:export", "list": f"{_C}:list_apis",
              "apikey-create": f"{_C}:apikey_create", "apikey-list": f"{_C}:apikey_list",
              "apikey-delete": f"{_C}:apikey_delete", "custom-domain-create": f"{_C}:custom_domain_create",
              "version": "fink.cli:version_command"},
    non_config_commands=frozenset({"list", "apikey-list", "apikey-create"}),
    schema=(__name__, "schema.yaml"),  # anchored on this module: see fink.config.schema_file
)


def main() -> None:
    tool_main(TOOL)
