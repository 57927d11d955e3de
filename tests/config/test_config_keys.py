"""Typos in the configuration are named, never ignored (issue 12): unknown top-level keys and plugin sections get
the closest valid name (an error while validating, a warning when validation is off); wrong types name the type."""
from __future__ import annotations

import json

from fink.config_keys import key_problems


def test_key_problems_name_the_closest_valid_key_and_wrong_types():
    config = {"cloud": [], "hookfle": "h.py", "plugins": {"fink_lookup": {}, "fink_slack_integration": {}},
              "lambda": {}, "finkignore": ["x"], "zzz": 1, "x-anchors": {}, "_note": "mine"}
    problems = key_problems(config, {"cloud", "lambda"}, {"fink_lookups", "fink_slack_integration"}, {"finkignore"})
    assert problems == ["hookfle: unknown key (did you mean 'hookfile'?)",
                        "zzz: unknown key (known: cloud, finkignore, hookfile, lambda, plugins)",
                        "cloud: must be a mapping of the tool's settings, not a list",
                        "plugins.fink_lookup: unknown key (did you mean 'fink_lookups'?)"]
    assert key_problems({"plugins": []}, set(), set()) == ["plugins: must be a mapping of plugin sections, not a list"]
    assert key_problems({"hookfile": 3}, set(), set()) == ["hookfile: must be a file name (a string), not a number"]


def _run(run_cli, folder, config, *args):
    (folder / "fink_dev.json").write_text(json.dumps(config))
    return run_cli("fink", "config", *args, env={"ENV": "dev", "FINK_NO_UPDATE_CHECK": "1"})


def test_typos_are_errors_under_validation_and_warnings_without(temp_folder, run_cli):
    typo = {"cloud": {"stack": {"StackName": "s"}}, "hookfle": "hooks.py",
            "plugins": {"fink_lookup": {"defaults": {"lookups": ["stack"]}}}}
    strict = _run(run_cli, temp_folder, typo, "cloud")
    assert strict.exit_code == 3
    assert "hookfle: unknown key (did you mean 'hookfile'?)" in strict.stderr
    assert "plugins.fink_lookup: unknown key (did you mean 'fink_lookups'?)" in strict.stderr
    loose = _run(run_cli, temp_folder, {**typo, "cloud": {**typo["cloud"], "defaults": {"validate": False}}}, "cloud")
    assert loose.exit_code == 0, loose.stderr
    assert "WARNING" in loose.stderr.upper() and "did you mean 'hookfile'?" in loose.stderr


def test_a_tool_section_of_the_wrong_type_names_the_type(temp_folder, run_cli):
    (temp_folder / "cloudformation.py").write_text("def generate_template():\n    return {}\n")
    (temp_folder / "fink_dev.json").write_text(json.dumps({"cloud": []}))
    result = run_cli("cloud", "generate", env={"ENV": "dev", "FINK_NO_UPDATE_CHECK": "1"})
    assert result.exit_code == 3
    assert "'cloud' must be a mapping of the tool's settings, not a list." in result.stderr
    assert "Configuration missing" not in result.stderr

