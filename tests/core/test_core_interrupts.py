"""SIGINT and SIGTERM sent to real fink processes at each step that matters, checking exit code, message and the
emulator's state afterwards.

Synchronisation is deterministic: with ``FINK_TEST_PAUSE_AT=<checkpoint>`` the process writes
``fink-checkpoint: <name>`` on stderr and waits there for the signal (fink.checkpoints); the pip case waits until
pip has connected to a local index that never answers. No sleeps.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from fink.checkpoints import MARKER, PAUSE_ENV

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
STACK = "fink-test-simple"
FUNCTION = "fink-test-function"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _script(tool: str) -> str:
    return os.path.join(os.path.dirname(sys.executable), tool)


def _read_until_marker(proc: subprocess.Popen) -> str:
    """stderr up to and including the checkpoint line, read unbuffered (communicate() gets the rest)."""
    seen = b""
    while not seen.endswith(b"\n") or MARKER.encode() not in seen.splitlines()[-1]:
        byte = os.read(proc.stderr.fileno(), 1)
        if not byte:
            proc.wait()
            raise AssertionError(f"the process ended (exit {proc.returncode}) before the checkpoint:\n"
                                 f"{seen.decode()}{proc.stdout.read().decode()}")
        seen += byte
    return seen.decode()


def _start(folder: Path, *argv: str, pause_at: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "ENV": "dev", "FINK_NO_UPDATE_CHECK": "1"}
    if pause_at:
        env[PAUSE_ENV] = pause_at
    return subprocess.Popen([_script(argv[0]), *argv[1:]], cwd=folder, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=0)


def _interrupt(proc: subprocess.Popen, signum: int) -> tuple[int, str]:
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, (out + err).decode()


def _run_to(folder: Path, checkpoint: str, signum: int, *argv: str) -> tuple[int, str]:
    proc = _start(folder, *argv, pause_at=checkpoint)
    try:
        before = _read_until_marker(proc)
    except BaseException:
        proc.kill()
        proc.communicate()
        raise
    code, after = _interrupt(proc, signum)
    return code, before + after


# ---- cloud deploy -------------------------------------------------------------------------------------------------
def _cfn():
    return boto3.client("cloudformation")


def _stack_change_sets() -> list[dict]:
    stack_id = _cfn().describe_stacks(StackName=STACK)["Stacks"][0]["StackId"]
    return [c for c in _cfn().list_change_sets(StackName=STACK)["Summaries"] if c["StackId"] == stack_id]


def _prefix() -> str:
    stack = _cfn().describe_stacks(StackName=STACK)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Prefix"]


@pytest.mark.parametrize("checkpoint, signum", [("change-set-waiting", signal.SIGINT),
                                                ("change-set-ready", signal.SIGTERM)])
def test_cloud_deploy_interrupted_before_execution_leaves_no_change_set(checkpoint, signum, pending_update):
    code, output = _run_to(pending_update, checkpoint, signum, "cloud", "deploy")
    assert code == 130, output
    assert f"Received {signal.Signals(signum).name} signal - exiting command 'cloud deploy'" in output
    assert "Traceback" not in output
    assert _stack_change_sets() == []
    assert _prefix() == "fink-test-one"


def test_cloud_deploy_interrupted_while_creating_says_cloudformation_carries_on(aws, project, monkeypatch):
    folder = project("cloud_simple")
    code, output = _run_to(folder, "stack-changing", signal.SIGINT, "cloud", "deploy")
    assert code == 130, output
    assert "Stack 'fink-test-simple' is still being created" in output and "CloudFormation carries on" in output
    assert _cfn().describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_cloud_deploy_interrupted_while_updating_tries_to_cancel_and_says_how_to_watch(signum, pending_update):
    # moto has no CancelUpdateStack: it answers an HTML 500. A cancel is not safe to resend blindly after a 500
    # (fink.retrying), so the process asks once, says the update may still be running and exits at once, without
    # waiting through retries; moto finishes the update on ExecuteChangeSet.
    code, output = _run_to(pending_update, "stack-changing", signum, "cloud", "deploy")
    assert code == 130, output
    name = signal.Signals(signum).name
    assert f"Received {name}: cancelling the update of stack 'fink-test-simple'" in output
    assert output.count("Could not cancel the update: Cancelling the update of stack 'fink-test-simple' failed") == 1
    assert ("The update of stack 'fink-test-simple' may still be running in CloudFormation. Watch it with "
            "`aws cloudformation describe-stacks --stack-name fink-test-simple`") in output
    assert f"Received {name} signal - exiting command 'cloud deploy'" in output
    assert "Traceback" not in output
    assert _cfn().describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert _prefix() == "fink-test-two"
    assert [c["ExecutionStatus"] for c in _stack_change_sets()] == ["EXECUTE_COMPLETE"]


# ---- lambda deploy ------------------------------------------------------------------------------------------------
@pytest.fixture
def lambda_project(aws, project, monkeypatch) -> Path:
    boto3.client("iam").create_role(RoleName="fink-lambda-test", AssumeRolePolicyDocument=json.dumps(TRUST))
    monkeypatch.setenv("ENV", "dev")
    return project("lambda_python")


def test_lambda_deploy_interrupted_during_upload_changes_nothing(lambda_project):
    code, output = _run_to(lambda_project, "code-uploading", signal.SIGTERM, "lambda", "deploy")
    assert code == 130, output
    assert "Received SIGTERM signal" in output and "The command stopped after changing" not in output
    assert FUNCTION not in [f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]]


def test_lambda_deploy_interrupted_before_publishing_lists_what_changed(lambda_project, run_cli, fake_clock):
    assert run_cli("lambda", "deploy", clock=fake_clock).exit_code == 0
    handler = lambda_project / "handler.py"
    handler.write_text(handler.read_text() + "\n# changed\n")
    code, output = _run_to(lambda_project, "version-publishing", signal.SIGINT, "lambda", "deploy")
    assert code == 130, output
    assert ("The command stopped after changing: uploaded the new code to $LATEST. Not done: publish a version; "
            "point ACTIVE at it. Run `lambda deploy` again to finish") in output
    client = boto3.client("lambda")
    assert client.get_alias(FunctionName=FUNCTION, Name="ACTIVE")["FunctionVersion"] == "1"
    assert [v["Version"] for v in client.list_versions_by_function(FunctionName=FUNCTION)["Versions"]] == \
        ["$LATEST", "1"]


# ---- during pip -----------------------------------------------------------------------------------------------------
def test_lambda_bundle_interrupted_during_pip_stops_pip_and_leaves_no_partial_install(temp_folder):
    shutil.copytree(RESOURCES / "lambda_python", temp_folder, dirs_exist_ok=True)
    with socket.socket() as index:  # a package index that accepts pip's connection and never answers
        index.bind(("127.0.0.1", 0))
        index.listen(1)
        (temp_folder / "requirements.txt").write_text(
            f"--index-url http://127.0.0.1:{index.getsockname()[1]}/simple\nsomething==1.0\n")
        proc = _start(temp_folder, "lambda", "bundle")
        index.settimeout(120)
        try:
            connection, _ = index.accept()  # pip is running now
        except BaseException:
            proc.kill()
            raise
        with connection:
            code, output = _interrupt(proc, signal.SIGINT)
            connection.settimeout(30)
            while connection.recv(65536):  # pip's request, then EOF: pip is gone
                pass
    assert code == 130, output
    assert "Received SIGINT signal - exiting command 'lambda bundle'" in output and "Traceback" not in output
    assert not (temp_folder / "bundle.zip").exists()
    assert not list((temp_folder / ".fink" / "tmp").glob("*")), "a half-installed dependency folder is left"
