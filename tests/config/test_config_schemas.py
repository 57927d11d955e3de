"""Every installed tool's and plugin's schema is a valid JSON Schema; the docs' reference pages come from them."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import jsonschema
import pytest

from fink.config import fill_defaults, validation_errors
from fink_testtools.golden import assert_golden

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"


def _extension():
    spec = importlib.util.spec_from_file_location("fink_schema_docs", ROOT / "docs" / "_ext" / "fink_schema_docs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


EXT = _extension()
PAGES = EXT.installed_schemas()


def test_tools_and_plugins_with_schemas_are_found():
    sections = {page.section for page in PAGES}
    assert {"plugins.fink_lookups"} <= sections
    assert len(sections) == len(PAGES)


@pytest.mark.parametrize("page", PAGES, ids=[p.section for p in PAGES])
def test_schema_is_valid_json_schema_and_its_plugin_defaults_validate(page):
    validator = jsonschema.validators.validator_for(page.schema, default=jsonschema.Draft202012Validator)
    validator.check_schema(page.schema)
    if page.section.startswith("plugins."):  # plugin sections are filled from defaults alone on every run
        assert validation_errors(fill_defaults({}, page.schema), page.schema, page.section) == []


@pytest.mark.parametrize("page", [p for p in PAGES if not p.section.startswith("plugins.")],
                         ids=lambda p: p.section)
def test_schema_default_non_config_commands_equal_the_tools(page):
    from fink.cli import load_tool
    declared = page.schema.get("properties", {}).get("defaults", {}).get("properties", {}).get("non_config_commands")
    if not declared or "default" not in declared:
        pytest.skip(f"{page.section} does not declare defaults.non_config_commands yet")
    assert sorted(declared["default"]) == sorted(load_tool(page.slug).non_config_commands)


def test_lookups_reference_page_is_pinned():
    page = next(p for p in PAGES if p.section == "plugins.fink_lookups")
    assert_golden(GOLDEN / "reference_fink_lookups.md", EXT.render_schema(page))


NEW_KEYS = {  # issue 15: settings the peers offer; each must be in the reference with its default and an example
    "cloud": ["stack.Tags", "stack.TerminationProtection", "stack.Capabilities", "stack.OnFailure",
              "stack.DisableRollback", "stack.TimeoutInMinutes", "stack.artifactKeyPrefix",
              "stack.artifactKmsKeyId"],
    "lambda": ["lambda.layers", "lambda.tags", "lambda.tracing", "lambda.reservedConcurrency", "lambda.deadLetterArn",
               "lambda.destinations", "lambda.ephemeralStorage", "lambda.kmsKeyArn", "lambda.functionUrl",
               "lambda.functionUrl.authType", "lambda.keepVersions"],
    "api": ["api.endpointType", "api.stageVariables", "api.usagePlan", "api.accessLogging.destinationArn",
            "api.accessLogging.format", "customDomain.endpointType"],
}


@pytest.mark.parametrize("tool,key", [(t, k) for t, keys in NEW_KEYS.items() for k in keys])
def test_new_settings_are_in_the_reference_with_an_example(tool, key):
    page = next(p for p in PAGES if p.section == tool)
    section, name = key.rsplit(".", 1)
    text = EXT.render_schema(page)
    table = text.split(f"## `{tool}.{section}`\n", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in table.splitlines() if line.startswith(f"| `{name}` |"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    node = page.schema
    for part in key.split("."):
        node = node["properties"][part]
    assert cells[4].startswith("`"), f"{key} has no example in the reference"
    default = node.get("default", node.get("x-default"))
    assert cells[3] == ("" if default is None else f"`{json.dumps(default)}`"), row


def test_reference_pages_are_written_for_every_schema(tmp_path):
    written = EXT.write_reference(str(tmp_path), PAGES)
    names = sorted(Path(p).name for p in written)
    assert names == sorted([f"{p.slug}.md" for p in PAGES] + ["index.md"])
    index = (tmp_path / "reference" / "index.md").read_text(encoding="utf-8")
    assert all(f"\n{p.slug}\n" in index for p in PAGES)
    lookups = (tmp_path / "reference" / "fink_lookups.md").read_text(encoding="utf-8")
    assert "| `lookups` | yes | array of one of `parameter`, `secret`, `stack`, `acm` |" in lookups


def test_reference_pages_name_the_schema_file():
    sources = {page.section: page.source for page in PAGES}
    assert sources["cloud"] == "fink_cloud/schema.yaml"
    assert sources["plugins.fink_lookups"] == "fink_lookups/schema.yaml"


def test_tool_schemas_load_where_a_folder_shadows_the_package():
    """In this repository's root, ``fink_code/`` (a distribution folder) shadows the installed ``fink_code``
    package as a namespace package; the schema is found through the tool's own module anyway."""
    import subprocess
    code = ("import fink_code, sys\n"
            "assert not getattr(fink_code, '__file__', None), 'not shadowed: the test proves nothing'\n"
            "from fink.cli import load_tool\nfrom fink.config import load_schema\n"
            "print(sorted(load_schema(*load_tool('code').schema)['properties']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "'deployment'" in result.stdout
