"""`cloud deploy` makes no more AWS calls than `aws cloudformation deploy` on create (5), no-op (4) and update (6),
and no SSM call for Slack when Slack is not configured. An update (issue 14): no SetStackPolicy unless a policy for
the update is given or get_stack_policy() differs from the stack's; one event read guards against another run before
executing (events later than the change set's CreationTime); no template read (the deploy state parameter says which
parameters held secrets); one look at the stack after executing. The exact counts are pinned so that a new call is
noticed."""
import json

import boto3

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


def _set_retention(folder, days):
    config = json.loads((folder / "fink_dev.json").read_text())
    config["cloud"]["parameters"]["Retention"] = days
    (folder / "fink_dev.json").write_text(json.dumps(config))


def test_deploy_calls_per_operation(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    _, create = _deploy(run_cli, fake_clock)
    # a stack that is already CREATE_COMPLETE at the first look needs no event read (and that read has the outputs)
    assert create == {"cloudformation.DescribeStacks": 2, "cloudformation.CreateStack": 1}
    _, noop = _deploy(run_cli, fake_clock)
    assert noop == {"cloudformation.DescribeStacks": 1, "cloudformation.GetTemplate": 1}
    _set_retention(folder, 14)
    result, update = _deploy(run_cli, fake_clock)
    assert "UPDATE_COMPLETE" in result.stderr and "Stack 'fink-test-simple' is UPDATE_COMPLETE." in result.stderr
    # no SetStackPolicy (no policy configured), one guard read before executing, one look at the stack after it; no
    # GetTemplate: the deploy state parameter says which parameters held secrets (none), so Retention's old value
    # may be shown
    assert "7" in result.stderr and "14" in result.stderr
    assert update == {"cloudformation.DescribeStacks": 2, "cloudformation.CreateChangeSet": 1,
                      "cloudformation.DescribeChangeSet": 1, "cloudformation.DescribeStackEvents": 1,
                      "cloudformation.ExecuteChangeSet": 1}, update  # 6, as `aws cloudformation deploy`


def test_configured_policy_is_set_only_when_it_differs(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    with open(folder / "cloudformation.py", "a") as fh:
        fh.write("\n\nPOLICY = {'Statement': [{'Effect': 'Allow', 'Action': 'Update:*', 'Principal': '*', "
                 "'Resource': '*'}]}\n\n\ndef get_stack_policy():\n    return POLICY\n")
    _deploy(run_cli, fake_clock)
    _set_retention(folder, 14)
    _, unchanged = _deploy(run_cli, fake_clock)
    assert unchanged["cloudformation.GetStackPolicy"] == 1 and "cloudformation.SetStackPolicy" not in unchanged
    boto3.client("cloudformation").set_stack_policy(StackName=STACK, StackPolicyBody=json.dumps(
        {"Statement": [{"Effect": "Deny", "Action": "Update:*", "Principal": "*", "Resource": "*"}]}))
    _set_retention(folder, 21)
    _, changed = _deploy(run_cli, fake_clock)  # changed outside fink: get_stack_policy() is put back
    assert changed["cloudformation.SetStackPolicy"] == 1, changed
    policy = json.loads(boto3.client("cloudformation").get_stack_policy(StackName=STACK)["StackPolicyBody"])
    assert policy["Statement"][0]["Effect"] == "Allow"


def test_update_by_someone_else_after_the_change_set_is_refused(aws, project, run_cli, fake_clock, monkeypatch):
    """Issue 11: another update between this run's change set and its execution is detected on the emulator's
    real clock with the one event read (events later than the change set's CreationTime), and nothing is run."""
    from fink_cloud.cfn import CloudFormation
    folder = project("cloud_simple")
    _deploy(run_cli, fake_clock)
    cfn = boto3.client("cloudformation")
    read = CloudFormation.latest_event

    def someone_else_first(self, stack_id):
        params = cfn.describe_stacks(StackName=STACK)["Stacks"][0]["Parameters"]
        cfn.update_stack(StackName=STACK, UsePreviousTemplate=True, Parameters=[
            {"ParameterKey": p["ParameterKey"], "ParameterValue": "30" if p["ParameterKey"] == "Retention"
             else p["ParameterValue"]} for p in params])
        return read(self, stack_id)
    monkeypatch.setattr(CloudFormation, "latest_event", someone_else_first)
    _set_retention(folder, 14)
    awsclient = AWSClient()
    result = run_cli("cloud", "deploy", clock=fake_clock, awsclient=awsclient)
    assert result.exit_code == 1
    assert "was changed by someone else while this deploy was planning" in result.stderr
    assert awsclient.call_counts["cloudformation.ExecuteChangeSet"] == 0
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Retention"] == "30"
