"""Stack parameters never leak a secret and are never silently changed (issue 12): strict values, secret
parameters shown without values (also after rotation, and once they no longer are secrets), reverts to the
template default shown, UsePreviousValue kept."""
from __future__ import annotations

import json

import boto3
import pytest

from fink.awsclient import AWSClient
from fink_cloud.params import ParameterChange, check_values, parameter_changes, parameter_list
from fink.errors import ConfigError

STACK = "fink-secret-params"
OLD_SECRET = 'tok"en\\öld-1'
NEW_SECRET = "tök'en\\new-2"
ALL_FORMS = (OLD_SECRET, NEW_SECRET, json.dumps(OLD_SECRET)[1:-1], json.dumps(NEW_SECRET)[1:-1],
             repr(OLD_SECRET)[1:-1], repr(NEW_SECRET)[1:-1])


def test_only_strings_numbers_booleans_and_lists_of_those_are_values():
    check_values({"S": "x", "N": 1.5, "B": False, "L": ["a", 1, True], "K": {"UsePreviousValue": True}, "E": []})
    with pytest.raises(ConfigError) as caught:
        check_values({"Null": None, "Map": {"a": 1}, "Nan": float("nan"), "Holes": ["a", None], "Ok": "x",
                      "Inf": float("inf"), "Nested": [["a"]]})
    message = caught.value.message
    for line in ("cloud.parameters.Null: null", "cloud.parameters.Map: a mapping", "cloud.parameters.Nan: nan",
                 "cloud.parameters.Holes: a list holding null", "cloud.parameters.Inf: inf",
                 "cloud.parameters.Nested: a list holding a list"):
        assert line in message
    assert "Ok" not in message
    with pytest.raises(ConfigError, match="must be a mapping"):
        check_values(["a"])


def test_diff_hides_secret_parameters_and_shows_reverts_and_kept_values():
    template = {"Token": {"Type": "String"}, "Mode": {"Type": "String", "Default": "fast"},
                "Keep": {"Type": "String"}, "Pw": {"Type": "String", "NoEcho": "true"}}
    current = [{"ParameterKey": "Token", "ParameterValue": "old-secret"},
               {"ParameterKey": "Mode", "ParameterValue": "slow"}, {"ParameterKey": "Keep", "ParameterValue": "k"},
               {"ParameterKey": "Pw", "ParameterValue": "****"}]
    new = parameter_list({"Token": "new-secret", "Keep": {"UsePreviousValue": True}, "Pw": "x"})
    assert {"ParameterKey": "Keep", "UsePreviousValue": True} in new
    changes = parameter_changes(template, current, new, {"Token"})
    assert changes == [ParameterChange("Mode", "slow", "fast", reverts=True),
                       ParameterChange("Token", "****", "****", secret=True)]
    assert parameter_changes(template, current, parameter_list({"Token": "old-secret", "Mode": "slow",
                                                                "Keep": "k", "Pw": "x"}), {"Token"}) == []


@pytest.fixture
def secret_project(aws, project, monkeypatch):
    monkeypatch.setenv("ENV", "dev")
    folder = project("cloud_secret")
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/app/token", Value=OLD_SECRET, Type="SecureString")
    return folder, ssm


def _config(folder, **params):
    path = folder / "fink_dev.json"
    config = json.loads(path.read_text())
    config["cloud"]["parameters"] = params
    path.write_text(json.dumps(config))


def _leaks(result):
    text = result.output + "".join(p.read_text(errors="replace") for p in result_files())
    return [form for form in ALL_FORMS if form in text]


def result_files():
    from pathlib import Path
    return [p for p in Path.cwd().rglob("*") if p.is_file() and p.suffix in (".json", ".log", ".txt")
            and p.name != "fink_dev.json"]


def test_rotated_and_former_secrets_are_shown_without_values(secret_project, run_cli, fake_clock):
    folder, ssm = secret_project
    first = run_cli("cloud", "deploy", "-v", clock=fake_clock)
    assert first.exit_code == 0, first.output
    assert not _leaks(first)
    ssm.put_parameter(Name="/app/token", Value=NEW_SECRET, Type="SecureString", Overwrite=True)  # rotation
    preview = run_cli("cloud", "preview", "--json", "-v", clock=fake_clock)
    assert preview.exit_code == 0, preview.output
    assert json.loads(preview.stdout)["ParameterChanges"] == [
        {"ParameterKey": "Token", "OldValue": "****", "NewValue": "****", "Secret": True}]
    deploy = run_cli("cloud", "deploy", "-v", clock=fake_clock)
    assert deploy.exit_code == 0, deploy.output
    assert "(secret, changed)" in deploy.stderr
    assert not _leaks(preview) and not _leaks(deploy)
    # the secret is no longer used: the previous value (a secret) is still not shown
    _config(folder, Token="now-a-plain-value", Mode="slow")
    awsclient = AWSClient()
    plain = run_cli("cloud", "preview", clock=fake_clock, awsclient=awsclient)
    assert plain.exit_code == 0, plain.output
    assert "Token      ****       (secret, changed)" in plain.stdout
    assert not _leaks(plain)
    # the stack's deploy state parameter names the former secret (never its value): no template read is needed
    assert "cloudformation.GetTemplate" not in awsclient.call_counts
    params = boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]["Parameters"]
    state = json.loads({p["ParameterKey"]: p["ParameterValue"] for p in params}["FinkDeployState"])
    assert state["s"] == ["Token"] and NEW_SECRET not in json.dumps(state)


def test_removed_parameter_reverts_visibly_and_use_previous_value_keeps_it(aws, project, run_cli, fake_clock,
                                                                          monkeypatch):
    monkeypatch.setenv("ENV", "dev")
    folder = project("cloud_secret")
    _config(folder, Token="t1", Mode="slow")
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    _config(folder, Token="t1")
    preview = run_cli("cloud", "preview", "--json", clock=fake_clock)
    assert json.loads(preview.stdout)["ParameterChanges"] == [
        {"ParameterKey": "Mode", "OldValue": "slow", "NewValue": "fast", "RevertsToDefault": True}]
    text = run_cli("cloud", "preview", clock=fake_clock)
    assert "Mode       slow       fast (template default)" in text.stdout and "no changes" not in text.stdout
    _config(folder, Token="t2", Mode={"UsePreviousValue": True})
    kept = run_cli("cloud", "deploy", clock=fake_clock)
    assert kept.exit_code == 0, kept.output
    params = boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]["Parameters"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in params if p["ParameterKey"] != "FinkDeployState"} == {
        "Token": "t2", "Mode": "slow"}


def test_bad_values_are_config_errors_naming_the_keys_before_any_call(aws, project, run_cli, fake_clock,
                                                                      monkeypatch):
    monkeypatch.setenv("ENV", "dev")
    folder = project("cloud_secret")
    (folder / "fink_dev.json").write_text('{"cloud": {"stack": {"StackName": "s"}, "parameters": '
                                          '{"Token": null, "Mode": {"a": 1}, "X": ["a", null], "Y": NaN}}}')
    awsclient = AWSClient()
    result = run_cli("cloud", "deploy", clock=fake_clock, awsclient=awsclient)
    assert result.exit_code == 3
    for line in ("cloud.parameters.Token: null", "cloud.parameters.Mode: a mapping",
                 "cloud.parameters.X: a list holding null", "cloud.parameters.Y: nan"):
        assert line in result.stderr
    assert not [op for op in awsclient.call_counts if op.startswith("cloudformation.")]


def test_policy_message_names_the_policy_really_applied(aws, project, run_cli, fake_clock, monkeypatch):
    monkeypatch.setenv("ENV", "dev")
    folder = project("cloud_secret")
    with open(folder / "cloudformation.py", "a", encoding="utf-8") as fh:
        fh.write("\n\ndef get_stack_policy_during_update():\n"
                 "    return {'Statement': [{'Effect': 'Allow', 'Action': 'Update:*', 'Principal': '*',"
                 " 'Resource': '*'}]}\n")
    _config(folder, Token="t1")
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    _config(folder, Token="t2")
    custom = run_cli("cloud", "deploy", clock=fake_clock)
    assert custom.exit_code == 0, custom.output
    assert "Applying the stack policy for this update: get_stack_policy_during_update()" in custom.stderr
    assert "--override-stack-policy" not in custom.stderr
    _config(folder, Token="t3")
    override = run_cli("cloud", "deploy", "--override-stack-policy", clock=fake_clock)
    assert "for this update: --override-stack-policy (every update action allowed)" in override.stderr
