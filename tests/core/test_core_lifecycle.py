"""The lifecycle as a user and a plugin author see it: signal order and payloads, exit codes, ENV rules."""
import io
import json

import pytest

from fink import fink_signals
from fink.cli import run
from fink.errors import ExitCode, FinkError, GracefulExit
from fink.tool import Tool
from fink.ui import UI

DOC = """Usage:
        demo deploy [--fail] [--boom] [--interrupt] [--differs] [-v]
        demo list [-v]
        demo version
"""
SEEN = []


def deploy(context, config):
    SEEN.append(("command", sorted(config)))
    args = context["_arguments"]
    if args["--fail"]:
        raise FinkError("the stack did not deploy", hint="look at the events above")
    if args["--boom"]:
        raise ValueError("a bug")
    if args["--interrupt"]:
        raise GracefulExit("SIGTERM")
    if args["--differs"]:
        return ExitCode.DIFFERENCES
    context["_ui"].print("deployed")
    return 0


def list_(context, config):
    context["_ui"].print(f"env={context['env']} section={sorted(config)}")


TOOL = Tool(name="demo", doc=DOC, commands={"deploy": f"{__name__}:deploy", "list": f"{__name__}:list_",
                                            "version": "fink.cli:version_command"},
            non_config_commands=frozenset({"list"}), bundle_commands=frozenset({"deploy"}))


@pytest.fixture
def recorder():
    """Connects a receiver to every signal and records (signal name, payload)."""
    calls = []
    receivers = {}
    for signal in fink_signals.SIGNAL_ORDER:
        def receiver(payload, _name=signal.name):
            calls.append((_name, payload))
        receivers[signal.name] = receiver
        signal.connect(receiver)
    SEEN.clear()
    yield calls
    for signal in fink_signals.SIGNAL_ORDER:
        signal.disconnect(receivers[signal.name])


def demo(*args, env=None, tty=False):
    out, err = io.StringIO(), io.StringIO()
    environ = {"FINK_NO_UPDATE_CHECK": "1", **(env or {})}
    code = run(TOOL, list(args), environ=environ, ui=UI(out, err, environ=environ), signals=False)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def demo_config(temp_folder):
    (temp_folder / "fink_dev.json").write_text(json.dumps({"demo": {"stack": "s1"}}))
    return temp_folder


def test_signals_fire_in_the_guides_order_with_documented_payloads(recorder, demo_config):
    code, out, _ = demo("deploy", env={"ENV": "DEV"})
    assert (code, out) == (0, "deployed\n")
    names = [name for name, _ in recorder]
    expected = [s.name for s in fink_signals.SIGNAL_ORDER if s.name != "error"]
    assert names == expected
    payloads = dict(recorder)
    assert isinstance(payloads["initialized"], dict) and isinstance(payloads["finalized"], dict)
    for name in expected[1:-1]:
        context, config = payloads[name]
        assert context is payloads["initialized"] and isinstance(config, dict)
    context = payloads["initialized"]
    for key in ("version", "command", "env", "tool", "plugins", "user", "_arguments", "_awsclient"):
        assert key in context
    assert (context["tool"], context["command"], context["env"]) == ("demo", "deploy", "dev")
    assert "fink.say-hello" in context["plugins"]
    assert SEEN == [("command", ["stack"])]  # the command got its own section


def test_failure_sends_error_then_finalized_and_exits_failure(recorder, demo_config):
    code, out, err = demo("deploy", "--fail", env={"ENV": "dev"})
    assert code == ExitCode.FAILURE == 1
    names = [name for name, _ in recorder]
    assert names[-3:] == ["command_init", "error", "finalized"]
    context, _ = dict(recorder)["error"]
    assert "the stack did not deploy" in context["error"]
    assert "ERROR: the stack did not deploy\nlook at the events above" in err
    assert "Traceback" not in err


def test_a_bug_is_reported_without_traceback_unless_verbose(demo_config):
    code, _, err = demo("deploy", "--boom", env={"ENV": "dev"})
    assert code == ExitCode.FAILURE
    assert "ERROR: Unexpected error: ValueError: a bug" in err and "Traceback" not in err
    code, _, err = demo("deploy", "--boom", "-v", env={"ENV": "dev"})
    assert code == ExitCode.FAILURE and "Traceback" in err


def test_interrupt_exits_with_interrupted_code(recorder, demo_config):
    code, _, err = demo("deploy", "--interrupt", env={"ENV": "dev"})
    assert code == ExitCode.INTERRUPTED == 130
    assert "Received SIGTERM signal - exiting command 'demo deploy'" in err
    assert [n for n, _ in recorder][-2:] == ["error", "finalized"]


def test_usage_error_prints_usage_and_exits_usage(temp_folder):
    code, out, err = demo("deploy", "--no-such-option")
    assert code == ExitCode.USAGE == 2
    assert "Usage:" in err and "demo deploy" in err and out == ""
    code, out, _ = demo("--help")
    assert code == 0 and "demo deploy" in out


def test_missing_env_is_a_configuration_error(temp_folder):
    code, _, err = demo("deploy", env={"ENV": ""})
    assert code == ExitCode.CONFIG == 3
    assert err.startswith("ERROR: 'ENV' environment variable not set!")


def test_missing_tool_section_names_the_tool(temp_folder):
    (temp_folder / "fink_dev.json").write_text(json.dumps({"other": {}}))
    code, _, err = demo("deploy", env={"ENV": "dev"})
    assert code == ExitCode.CONFIG
    assert "Configuration missing for 'demo'" in err and "fink_dev" in err


def test_env_is_lower_cased_to_select_the_config_file(temp_folder):
    (temp_folder / "fink_dev_eu-west-1.json").write_text(json.dumps({"demo": {"stack": "x"}}))
    code, out, _ = demo("deploy", env={"ENV": "DEV_eu-west-1"})
    assert (code, out) == (0, "deployed\n")


def test_non_config_commands_run_without_env_and_without_section(temp_folder):
    code, out, err = demo("list", env={"ENV": ""})
    assert code == 0, err
    assert out == "env=None section=[]\n"


def test_version_runs_without_env_config_or_aws(temp_folder):
    code, out, _ = demo("version", env={"ENV": ""})
    assert code == 0
    assert out.startswith("fink version 1.0.0\nfink commands:\n")
    assert " * fink.say-hello version 1.0.0" in out


def test_plugins_are_deregistered_after_each_run(temp_folder):
    receivers_before = len(fink_signals.initialized.receivers)
    demo("version")
    demo("list")
    assert len(fink_signals.initialized.receivers) == receivers_before


def test_say_hello_greets_and_says_bye(temp_folder, capsys):
    environ = {"FINK_NO_UPDATE_CHECK": "1", "USER": "fin0007m"}
    code = run(TOOL, ["list"], environ=environ, ui=UI(environ=environ), signals=False)
    captured = capsys.readouterr()
    assert code == 0
    assert "MoinMoin" not in captured.out  # plugin chatter stays off stdout, which carries results only
    out = captured.err
    assert out.splitlines()[0].startswith("MoinMoin ") and out.splitlines()[-1].endswith(". Talk to you soon!")


def test_private_context_keys_are_not_in_the_error_message(recorder, demo_config):
    demo("deploy", "--fail", env={"ENV": "dev"})
    context, _ = dict(recorder)["error"]
    assert "_awsclient" not in context["error"] and "AWSClient" not in context["error"]


# every value of the exit-code enum, reached the way a user reaches it; a new value needs a new row
EXIT_SCENARIOS = {
    ExitCode.SUCCESS: (["deploy"], "dev"),
    ExitCode.FAILURE: (["deploy", "--fail"], "dev"),
    ExitCode.USAGE: (["deploy", "--no-such-option"], "dev"),
    ExitCode.CONFIG: (["deploy"], ""),
    ExitCode.DIFFERENCES: (["deploy", "--differs"], "dev"),
    ExitCode.INTERRUPTED: (["deploy", "--interrupt"], "dev"),
}


def test_exit_codes_are_a_pinned_api_with_a_scenario_and_a_documented_row_each():
    from pathlib import Path
    assert {c.name: int(c) for c in ExitCode} == {"SUCCESS": 0, "FAILURE": 1, "USAGE": 2, "CONFIG": 3,
                                                  "DIFFERENCES": 4, "INTERRUPTED": 130}
    assert set(EXIT_SCENARIOS) == set(ExitCode)
    documented = (Path(__file__).resolve().parents[2] / "docs" / "installation.md").read_text(encoding="utf-8")
    assert all(f"\n| {int(c)} |" in documented for c in ExitCode)


@pytest.mark.parametrize("expected", list(EXIT_SCENARIOS), ids=lambda c: c.name)
def test_each_exit_code_is_reached(demo_config, expected):
    args, env = EXIT_SCENARIOS[expected]
    code, _, err = demo(*args, env={"ENV": env})
    assert code == expected, err
    assert "Traceback" not in err
