"""`cloud deploy` makes no more AWS calls than `aws cloudformation deploy` (create 5, no-op 4) and no SSM call for
Slack when Slack is not configured. An update costs more (see bench/README.md): the stack policy is set, the
concurrency guard reads the newest event when planning and again before executing, and a parameter change that
shows previous values reads the deployed template (which parameters held secrets)."""
import json

import pytest

from fink.awsclient import AWSClient

STACK = "fink-test-simple"


@pytest.fixture(autouse=True)
def _env_dev(monkeypatch):
    monkeypatch.setenv("ENV", "dev")


def _deploy(run_cli, fake_clock):
    awsclient = AWSClient()
    result = run_cli("cloud", "deploy", clock=fake_clock, awsclient=awsclient)
    assert result.exit_code == 0, result.output
    return result, dict(awsclient.call_counts)


def test_deploy_calls_per_operation(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    _, create = _deploy(run_cli, fake_clock)
    assert sum(create.values()) <= 5 and create["cloudformation.DescribeStackEvents"] == 1, create
    _, noop = _deploy(run_cli, fake_clock)
    assert sum(noop.values()) <= 4, noop
    config = json.loads((folder / "fink_dev.json").read_text())
    config["cloud"]["parameters"]["Retention"] = 14
    (folder / "fink_dev.json").write_text(json.dumps(config))
    result, update = _deploy(run_cli, fake_clock)
    assert "UPDATE_COMPLETE" in result.stderr and "Stack 'fink-test-simple' is UPDATE_COMPLETE." in result.stderr
    assert not [op for op in update if op.startswith("ssm.")], update
    assert update["cloudformation.DescribeStackEvents"] <= 3, update  # guard at plan, guard at execute, follow
    assert sum(update.values()) <= 10, update
