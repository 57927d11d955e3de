"""Unit tests of the slack plugin's pure parts (which commands, which name, masking, webhook choice, failure
reasons) and one run of the real `cloud` tool against moto."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from fink.config import load_schema, validation_errors
from fink.ui import UI
from fink_slack_integration import post
from fink_slack_integration.message import ANNOUNCED, Outcome, build_payload, is_announced, masked_json, target_of
from fink_slack_integration.slack import _usable, webhook_of


def test_exactly_the_changing_commands_are_announced():
    assert {tool: sorted(cmds) for tool, cmds in ANNOUNCED.items()} == {
        "cloud": ["delete", "deploy", "group delete", "group deploy"], "code": ["deploy"],
        "lambda": ["delete", "deploy", "rollback", "unwire", "wire"], "api": ["delete", "deploy"]}
    for tool, command in [("cloud", "list"), ("cloud", "preview"), ("lambda", "invoke"), ("lambda", "bundle"),
                          ("api", "export"), ("code", "bundle"), ("fink", "config"), (None, None)]:
        assert not is_announced(tool, command)


@pytest.mark.parametrize("tool, config, arguments, expected", [
    ("cloud", {"cloud": {"stack": {"StackName": "s1"}}}, {}, ("Stack", "s1")),
    ("lambda", {"lambda": {"lambda": {"name": "f1"}}}, {"<lambda>": None}, ("Function", "f1")),
    ("lambda", {"lambda": {"lambda": {"name": "f1"}}}, {"<lambda>": "f2"}, ("Function", "f2")),
    ("api", {"api": {"api": {"name": "a1"}}}, {}, ("API", "a1")),
    ("code", {"code": {"codedeploy": {"applicationName": "app", "deploymentGroupName": "grp"}}}, {},
     ("Deployment group", "app/grp")),
    ("cloud", {}, {}, None),
    ("cloud", {"cloud": "not a dict"}, {}, None),
    ("other", {"other": {}}, {}, None),
])
def test_target_of(tool, config, arguments, expected):
    assert target_of(tool, config, arguments) == expected


def test_payload_without_target_duration_or_channel():
    context = {"tool": "lambda", "command": "wire", "env": "prod", "user": "bob", "version": "9.9"}
    payload = build_payload(context, {}, Outcome(False, None, ""))
    assert payload["text"] == "fink: lambda wire in *prod* by bob FAILED"
    assert "channel" not in payload
    fields = {f["title"]: f["value"] for f in payload["attachments"][0]["fields"]}
    assert fields == {"Tool": "lambda", "Command": "wire", "Environment": "prod", "User": "bob",
                      "fink version": "9.9", "Error": "unknown error"}


def test_a_command_reporting_its_outcome_is_announced_as_it_said():
    """code deploy --no-wait only creates the deployment: Slack says "created" and names the deployment."""
    context = {"tool": "code", "command": "deploy", "env": "dev", "user": "bob", "version": "9.9",
               "outcome": {"status": "created", "fields": {"Deployment": "d-ABC123"}}}
    payload = build_payload(context, {}, Outcome(True, 3.0))
    assert payload["text"] == "fink: code deploy in *dev* by bob created after 3s"
    assert payload["attachments"][0]["title"] == "code deploy created"
    assert {f["title"]: f["value"] for f in payload["attachments"][0]["fields"]}["Deployment"] == "d-ABC123"
    failed = build_payload(context, {}, Outcome(False, 3.0, "boom"))
    assert "FAILED" in failed["text"] and "created" not in failed["text"]


def test_masked_json_masks_secrets_that_json_would_escape():
    ui = UI()
    ui.register_secret('quo"te\\back')
    ui.register_secret("plain-secret")
    text = masked_json({"text": 'a quo"te\\back b', "list": ["x plain-secret y"], "n": 1}, ui.mask)
    assert json.loads(text) == {"text": "a **** b", "list": ["x **** y"], "n": 1}
    assert "plain-secret" not in text and "back" not in text


@pytest.mark.parametrize("section, expected", [
    ({"slack_webhook": "https://own", "defaults": {"slack_webhook": "https://default"}}, "https://own"),
    ({"defaults": {"slack_webhook": "https://default"}}, "https://default"),
    ({"defaults": {}}, None),
    ({"slack_webhook": ""}, None),
    ("not a section", None),
])
def test_webhook_choice(section, expected):
    assert webhook_of({"plugins": {"fink_slack_integration": section}}) == expected


@pytest.mark.parametrize("value, usable", [
    ("https://hooks.slack.com/services/T/B/X", True), ("HTTP://127.0.0.1:9/hook", True),
    ("lookup:parameter:slack.webhook:CONTINUE_IF_NOT_FOUND", False), ("hooks.slack.com/x", False), (None, False)])
def test_only_http_urls_are_used(value, usable):
    assert _usable(value) is usable


def test_schema_defaults_and_closed_defaults_section():
    schema = load_schema("fink_slack_integration", "schema.yaml")
    from fink.config import fill_defaults
    assert fill_defaults({"channel": "#x"}, schema) == {
        "channel": "#x", "defaults": {"slack_webhook": "lookup:parameter:slack.webhook:CONTINUE_IF_NOT_FOUND",
                                      "validate": True}}
    errors = validation_errors({"defaults": {"validate": True, "slack_hook": "x"}, "chanel": "#x"}, schema, "p")
    assert len(errors) == 2 and all("slack_hook" in e or "chanel" in e for e in errors)


def _connection_error(inner: Exception) -> requests.ConnectionError:
    return requests.ConnectionError(MaxRetryError(None, "/services/T/B/secret", reason=inner))


@pytest.mark.parametrize("raised, reason", [
    (_connection_error(NameResolutionError("hooks.slack.invalid", None, OSError("no name"))), "DNS lookup failed"),
    (_connection_error(NewConnectionError(None, "refused")), "connection failed (refused or unreachable)"),
    (requests.ReadTimeout("read timed out"), "no answer within 3s"),
])
def test_failure_reasons_name_the_problem_but_not_the_url(monkeypatch, raised, reason):
    def fake_post(*args, **kwargs):
        raise raised
    monkeypatch.setattr(requests, "post", fake_post)
    with pytest.raises(post.PostFailed) as info:
        post.post_json("https://hooks.slack.invalid/services/T/B/secret", "{}")
    assert info.value.reason == reason
    assert "secret" not in str(info.value)


def test_where_drops_the_secret_path():
    assert post.where("https://hooks.slack.com/services/T/B/secret") == "https://hooks.slack.com"


def test_importing_the_plugin_does_not_import_requests():
    code = ("import sys, fink_slack_integration.slack, fink_slack_integration.message;"
            "print('requests' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_real_cloud_deploy_and_list(aws, project, run_cli, fake_clock, webhook, monkeypatch):
    """The real `cloud` tool (sample project cloud_simple) against moto: deploy is announced, list is not."""
    monkeypatch.setattr("fink.lifecycle.get_user", lambda: "alice")
    folder = project("cloud_simple")
    config = json.loads((folder / "fink_dev.json").read_text(encoding="utf-8"))
    config["plugins"] = {"fink_slack_integration": {"slack_webhook": webhook.url, "channel": "#ops"}}
    (folder / "fink_dev.json").write_text(json.dumps(config), encoding="utf-8")
    result = run_cli("cloud", "deploy", env={"ENV": "dev"}, clock=fake_clock)
    assert result.exit_code == 0, result.stderr
    assert len(webhook.requests) == 1
    payload = webhook.requests[0].json
    assert payload["channel"] == "#ops" and payload["attachments"][0]["color"] == "good"
    assert {f["title"]: f["value"] for f in payload["attachments"][0]["fields"]}["Stack"] == "fink-test-simple"
    assert run_cli("cloud", "list", env={"ENV": "dev"}, clock=fake_clock).exit_code == 0
    assert len(webhook.requests) == 1
