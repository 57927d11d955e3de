"""Stack settings (issue 15): tags, termination protection, capabilities, failure behaviour, create timeout and the
template upload location - end to end on moto, checked with independent botocore calls.

moto stores what CreateStack gets (tags, protection, timeout) but does not apply the tags of an executed UPDATE
change set, does not implement UpdateTerminationProtection and does not echo Capabilities, OnFailure or
DisableRollback: for those the test reads what fink sent (``CallLog``) and answers only UpdateTerminationProtection
itself; every other call still goes to moto.
"""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from fink.awsclient import AWSClient
from fink_cloud.preview import render_preview
from fink_cloud.stack_settings import (TagChange, change_set_settings, create_stack_settings, plan_settings,
                                       tag_changes, template_key, upload_extra)
from fink_testtools.calls import CallLog

STACK = "fink-test-simple"


@pytest.fixture(autouse=True)
def _env_dev(monkeypatch):
    monkeypatch.setenv("ENV", "dev")


def _configure(folder: Path, **stack) -> None:
    path = folder / "fink_dev.json"
    config = json.loads(path.read_text())
    config["cloud"]["stack"].update(stack)
    path.write_text(json.dumps(config))


def _describe():
    return boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]


# ---- pure ------------------------------------------------------------------------------------------------------
def test_tag_changes_compare_only_when_the_config_has_tags():
    stack = {"Tags": [{"Key": "team", "Value": "a"}, {"Key": "old", "Value": "x"}]}
    assert tag_changes(stack, {}) == ()
    assert tag_changes(stack, {"Tags": {"team": "b", "new": 1}}) == (
        TagChange("new", None, "1"), TagChange("old", "x", None), TagChange("team", "a", "b"))
    assert tag_changes(stack, {"Tags": {"team": "a", "old": "x"}}) == ()
    assert tag_changes(None, {"Tags": {"team": "a"}}) == ()  # a new stack: everything is new anyway


def test_settings_are_sent_only_when_configured():
    assert change_set_settings({}, "UPDATE") == {
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]}
    config = {"Tags": {"b": True, "a": "x"}, "Capabilities": ["CAPABILITY_IAM"], "OnFailure": "DELETE",
              "TimeoutInMinutes": 7, "TerminationProtection": False}
    assert change_set_settings(config, "CREATE") == {
        "Capabilities": ["CAPABILITY_IAM"], "Tags": [{"Key": "a", "Value": "x"}, {"Key": "b", "Value": "true"}],
        "OnStackFailure": "DELETE"}
    assert "OnStackFailure" not in change_set_settings(config, "UPDATE")
    assert change_set_settings({"Tags": {}}, "UPDATE")["Tags"] == []  # an empty object removes every tag
    assert create_stack_settings(config) == {"OnFailure": "DELETE", "TimeoutInMinutes": 7,
                                             "EnableTerminationProtection": False}
    assert plan_settings({"EnableTerminationProtection": True}, {}).protection is None
    assert plan_settings({"EnableTerminationProtection": True}, config).protection is False
    same = {"EnableTerminationProtection": False, "Tags": [{"Key": "a", "Value": "x"}, {"Key": "b", "Value": "true"}]}
    assert plan_settings(same, config).has_changes is False


def test_template_key_and_encryption():
    assert template_key({"StackName": "s"}, "eu-west-1", "ab") == "cloud/eu-west-1/s/ab.json"
    assert template_key({"StackName": "s", "artifactKeyPrefix": "/a/b/"}, "r", "ab") == "a/b/r/s/ab.json"
    assert template_key({"StackName": "s", "artifactKeyPrefix": ""}, "r", "ab") == "r/s/ab.json"
    assert upload_extra({"artifactKmsKeyId": "alias/k"}) == {
        "ContentType": "application/json", "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/k"}


def test_preview_rendering_shows_tags_and_protection():
    data = {"StackName": "s", "ChangeSetType": "UPDATE", "Changes": [], "ParameterChanges": [],
            "TagChanges": [{"Key": "team", "OldValue": "a", "NewValue": None}], "TerminationProtection": True}
    text = render_preview(data)
    assert "team  a          (removed)" in text
    assert "Termination protection: off -> on." in text
    assert render_preview({**data, "TagChanges": [], "TerminationProtection": None}) == "Stack 's' (update): no changes."


# ---- end to end ------------------------------------------------------------------------------------------------
def test_create_applies_tags_protection_timeout_and_encrypted_upload(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="fink-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    key_id = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]
    _configure(folder, Tags={"team": "platform", "cost-center": 4711}, TerminationProtection=True,
               TimeoutInMinutes=15, OnFailure="DELETE", Capabilities=["CAPABILITY_IAM"],
               artifactBucket="fink-artifacts", artifactKeyPrefix="deploy/templates", artifactKmsKeyId=key_id)
    awsclient = AWSClient()
    log = CallLog(awsclient)
    result = run_cli("cloud", "deploy", clock=fake_clock, awsclient=awsclient)
    assert result.exit_code == 0, result.output
    stack = _describe()
    assert stack["Tags"] == [{"Key": "cost-center", "Value": "4711"}, {"Key": "team", "Value": "platform"}]
    assert stack["EnableTerminationProtection"] is True and stack["TimeoutInMinutes"] == 15
    [create] = log.params("cloudformation", "CreateStack")
    assert create["OnFailure"] == "DELETE" and create["Capabilities"] == ["CAPABILITY_IAM"]
    [obj] = s3.list_objects_v2(Bucket="fink-artifacts")["Contents"]
    assert obj["Key"].startswith(f"deploy/templates/eu-west-1/{STACK}/")
    head = s3.head_object(Bucket="fink-artifacts", Key=obj["Key"])
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"].endswith(key_id)

    # a protected stack is not deleted, and the message says how to lift the protection
    result = run_cli("cloud", "delete", "-f", clock=fake_clock)
    assert result.exit_code == 1
    assert "Stack 'fink-test-simple' has termination protection; nothing was deleted." in result.stderr
    assert "cloud.stack.TerminationProtection" in result.stderr
    assert _describe()["StackStatus"] == "CREATE_COMPLETE"


def test_preview_shows_tag_and_protection_changes(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    _configure(folder, Tags={"team": "platform", "old": "x"})
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    _configure(folder, Tags={"team": "data"}, TerminationProtection=True)
    result = run_cli("cloud", "preview", clock=fake_clock)
    assert result.exit_code == 0, result.output
    assert "old   x          (removed)" in result.stdout and "team  platform   data" in result.stdout
    assert "Termination protection: off -> on." in result.stdout
    data = json.loads(run_cli("cloud", "preview", "--json", clock=fake_clock).stdout)
    assert data["TagChanges"] == [{"Key": "old", "OldValue": "x", "NewValue": None},
                                  {"Key": "team", "OldValue": "platform", "NewValue": "data"}]
    assert data["TerminationProtection"] is True
    assert boto3.client("cloudformation").list_change_sets(StackName=STACK)["Summaries"] == []


def test_update_sends_tags_and_rollback_setting_and_changes_protection_only_when_it_differs(
        aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    _configure(folder, Tags={"team": "platform"})
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    config = json.loads((folder / "fink_dev.json").read_text())
    config["cloud"]["parameters"]["Retention"] = 14
    config["cloud"]["stack"].update(Tags={"team": "data"}, TerminationProtection=True, DisableRollback=True)
    (folder / "fink_dev.json").write_text(json.dumps(config))
    awsclient = AWSClient()
    log = CallLog(awsclient)
    log.answer("cloudformation", "UpdateTerminationProtection", {"StackId": "x"})  # moto: not implemented
    result = run_cli("cloud", "deploy", "--override-stack-policy", clock=fake_clock, awsclient=awsclient)
    assert result.exit_code == 0, result.output
    assert "team  platform   data" in result.stderr  # the tag diff is shown before the change
    [change_set] = log.params("cloudformation", "CreateChangeSet")
    assert change_set["Tags"] == [{"Key": "team", "Value": "data"}]
    [execute] = log.params("cloudformation", "ExecuteChangeSet")
    assert execute["DisableRollback"] is True
    assert log.params("cloudformation", "UpdateTerminationProtection") == [
        {"StackName": STACK, "EnableTerminationProtection": True}]
    assert "Termination protection of stack 'fink-test-simple' is now on." in result.stderr



def test_unchanged_settings_cost_no_call(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    _configure(folder, Tags={"team": "platform"}, TerminationProtection=False)
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    awsclient = AWSClient()
    log = CallLog(awsclient)
    result = run_cli("cloud", "deploy", clock=fake_clock, awsclient=awsclient)
    assert "No changes: stack 'fink-test-simple' is up to date." in result.stderr
    assert "Tag changes" not in result.stderr
    assert "UpdateTerminationProtection" not in log.operations()


# ---- cloud outputs and cloud drift -------------------------------------------------------------------------------
def test_outputs_as_table_and_json(aws, project, run_cli, fake_clock):
    project("cloud_simple")
    result = run_cli("cloud", "outputs", clock=fake_clock)
    assert result.exit_code == 1 and "Stack 'fink-test-simple' does not exist." in result.stderr
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    result = run_cli("cloud", "outputs", clock=fake_clock)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Output", "Value", "Export", "Description"]
    assert [line.split()[0] for line in lines[2:]] == ["BucketArn", "BucketName", "PrefixUsed", "TopicArn"]
    data = json.loads(run_cli("cloud", "outputs", "--json", clock=fake_clock).stdout)
    assert data["BucketName"] == "fink-test-one-artifacts"
    assert data["TopicArn"] == "arn:aws:sns:eu-west-1:123456789012:fink-test-one-events"


DRIFTS = {"StackResourceDrifts": [
    {"StackId": "x", "LogicalResourceId": "EventTopic", "PhysicalResourceId": "arn:t", "ResourceType": "AWS::SNS::Topic",
     "StackResourceDriftStatus": "IN_SYNC", "Timestamp": "2026-01-01T00:00:00Z"},
    {"StackId": "x", "LogicalResourceId": "ArtifactBucket", "PhysicalResourceId": "b", "ResourceType": "AWS::S3::Bucket",
     "StackResourceDriftStatus": "MODIFIED", "Timestamp": "2026-01-01T00:00:00Z",
     "PropertyDifferences": [{"PropertyPath": "/VersioningConfiguration/Status", "ExpectedValue": "Enabled",
                              "ActualValue": "Suspended", "DifferenceType": "NOT_EQUAL"}]}]}


def _drift_answers(log: CallLog, final: str, drifts: dict) -> None:
    """moto implements none of the drift operations (DetectStackDrift answers HTTP 500), so these three are answered
    here; the stack itself comes from moto."""
    log.answer("cloudformation", "DetectStackDrift", {"StackDriftDetectionId": "d-1"})
    log.answer("cloudformation", "DescribeStackDriftDetectionStatus",
               {"StackId": "x", "StackDriftDetectionId": "d-1", "DetectionStatus": "DETECTION_IN_PROGRESS",
                "Timestamp": "2026-01-01T00:00:00Z"},
               {"StackId": "x", "StackDriftDetectionId": "d-1", "DetectionStatus": "DETECTION_COMPLETE",
                "StackDriftStatus": final, "Timestamp": "2026-01-01T00:00:00Z"})
    log.answer("cloudformation", "DescribeStackResourceDrifts", drifts)


@pytest.mark.parametrize("tty", [False, True], ids=["ci", "tty"])
def test_drift_lists_drifted_resources_and_exits_4(aws, project, run_cli, fake_clock, tty):
    project("cloud_simple")
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    awsclient = AWSClient()
    log = CallLog(awsclient)
    _drift_answers(log, "DRIFTED", DRIFTS)
    result = run_cli("cloud", "drift", clock=fake_clock, awsclient=awsclient, tty=tty, env={"NO_COLOR": "1"})
    assert result.exit_code == 4, result.output
    assert "Stack 'fink-test-simple' has drifted: 1 resource(s)." in result.stdout
    assert "ArtifactBucket  AWS::S3::Bucket  MODIFIED" in result.stdout and "EventTopic" not in result.stdout
    assert "/VersioningConfiguration/Status  NOT_EQUAL   Enabled   Suspended" in result.stdout
    assert log.params("cloudformation", "DetectStackDrift") == [{"StackName": STACK}]
    if tty:  # one line redrawn in place
        assert "\r\x1b[KDrift detection of stack 'fink-test-simple': DETECTION_IN_PROGRESS" in result.stderr
    else:  # a CI log gets each state once, as plain lines
        assert result.stderr.splitlines()[:2] == [
            "Drift detection of stack 'fink-test-simple': DETECTION_IN_PROGRESS",
            "Drift detection of stack 'fink-test-simple': DETECTION_COMPLETE"]
        assert "\x1b" not in result.stderr


def test_drift_in_sync_exits_0_and_json(aws, project, run_cli, fake_clock):
    project("cloud_simple")
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    awsclient = AWSClient()
    log = CallLog(awsclient)
    _drift_answers(log, "IN_SYNC", {"StackResourceDrifts": DRIFTS["StackResourceDrifts"][:1]})
    result = run_cli("cloud", "drift", "--json", clock=fake_clock, awsclient=awsclient)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"StackName": STACK, "StackDriftStatus": "IN_SYNC", "DriftedResources": []}


# ---- change sets kept for review --------------------------------------------------------------------------------
def _kept(run_cli, fake_clock) -> str:
    result = run_cli("cloud", "preview", "--keep", "--json", clock=fake_clock)
    assert result.exit_code == 0, result.output
    name = json.loads(result.stdout)["KeptChangeSet"]
    assert f"cloud deploy --change-set {name}" in result.stderr
    return name


@pytest.fixture
def reviewed(aws, project, run_cli, fake_clock):
    """A deployed stack, a config raising Retention to 14, and the name of the change set `preview --keep` left."""
    folder = project("cloud_simple")
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    config = json.loads((folder / "fink_dev.json").read_text())
    config["cloud"]["parameters"]["Retention"] = 14
    (folder / "fink_dev.json").write_text(json.dumps(config))
    return folder, config, _kept(run_cli, fake_clock)


def test_kept_change_set_is_executed_exactly(reviewed, run_cli, fake_clock):
    _, _, name = reviewed
    cfn = boto3.client("cloudformation")
    [summary] = cfn.list_change_sets(StackName=STACK)["Summaries"]
    assert summary["ChangeSetName"] == name  # left for the reviewer
    fake_clock.advance(5)  # a later run would create a differently named change set
    awsclient = AWSClient()
    log = CallLog(awsclient)
    result = run_cli("cloud", "deploy", "--change-set", name, "--override-stack-policy", clock=fake_clock,
                     awsclient=awsclient)
    assert result.exit_code == 0, result.output
    assert "CreateChangeSet" not in log.operations()
    assert [p["ChangeSetName"] for p in log.params("cloudformation", "ExecuteChangeSet")] == [summary["ChangeSetId"]]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in _describe()["Parameters"]}
    assert params["Retention"] == "14"


def test_kept_change_set_is_refused_when_the_config_changed(reviewed, run_cli, fake_clock):
    folder, config, name = reviewed
    config["cloud"]["parameters"]["Retention"] = 30  # changed after the review
    (folder / "fink_dev.json").write_text(json.dumps(config))
    result = run_cli("cloud", "deploy", "--change-set", name, clock=fake_clock)
    assert result.exit_code == 1
    assert f"Change set '{name}' of stack 'fink-test-simple' was not executed: the template, parameters or stack " \
           "settings changed since it was created" in result.stderr
    assert {p["ParameterKey"]: p["ParameterValue"] for p in _describe()["Parameters"]}["Retention"] == "7"
    result = run_cli("cloud", "deploy", "--change-set", "fink-nope", clock=fake_clock)
    assert result.exit_code == 1 and "it does not exist" in result.stderr


def test_a_change_set_that_cloudformation_no_longer_offers_is_refused():
    """OBSOLETE (the stack changed after the review) - moto never marks change sets obsolete, so a pure check."""
    from fink.errors import FinkError
    from fink_cloud.review import adopt_change_set, description
    request = {"StackName": "s", "ChangeSetName": "fink-1", "Parameters": []}

    class Cfn:
        def find_change_set(self, stack, name):
            return {"Description": description({**request, "ChangeSetName": "other"}), "Status": "CREATE_COMPLETE",
                    "ExecutionStatus": "OBSOLETE"}
    with pytest.raises(FinkError, match="execution status OBSOLETE"):
        adopt_change_set(Cfn(), request, "fink-1")


def test_a_tag_change_alone_is_not_taken_for_no_change(aws, project, run_cli, fake_clock):
    """deploy skips the change set when template and parameters equal the deployed ones; changed tags must still
    go to CloudFormation (AWS executes such a change set; moto reports it as empty, hence the warning here)."""
    folder = project("cloud_simple")
    _configure(folder, Tags={"team": "platform"})
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    _configure(folder, Tags={"team": "data"})
    awsclient = AWSClient()
    log = CallLog(awsclient)
    result = run_cli("cloud", "deploy", clock=fake_clock, awsclient=awsclient)
    assert result.exit_code == 0, result.output
    assert [p["Tags"] for p in log.params("cloudformation", "CreateChangeSet")] == [[{"Key": "team", "Value": "data"}]]
    assert "No changes: stack" not in result.stderr
