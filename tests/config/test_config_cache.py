"""Config handling cost: schema files are parsed once per process, each schema's validator is compiled once per
process (and only for an invalid config), and YAML goes through libyaml's C loader where PyYAML has it (and stays a *safe* loader)."""
import json

import pytest
import yaml

from fink import config
from fink.config import load_schema, validation_errors, yaml_load


def test_schema_files_are_parsed_once_per_process():
    assert load_schema("fink_cloud.cli", "schema.yaml") is load_schema("fink_cloud.cli", "schema.yaml")


def test_validators_are_compiled_once_per_schema_across_runs(temp_folder, run_cli, monkeypatch):
    """jsonschema's validator is built only to explain errors (fink.schema_check recognises a valid config), and
    then once per schema per process."""
    (temp_folder / "fink_dev.json").write_text(json.dumps({"cloud": {"stack": {"StackName": 5}}}))
    compiled = []
    real = config._validator

    def spy(schema):
        validator = real(schema)
        compiled.append(validator)
        return validator

    monkeypatch.setattr(config, "_validator", spy)
    first = run_cli("fink", "config", "cloud", env={"ENV": "dev"})
    assert first.exit_code == 3 and "cloud.stack.StackName: 5 is not of type 'string'" in first.stderr
    used_first, compiled[:] = list(compiled), []
    second = run_cli("fink", "config", "cloud", env={"ENV": "dev"})
    assert (second.exit_code, second.stderr) == (first.exit_code, first.stderr)
    assert used_first and [id(v) for v in compiled] == [id(v) for v in used_first]  # the very same validators


def test_cached_validator_still_reports_every_error():
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False}
    assert validation_errors({"a": 1}, schema, "s") == []
    assert validation_errors({"a": "x", "b": 1}, schema, "s") == ["s: unknown key 'b' (allowed: a)",
                                                                   "s.a: 'x' is not of type 'integer'"]


def test_yaml_uses_the_c_loader_when_available(monkeypatch):
    used = []
    real = yaml.load
    monkeypatch.setattr(yaml, "load", lambda text, Loader: used.append(Loader) or real(text, Loader=Loader))
    assert yaml_load("a: [1, 2]\nb: {c: yes}\n") == {"a": [1, 2], "b": {"c": True}}
    assert used == [getattr(yaml, "CSafeLoader", yaml.SafeLoader)]


@pytest.mark.parametrize("c_loader", [True, False])
def test_yaml_loader_stays_safe(c_loader, monkeypatch):
    if not c_loader:
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    with pytest.raises(yaml.YAMLError):
        yaml_load("!!python/object/apply:os.system ['echo unsafe']")
