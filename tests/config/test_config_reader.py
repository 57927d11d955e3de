"""The config reader and the lifecycle's config steps seen from the command line (`fink config`, `cloud deploy`).

Every test uses the `aws` fixture: the Slack plugin's default webhook lookup reads SSM on each run, and that must
reach moto on 127.0.0.1, never AWS.
"""
from __future__ import annotations

import json
import textwrap

import pytest

from fink import fink_signals

OFF = {"defaults": {"validate": False}}  # tool sections here are about reading, not about the tools' schemas


def write(folder, name: str, text: str) -> None:
    (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def fink_config(run_cli, *args, env="dev"):
    result = run_cli("fink", "config", *args, env={"ENV": env})
    assert "Traceback" not in result.output
    return result


def printed(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ---- formats ------------------------------------------------------------------------------------------------
def test_yaml_config_and_env_is_lower_cased(aws, temp_folder, run_cli):
    write(temp_folder, "fink_dev_eu-west-1.yml", """
        cloud:
          defaults: {validate: false}
          stack: {StackName: from-yaml}
    """)
    assert printed(fink_config(run_cli, "cloud", env="DEV_eu-west-1"))["stack"] == {"StackName": "from-yaml"}


def test_python_config_may_define_dataclasses_with_postponed_annotations(aws, temp_folder, run_cli):
    write(temp_folder, "fink_dev.py", """
        from __future__ import annotations
        from dataclasses import dataclass

        @dataclass
        class Stack:
            name: str = "from-dataclass"

        def generate_config():
            return {"cloud": {"defaults": {"validate": False}, "stack": {"StackName": Stack().name}}}
    """)
    assert printed(fink_config(run_cli, "cloud"))["stack"] == {"StackName": "from-dataclass"}


def test_python_config_with_hooks_registered_and_deregistered(aws, temp_folder, run_cli):
    write(temp_folder, "fink_dev.py", """
        from fink import fink_signals

        def generate_config():
            return {"cloud": {"defaults": {"validate": False}, "stack": {"StackName": "from-python"}}}

        def shout(params):
            context, config = params
            print("hook saw", config["cloud"]["stack"]["StackName"])

        def register():
            fink_signals.command_init.connect(shout)

        def deregister():
            fink_signals.command_init.disconnect(shout)
    """)
    before = len(fink_signals.command_init.receivers)
    result = fink_config(run_cli, "cloud")
    assert printed(result)["stack"] == {"StackName": "from-python"}
    assert len(fink_signals.command_init.receivers) == before  # deregistered at the end of the run


def test_hooks_in_cloudformation_py_and_hookfile_run_and_failures_name_hook_and_signal(aws, temp_folder, run_cli,
                                                                                      capsys):
    hook = """
        from fink import fink_signals

        def {name}(context):
            print("{name} ran for", context["tool"])
            if context.get("_arguments", {{}}).get("<tool>") == "lambda":
                raise ValueError("no lambda today")

        def register():
            fink_signals.finalized.connect({name})

        def deregister():
            fink_signals.finalized.disconnect({name})
    """
    write(temp_folder, "cloudformation.py", hook.format(name="from_template"))
    write(temp_folder, "myhooks.py", hook.format(name="from_hookfile"))
    write(temp_folder, "fink_dev.json", json.dumps({"hookfile": "myhooks.py", "cloud": OFF, "lambda": OFF}))
    assert fink_config(run_cli, "cloud").exit_code == 0
    out = capsys.readouterr().err  # hooks print() to stderr during a run
    assert "from_template ran for fink" in out and "from_hookfile ran for fink" in out
    failed = fink_config(run_cli, "lambda")
    assert failed.exit_code == 1
    assert "failed on signal 'finalized': ValueError: no lambda today" in failed.stderr
    assert "Hook myhooks.py:from_hookfile" in failed.stderr or "Hook cloudformation.py:from_template" in failed.stderr


def test_missing_hookfile_is_a_config_error(aws, temp_folder, run_cli):
    write(temp_folder, "fink_dev.json", json.dumps({"hookfile": "nope.py", "cloud": OFF}))
    result = fink_config(run_cli, "cloud")
    assert result.exit_code == 3 and "hookfile 'nope.py' not found" in result.stderr


def test_several_formats_warn_and_name_the_winner(aws, temp_folder, run_cli):
    write(temp_folder, "fink_dev.json", json.dumps({"cloud": {**OFF, "from": "json"}}))
    write(temp_folder, "fink_dev.yaml", "cloud: {from: yaml}\n")
    result = fink_config(run_cli, "cloud")
    assert printed(result)["from"] == "json"
    assert "WARNING: found several config files (fink_dev.json, fink_dev.yaml); using fink_dev.json" in result.stderr


# ---- baseconfig and ignore patterns -------------------------------------------------------------------------
def test_baseconfig_chain_env_file_wins_dicts_merge_lists_replace(aws, temp_folder, run_cli):
    write(temp_folder, "fink_dev.json", json.dumps(
        {"baseconfig": "team", "cloud": {"parameters": {"Size": "dev", "Subnets": ["dev-a"]}}}))
    write(temp_folder, "team.yaml", """
        baseconfig: company
        cloud:
          parameters: {Size: team, Owner: team, Subnets: [team-a, team-b]}
    """)
    write(temp_folder, "company.py", """
        def generate_config():
            return {"cloud": {"defaults": {"validate": False}, "parameters": {"Owner": "company", "Cost": "c1"}}}
    """)
    parameters = printed(fink_config(run_cli, "cloud"))["parameters"]
    assert parameters == {"Size": "dev", "Owner": "team", "Cost": "c1", "Subnets": ["dev-a"]}


def test_baseconfig_cycle_is_reported_with_its_chain(aws, temp_folder, run_cli):
    write(temp_folder, "fink_dev.json", json.dumps({"baseconfig": "a", "cloud": OFF}))
    write(temp_folder, "a.json", json.dumps({"baseconfig": "b"}))
    write(temp_folder, "b.yaml", "baseconfig: fink_dev\n")
    result = fink_config(run_cli, "cloud")
    assert result.exit_code == 3
    assert "ERROR: baseconfig cycle: fink_dev.json -> a.json -> b.yaml -> fink_dev.json" in result.stderr


def test_missing_baseconfig_names_the_files_looked_for(aws, temp_folder, run_cli):
    write(temp_folder, "fink_dev.json", json.dumps({"baseconfig": "gone", "cloud": OFF}))
    result = fink_config(run_cli, "cloud")
    assert result.exit_code == 3
    assert "fink_dev.json: baseconfig 'gone' not found (looked for gone.py, gone.json, gone.yaml, gone.yml)" \
        in result.stderr


def test_finkignore_file_and_list_reach_the_config(aws, temp_folder, run_cli):
    write(temp_folder, ".finkignore", "# comment\n*.pyc\n\nnode_modules/\n")
    write(temp_folder, "fink_dev.json", json.dumps({"finkignore": ["tests/", "*.pyc"], "cloud": OFF}))
    assert printed(fink_config(run_cli))["finkignore"] == ["node_modules/", "tests/", "*.pyc"]


def test_repeated_ignore_pattern_keeps_its_last_place_so_re_includes_keep_their_meaning(temp_folder):
    """The last matching pattern decides: the list's `*.md` after the file's `!keep.md` ignores keep.md again."""
    from fink_config_reader.reader import ignore_patterns
    write(temp_folder, ".finkignore", "*.md\r\n!keep.md\r\n")
    patterns = ignore_patterns({"finkignore": ["*.md", "build/"]}, str(temp_folder))
    assert patterns == ["!keep.md", "*.md", "build/"]
    import pathspec
    full = pathspec.PathSpec.from_lines("gitwildmatch", ["*.md", "!keep.md", "*.md", "build/"])
    deduplicated = pathspec.PathSpec.from_lines("gitwildmatch", patterns)
    for name in ("keep.md", "other.md", "build/x.py", "src/a.py"):
        assert deduplicated.match_file(name) == full.match_file(name), name


# ---- bad input: message, exit code, no traceback -------------------------------------------------------------
BROKEN = [
    ("fink_dev.json", '{\n  "cloud": {"a": 1,}\n}\n', "fink_dev.json, line 2, column 20: invalid JSON: Expecting property name"),
    ("fink_dev.yaml", "cloud:\n  a: [1, 2\n  b: 3\n", "fink_dev.yaml, line 3, column 4: invalid YAML:"),
    ("fink_dev.py", "def generate_config(:\n    return {}\n", "fink_dev.py, line 1:"),
    ("fink_dev.py", "def generate_config():\n    x = {}\n    return x['cloud']\n",
     "fink_dev.py, line 3: generate_config() failed: KeyError: 'cloud'"),
    ("fink_dev.py", "import no_such_module_here\n", "fink_dev.py, line 1: ModuleNotFoundError"),
    ("fink_dev.py", "def generate_config():\n    return ['a']\n",
     "fink_dev.py: the configuration must be a mapping at top level, not list"),
    ("fink_dev.json", '{"finkignore": "*.pyc"}', "finkignore: must be a list of strings"),
]


@pytest.mark.parametrize("name,text,message", BROKEN, ids=["json", "yaml", "py-syntax", "py-runtime", "py-import",
                                                            "py-not-a-dict", "finkignore"])
def test_broken_config_file_names_file_line_and_problem(aws, temp_folder, run_cli, name, text, message):
    (temp_folder / name).write_text(text, encoding="utf-8")
    result = fink_config(run_cli)
    assert result.exit_code == 3
    assert "ERROR: " + message in result.stderr


def test_wrong_types_and_unknown_keys_are_all_reported(aws, temp_folder, run_cli):
    write(temp_folder, "fink_dev.json", json.dumps({"cloud": OFF, "plugins": {"fink_lookups": {
        "defaults": {"lookups": "stack", "validate": "yes", "colour": "red"}}}}))
    result = fink_config(run_cli, "cloud")
    assert result.exit_code == 3
    assert "Configuration is invalid (3 errors):" in result.stderr
    assert "plugins.fink_lookups.defaults.lookups: 'stack' is not of type 'array'" in result.stderr
    assert "plugins.fink_lookups.defaults.validate: 'yes' is not of type 'boolean'" in result.stderr
    assert "plugins.fink_lookups.defaults: unknown key 'colour' (allowed: lookups, validate)" in result.stderr


def test_missing_config_file_names_the_files_looked_for(aws, temp_folder, run_cli):
    for result in (fink_config(run_cli, "cloud"), run_cli("cloud", "deploy", env={"ENV": "dev"})):
        assert result.exit_code == 3
        assert "ERROR: Configuration missing for 'cloud'." in result.stderr
        assert "fink_dev.py, fink_dev.json, fink_dev.yaml, fink_dev.yml" in result.stderr
        assert "Traceback" not in result.output
    nothing = fink_config(run_cli)
    assert nothing.exit_code == 3 and "Configuration missing: no config file for ENV=dev." in nothing.stderr


def test_missing_env(aws, temp_folder, run_cli):
    result = run_cli("fink", "config", env={"ENV": None})
    assert result.exit_code == 3
    assert "ERROR: 'ENV' environment variable not set!" in result.stderr
    assert "Traceback" not in result.output
