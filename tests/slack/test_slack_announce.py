"""The slack plugin end to end: a test tool runs the real lifecycle (config reader, lookups against moto,
validation, signals) and a real HTTP server on 127.0.0.1 records what the plugin posts."""
from __future__ import annotations

import io
import json
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest

import fink
from fink.cli import run
from fink.clock import FakeClock
from fink.errors import FinkError, GracefulExit
from fink.tool import Tool
from fink.ui import UI
from fink_testtools.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"
COMMANDS_MODULE = "fink_slack_test_commands"


# ---- the test tools ------------------------------------------------------------------------------------------------
def deploy_ok(context: dict, config: dict) -> int:
    context["_clock"].advance(75)  # the deployment "takes" 1m15s
    context["_private_marker"] = "PRIVATE-VALUE-7731"
    context["_ui"].info(f"deployed {config.get('stack', {}).get('StackName')}")
    return 0


def deploy_fails(context: dict, config: dict) -> int:
    context["_clock"].advance(12)
    raise FinkError("Stack 'fink-slack-demo' is in ROLLBACK_COMPLETE: Resource Bucket failed: Access Denied.")


def deploy_interrupted(context: dict, config: dict) -> int:
    context["_clock"].advance(5)
    raise GracefulExit("SIGINT")


def list_ok(context: dict, config: dict) -> int:
    context["_ui"].print("fink-slack-demo CREATE_COMPLETE")
    return 0


def list_fails(context: dict, config: dict) -> int:
    raise FinkError("Listing stacks failed.")


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType(COMMANDS_MODULE)
    for func in (deploy_ok, deploy_fails, deploy_interrupted, list_ok, list_fails):
        setattr(module, func.__name__, func)
    monkeypatch.setitem(sys.modules, COMMANDS_MODULE, module)
    return module


def make_tool(name: str, usage: list[str], commands: dict[str, str], **kwargs: Any) -> Tool:
    doc = "Usage:\n" + "".join(f"        {name} {line}\n" for line in usage) + "\nOptions:\n-v --verbose  debug\n"
    return Tool(name=name, doc=doc, commands={k: f"{COMMANDS_MODULE}:{v}" for k, v in commands.items()}, **kwargs)


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_tool(commands: Any, aws: Any, temp_folder: Path) -> Callable[..., Result]:
    """``run_tool(tool, "deploy", "-v", config={...})``: writes fink_dev.json, runs the tool with ENV=dev."""
    def _run(tool: Tool, *argv: str, config: dict | None = None, clock: FakeClock | None = None) -> Result:
        if config is not None:
            (temp_folder / "fink_dev.json").write_text(json.dumps(config), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        environ = {"ENV": "dev"}
        code = run(tool, list(argv), environ=environ, ui=UI(out, err, environ=environ), clock=clock or FakeClock(),
                   signals=False)
        return Result(code, out.getvalue(), err.getvalue())
    return _run


CLOUD = make_tool("cloud", ["deploy [-v]", "delete -f [-v]", "list [-v]", "preview [-v]"],
                  {"deploy": "deploy_ok", "delete": "deploy_fails", "list": "list_ok", "preview": "list_fails"})
LAMBDA = make_tool("lambda", ["deploy [-v]", "delete [-v] -f <lambda>", "rollback [-v] <lambda> [<version>]"],
                   {"deploy": "deploy_ok", "delete": "deploy_ok", "rollback": "deploy_fails"},
                   non_config_commands=frozenset({"delete", "rollback"}))
CODE = make_tool("code", ["deploy [-v]"], {"deploy": "deploy_ok"})
API = make_tool("api", ["deploy [-v]", "list [-v]"], {"deploy": "deploy_fails", "list": "list_ok"})


def config_with(webhook_url: str | None = None, **extra) -> dict:
    section: dict = {"channel": "#deployments"}
    if webhook_url is not None:
        section["slack_webhook"] = webhook_url
    return {"cloud": {"stack": {"StackName": "fink-slack-demo"}}, "plugins": {"fink_slack_integration": section},
            **extra}


def fields_of(payload: dict) -> dict:
    return {f["title"]: f["value"] for f in payload["attachments"][0]["fields"]}


def normalized(body: str) -> dict:
    """The payload with the fink version replaced by a placeholder (the user is fixed to alice)."""
    text = body.replace(fink.__version__, "<version>")
    return json.loads(text)


@pytest.fixture(autouse=True)
def fixed_user(monkeypatch):
    monkeypatch.setattr("fink.lifecycle.get_user", lambda: "alice")


def check_golden(name: str, body: str) -> None:
    """Pin the whole payload (set FINK_UPDATE_GOLDEN=1 to rewrite the file after an intended change)."""
    assert_golden(GOLDEN / name, json.dumps(normalized(body), indent=2, sort_keys=True) + "\n")


# ---- what is posted ------------------------------------------------------------------------------------------------
def test_successful_deploy_posts_one_green_message(run_tool, webhook):
    result = run_tool(CLOUD, "deploy", config=config_with(webhook.url))
    assert result.exit_code == 0, result.stderr
    assert "deployed fink-slack-demo" in result.stderr
    assert len(webhook.requests) == 1
    request = webhook.requests[0]
    assert request.path == "/services/T000/B000/hook-token"
    assert request.headers["Content-Type"].startswith("application/json")
    payload = request.json
    assert payload["channel"] == "#deployments"
    assert payload["attachments"][0]["color"] == "good"
    assert fields_of(payload) == {"Tool": "cloud", "Command": "deploy", "Environment": "dev",
                                  "Stack": "fink-slack-demo", "User": "alice", "fink version": fink.__version__,
                                  "Duration": "1m15s"}
    check_golden("deploy_success.json", request.body)


def test_failed_deploy_posts_one_red_message_with_the_error(run_tool, webhook):
    result = run_tool(CLOUD, "delete", "-f", config=config_with(webhook.url))
    assert result.exit_code == 1
    assert "ERROR: Stack 'fink-slack-demo' is in ROLLBACK_COMPLETE" in result.stderr
    assert len(webhook.requests) == 1
    payload = webhook.requests[0].json
    assert payload["attachments"][0]["color"] == "danger"
    fields = fields_of(payload)
    assert fields["Error"] == "Stack 'fink-slack-demo' is in ROLLBACK_COMPLETE: Resource Bucket failed: Access Denied."
    assert fields["Duration"] == "12s"
    assert "FAILED" in payload["text"]
    check_golden("delete_failure.json", webhook.requests[0].body)


def test_private_context_keys_never_appear(run_tool, webhook):
    run_tool(CLOUD, "deploy", config=config_with(webhook.url))
    body = webhook.requests[0].body
    assert "PRIVATE-VALUE-7731" not in body  # set by the command in context['_private_marker']
    for private in ("_awsclient", "_arguments", "_ui", "_clock", "_config", "_private_marker", "_slack_started"):
        assert private not in body


@pytest.mark.parametrize("argv", [["list"], ["preview"]], ids=["list", "failing-preview"])
def test_read_only_commands_post_nothing(run_tool, webhook, argv):
    result = run_tool(CLOUD, *argv, config=config_with(webhook.url))
    assert result.exit_code == (0 if argv == ["list"] else 1)
    assert webhook.requests == []


def test_lambda_delete_names_the_function_from_its_argument(run_tool, webhook):
    config = {"plugins": {"fink_slack_integration": {"slack_webhook": webhook.url}}}
    result = run_tool(LAMBDA, "delete", "-f", "fink-slack-fn", config=config)
    assert result.exit_code == 0, result.stderr
    payload = webhook.requests[0].json
    assert fields_of(payload)["Function"] == "fink-slack-fn"
    assert "channel" not in payload  # no channel configured: the webhook's own channel


def test_failed_lambda_rollback_is_announced(run_tool, webhook):
    config = {"plugins": {"fink_slack_integration": {"slack_webhook": webhook.url}}}
    result = run_tool(LAMBDA, "rollback", "fink-slack-fn", "3", config=config)
    assert result.exit_code == 1
    assert [fields_of(r.json)["Function"] for r in webhook.requests] == ["fink-slack-fn"]
    assert webhook.requests[0].json["attachments"][0]["color"] == "danger"


def test_lambda_deploy_names_the_function_from_config(run_tool, webhook):
    config = {"lambda": {"lambda": {"name": "fink-slack-configured"}},
              "plugins": {"fink_slack_integration": {"slack_webhook": webhook.url}}}
    assert run_tool(LAMBDA, "deploy", config=config).exit_code == 0
    assert fields_of(webhook.requests[0].json)["Function"] == "fink-slack-configured"


def test_code_deploy_names_application_and_group(run_tool, webhook):
    config = {"code": {"codedeploy": {"applicationName": "shop", "deploymentGroupName": "shop-dev"}},
              "plugins": {"fink_slack_integration": {"slack_webhook": webhook.url}}}
    assert run_tool(CODE, "deploy", config=config).exit_code == 0
    assert fields_of(webhook.requests[0].json)["Deployment group"] == "shop/shop-dev"


def test_api_deploy_failure_names_the_api_and_api_list_posts_nothing(run_tool, webhook):
    config = {"api": {"api": {"name": "fink-slack-api"}},
              "plugins": {"fink_slack_integration": {"slack_webhook": webhook.url}}}
    assert run_tool(API, "list", config=config).exit_code == 0
    assert webhook.requests == []
    assert run_tool(API, "deploy", config=config).exit_code == 1
    assert fields_of(webhook.requests[0].json)["API"] == "fink-slack-api"


def test_an_interrupted_deploy_is_announced_red_and_still_exits_130(run_tool, webhook):
    tool = make_tool("cloud", ["deploy [-v]"], {"deploy": "deploy_interrupted"})
    result = run_tool(tool, "deploy", config=config_with(webhook.url))
    assert result.exit_code == 130
    assert len(webhook.requests) == 1
    payload = webhook.requests[0].json
    assert payload["attachments"][0]["color"] == "danger"
    assert (fields_of(payload)["Error"], fields_of(payload)["Duration"]) == ("Interrupted by SIGINT", "5s")


# ---- where the webhook comes from ----------------------------------------------------------------------------------
def test_no_webhook_no_message_one_debug_line(run_tool, webhook):
    result = run_tool(CLOUD, "deploy", "-v", config=config_with(None))
    assert result.exit_code == 0, result.stderr
    assert webhook.requests == []
    lines = [line for line in result.stderr.splitlines() if line.startswith("DEBUG: slack")]
    assert lines == ["DEBUG: slack: no webhook configured or found (plugins.fink_slack_integration.slack_webhook) - "
                     "'cloud deploy' is not announced"]
    assert "WARNING" not in result.stderr


def test_no_webhook_is_silent_without_verbose(run_tool, webhook):
    result = run_tool(CLOUD, "deploy", config=config_with(None))
    assert result.exit_code == 0
    assert "slack:" not in result.stderr and "WARNING" not in result.stderr


def test_default_lookup_reads_the_webhook_from_ssm(run_tool, webhook):
    boto3.client("ssm").put_parameter(Name="slack.webhook", Value=webhook.url, Type="String")
    result = run_tool(CLOUD, "deploy", config=config_with(None))
    assert result.exit_code == 0, result.stderr
    assert len(webhook.requests) == 1
    assert webhook.requests[0].path == "/services/T000/B000/hook-token"


@pytest.mark.parametrize("value", ["not-a-url", "ftp://127.0.0.1/hook"])
def test_a_value_that_is_no_http_url_posts_nothing(run_tool, webhook, value):
    config = config_with(None)
    config["plugins"]["fink_slack_integration"]["defaults"] = {"slack_webhook": value}
    result = run_tool(CLOUD, "deploy", "-v", config=config)
    assert result.exit_code == 0, result.stderr
    assert webhook.requests == []
    assert "DEBUG: slack: the webhook is not an http(s) URL" in result.stderr


# ---- secrets -------------------------------------------------------------------------------------------------------
HOOK = '''
from fink import fink_signals

def _secret(params):
    context, _config = params
    context["_ui"].register_secret("hunter2-very-secret")

def register():
    fink_signals.command_init.connect(_secret)

def deregister():
    fink_signals.command_init.disconnect(_secret)
'''


def test_a_secret_registered_by_a_hook_never_appears(run_tool, webhook, temp_folder):
    (temp_folder / "slack_hooks.py").write_text(HOOK, encoding="utf-8")
    config = config_with(webhook.url, hookfile="slack_hooks.py")
    config["cloud"]["stack"]["StackName"] = "shop-hunter2-very-secret"
    result = run_tool(CLOUD, "deploy", config=config)
    assert result.exit_code == 0, result.stderr
    body = webhook.requests[0].body
    assert "hunter2-very-secret" not in body
    assert fields_of(webhook.requests[0].json)["Stack"] == "shop-****"


def test_a_securestring_parameter_never_appears(run_tool, webhook):
    boto3.client("ssm").put_parameter(Name="/fink-slack/db-password", Value='pa"ss\\word-42', Type="SecureString")
    config = config_with(webhook.url)
    config["cloud"]["stack"]["StackName"] = "lookup:parameter:/fink-slack/db-password"
    result = run_tool(CLOUD, "delete", "-f", config=config)
    assert result.exit_code == 1
    body = webhook.requests[0].body
    assert 'pa"ss\\word-42' not in body and json.dumps('pa"ss\\word-42')[1:-1] not in body
    assert fields_of(webhook.requests[0].json)["Stack"] == "****"


# ---- Slack trouble never changes the outcome -----------------------------------------------------------------------
def test_unreachable_webhook_is_a_warning_only(run_tool, closed_port_url, fake_clock):
    result = run_tool(CLOUD, "deploy", config=config_with(closed_port_url), clock=fake_clock)
    assert result.exit_code == 0
    assert "deployed fink-slack-demo" in result.stderr
    assert ("WARNING: Slack announcement of 'cloud deploy' failed: connection failed (refused or unreachable) "
            "(the command's result is not affected).") in result.stderr
    assert "ERROR" not in result.stderr
    assert fake_clock.sleeps == [1.0]  # one retry, one second later


def test_unreachable_webhook_keeps_a_failure_a_failure(run_tool, closed_port_url):
    result = run_tool(CLOUD, "delete", "-f", config=config_with(closed_port_url))
    assert result.exit_code == 1
    assert "ERROR: Stack 'fink-slack-demo' is in ROLLBACK_COMPLETE" in result.stderr
    assert "WARNING: Slack announcement of 'cloud delete' failed" in result.stderr


def test_erroring_webhook_is_retried_once_then_a_warning(run_tool, webhook):
    webhook.statuses = [500, 500]
    result = run_tool(CLOUD, "deploy", config=config_with(webhook.url))
    assert result.exit_code == 0
    assert len(webhook.requests) == 2
    assert "WARNING: Slack announcement of 'cloud deploy' failed: HTTP 500: internal_error" in result.stderr
    assert "hook-token" not in result.stderr  # the webhook's secret path is never printed


def test_one_retry_recovers_from_a_single_500(run_tool, webhook):
    webhook.statuses = [503]
    result = run_tool(CLOUD, "deploy", config=config_with(webhook.url))
    assert result.exit_code == 0
    assert len(webhook.requests) == 2
    assert "WARNING" not in result.stderr


def test_a_4xx_answer_is_not_retried(run_tool, webhook):
    webhook.statuses = [404]
    result = run_tool(CLOUD, "deploy", config=config_with(webhook.url))
    assert result.exit_code == 0
    assert len(webhook.requests) == 1
    assert "failed: HTTP 404" in result.stderr


def test_a_hanging_webhook_times_out_quickly(run_tool, silent_url, monkeypatch):
    monkeypatch.setattr("fink_slack_integration.post.TIMEOUT", 0.2)
    result = run_tool(CLOUD, "deploy", config=config_with(silent_url))
    assert result.exit_code == 0
    assert "failed: no answer within 0.2s" in result.stderr


def test_default_lookup_costs_one_ssm_call_and_an_empty_value_switches_it_off(run_tool, webhook):
    with_default = run_tool(CLOUD, "deploy", "-v", config=config_with(None))
    assert "  ssm.GetParameters: 1" in with_default.stderr
    config = config_with(None)
    config["plugins"]["fink_slack_integration"]["defaults"] = {"slack_webhook": ""}
    switched_off = run_tool(CLOUD, "deploy", "-v", config=config)
    assert switched_off.exit_code == 0
    assert "ssm." not in switched_off.stderr
    assert "DEBUG: slack: no webhook configured or found" in switched_off.stderr
    assert webhook.requests == []


def test_read_only_commands_make_no_ssm_call_for_the_webhook(run_tool, webhook):
    boto3.client("ssm").put_parameter(Name="slack.webhook", Value=webhook.url, Type="String")
    result = run_tool(CLOUD, "list", "-v", config=config_with(None))
    assert result.exit_code == 0
    assert "ssm." not in result.stderr  # the default webhook lookup is dropped for commands never announced
    assert webhook.requests == []


def test_without_a_slack_section_no_webhook_lookup_runs(run_tool, webhook):
    """Slack not configured (no plugins.fink_slack_integration section): a deploy makes no SSM call for it,
    even when the SSM parameter exists; a section, even an empty one, turns the default lookup on."""
    boto3.client("ssm").put_parameter(Name="slack.webhook", Value=webhook.url, Type="String")
    config = config_with(None)
    del config["plugins"]
    result = run_tool(CLOUD, "deploy", "-v", config=config)
    assert result.exit_code == 0, result.stderr
    assert "ssm." not in result.stderr and webhook.requests == []
    config["plugins"] = {"fink_slack_integration": {}}
    configured = run_tool(CLOUD, "deploy", "-v", config=config)
    assert configured.exit_code == 0 and "  ssm.GetParameters: 1" in configured.stderr
    assert len(webhook.requests) == 1
