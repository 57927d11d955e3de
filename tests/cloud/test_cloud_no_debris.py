"""No debris: a failure or an interrupt between "change set ready" and its execution deletes the change set; an
interrupt once ExecuteChangeSet was sent says that the update may still be running and how to watch it.

In-process against moto; the interrupt is raised at the named checkpoint (tests/cloud/test_cloud_interrupts.py
sends real signals to real processes at the same checkpoints)."""
from __future__ import annotations


import boto3
import pytest

from fink.errors import GracefulExit

STACK = "fink-test-simple"


@pytest.fixture(autouse=True)
def _env_dev(monkeypatch):
    monkeypatch.setenv("ENV", "dev")


def _change_sets() -> list[dict]:
    """moto's ListChangeSets ignores StackName: filter by the stack's id."""
    cfn = boto3.client("cloudformation")
    stack_id = cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackId"]
    return [c for c in cfn.list_change_sets(StackName=STACK)["Summaries"] if c["StackId"] == stack_id]


def _prefix() -> str:
    stack = boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Prefix"]


def _interrupt_at(monkeypatch, wanted: str, signal_name: str = "SIGINT") -> None:
    def checkpoint(name: str) -> None:
        if name == wanted:
            raise GracefulExit(signal_name)
    monkeypatch.setattr("fink.checkpoints.checkpoint", checkpoint)


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_interrupt_between_ready_and_execute_deletes_the_change_set(signal_name, pending_update, run_cli,
                                                                     fake_clock, monkeypatch):
    _interrupt_at(monkeypatch, "change-set-ready", signal_name)
    result = run_cli("cloud", "deploy", clock=fake_clock)
    assert result.exit_code == 130, result.output
    assert "Deleted the unexecuted change set of stack 'fink-test-simple': nothing was changed." in result.stderr
    assert f"Received {signal_name} signal" in result.stderr
    assert [c["ExecutionStatus"] for c in _change_sets()] == []
    assert _prefix() == "fink-test-one"


def test_interrupt_while_waiting_for_the_change_set_deletes_it(pending_update, run_cli, fake_clock, monkeypatch):
    _interrupt_at(monkeypatch, "change-set-waiting")
    result = run_cli("cloud", "deploy", clock=fake_clock)
    assert result.exit_code == 130, result.output
    assert _change_sets() == [] and _prefix() == "fink-test-one"


def test_failure_between_ready_and_execute_deletes_the_change_set(pending_update, run_cli, fake_clock):
    template = pending_update / "cloudformation.py"
    template.write_text(template.read_text() + "\n\ndef get_stack_policy_during_update():\n"
                                               "    raise RuntimeError('policy service down')\n")
    result = run_cli("cloud", "deploy", clock=fake_clock)
    assert result.exit_code == 3, result.output
    assert "get_stack_policy_during_update() in cloudformation.py failed: RuntimeError: policy service down" \
        in result.stderr
    assert "Deleted the unexecuted change set" in result.stderr
    assert _change_sets() == [] and _prefix() == "fink-test-one"


def test_interrupt_before_execute_is_sent_deletes_the_change_set(pending_update, run_cli, fake_clock,
                                                                 monkeypatch):
    def interrupted(self, ids):
        raise GracefulExit("SIGINT")  # the request never left
    monkeypatch.setattr("fink_cloud.cfn.CloudFormation.execute_change_set", interrupted)
    result = run_cli("cloud", "deploy", clock=fake_clock)
    assert result.exit_code == 130, result.output
    assert "Deleted the unexecuted change set" in result.stderr and "may still be running" not in result.stderr
    assert _change_sets() == []


def test_interrupt_after_execute_took_effect_says_the_update_may_be_running(pending_update, run_cli, fake_clock,
                                                                            monkeypatch):
    from fink_cloud.cfn import CloudFormation
    real = CloudFormation.execute_change_set

    def lost_answer(self, ids):
        real(self, ids)  # CloudFormation got it; the signal arrives before the answer
        raise GracefulExit("SIGTERM")
    monkeypatch.setattr(CloudFormation, "execute_change_set", lost_answer)
    result = run_cli("cloud", "deploy", clock=fake_clock)
    assert result.exit_code == 130, result.output
    assert "The update of stack 'fink-test-simple' may still be running in CloudFormation. Watch it with " \
           "`aws cloudformation describe-stacks --stack-name fink-test-simple`" in result.stderr
    assert "Deleted the unexecuted change set" not in result.stderr
    assert [c["ExecutionStatus"] for c in _change_sets()] == ["EXECUTE_COMPLETE"]


def test_interrupt_while_the_stack_changes_follows_the_cancel_path(pending_update, run_cli, fake_clock,
                                                                   monkeypatch):
    # moto has no CancelUpdateStack (HTML 500): the cancel fails, and the message says the update may still run
    monkeypatch.setattr("fink.awsclient.MAX_ATTEMPTS", 1)  # not eight retries of moto's 500
    _interrupt_at(monkeypatch, "stack-changing")
    result = run_cli("cloud", "deploy", clock=fake_clock)
    assert result.exit_code == 130, result.output
    assert "cancelling the update of stack 'fink-test-simple'" in result.stderr
    assert "Could not cancel the update" in result.stderr and "may still be running" in result.stderr
