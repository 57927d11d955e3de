"""Failure summaries, the event display (TTY and plain), throttling, interrupts and blocked stacks.

moto cannot serve these: it has only stack-level events, never fails or rolls back a stack, does not implement
CancelUpdateStack and never throttles (see shared moto notes). So the CloudFormation client is driven by botocore
Stubber sequences shaped like real AWS answers.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from botocore.stub import ANY, Stubber

from fink.awsclient import AWSClient
from fink.errors import GracefulExit
from fink_cloud.template import DEFAULT_POLICY, OVERRIDE_POLICY
from fink_testtools.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"
STACK = "fink-test-simple"
STACK_ID = f"arn:aws:cloudformation:eu-west-1:123456789012:stack/{STACK}/1234"
CS_ID = "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/fink-1/5678"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
CS_TIME = T0 + dt.timedelta(seconds=1)  # the change set's CreationTime: after every scripted event but "theirs"
_counter = iter(range(1000, 100000))


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch):
    monkeypatch.setenv("ENV", "dev")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing unstubbed may reach anything
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("NO_COLOR", raising=False)


def event(logical, status, reason=None, rtype=None):
    stack_level = logical == STACK
    item = {"StackId": STACK_ID, "StackName": STACK, "EventId": f"ev-{next(_counter)}", "Timestamp": T0,
            "LogicalResourceId": logical, "ResourceStatus": status,
            "ResourceType": rtype or ("AWS::CloudFormation::Stack" if stack_level else
                                      {"ArtifactBucket": "AWS::S3::Bucket"}.get(logical, "AWS::SNS::Topic")),
            "PhysicalResourceId": STACK_ID if stack_level else f"{logical.lower()}-id"}
    if reason:
        item["ResourceStatusReason"] = reason
    return item


def page(*events):
    """describe_stack_events answers newest first."""
    return {"StackEvents": list(reversed(events))}


def stack(status="UPDATE_COMPLETE", prefix="fink-test-zero"):
    return {"Stacks": [{"StackName": STACK, "StackId": STACK_ID, "StackStatus": status, "CreationTime": T0,
                        "Parameters": [{"ParameterKey": "Prefix", "ParameterValue": prefix},
                                       {"ParameterKey": "Retention", "ParameterValue": "7"},
                                       {"ParameterKey": "Zones", "ParameterValue": "a,b"}],
                        "Outputs": [{"OutputKey": "BucketName", "OutputValue": "b"}]}]}


class Script:
    """A Stubber on the cloudformation client of a fresh AWSClient, with helpers for the usual calls."""

    def __init__(self):
        self.awsclient = AWSClient()
        self.stubber = Stubber(self.awsclient.get_client("cloudformation"))
        # no SSM answer queued: Slack is not configured here, so its webhook lookup must not run
        self.ssm = Stubber(self.awsclient.get_client("ssm"))

    def add(self, op, response=None, params=None):
        self.stubber.add_response(op, response or {}, params)
        return self

    def error(self, op, code, message):
        self.stubber.add_client_error(op, service_error_code=code, service_message=message, http_status_code=400)
        return self

    def update_until_executed(self, changes=(), policy=None, look=None):
        """Up to ExecuteChangeSet and the one look at the stack after it; ``policy``: the during-update policy set
        before executing (none without one); ``look``: what that look answers (default: UPDATE_IN_PROGRESS)."""
        self.add("describe_stacks", stack(), {"StackName": STACK})
        self.deployed_template()
        self.add("create_change_set", {"Id": CS_ID, "StackId": STACK_ID}, {
            "StackName": STACK, "ChangeSetType": "UPDATE", "ChangeSetName": ANY, "Parameters": ANY,
            "TemplateBody": ANY, "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            "ClientToken": ANY, "Description": ANY})
        self.add("describe_change_set", {"ChangeSetId": CS_ID, "StackId": STACK_ID, "Status": "CREATE_COMPLETE",
                                         "CreationTime": CS_TIME, "Changes": list(changes)})
        # one event read before executing: nothing after the change set's CreationTime, nobody changed the stack
        self.add("describe_stack_events", page(event(STACK, "CREATE_COMPLETE")), {"StackName": STACK_ID})
        if policy is not None:
            self.add("set_stack_policy", {}, {"StackName": STACK_ID, "StackPolicyBody": policy})
        self.add("execute_change_set", {}, {"ChangeSetName": CS_ID, "StackName": STACK_ID, "ClientRequestToken": ANY})
        if look is not None:
            return self.add("describe_stacks", look, {"StackName": STACK_ID})
        return self.under_way("UPDATE_IN_PROGRESS")

    def under_way(self, status):
        """The one look at the stack right after CreateStack/ExecuteChangeSet: real AWS answers an _IN_PROGRESS
        status, so fink follows the events."""
        return self.add("describe_stacks", stack(status), {"StackName": STACK_ID})

    def change_set_created(self):
        """An update up to CreateChangeSet (stack read, deployed template read, change set created); the test adds
        what DescribeChangeSet answers."""
        self.add("describe_stacks", stack())
        self.deployed_template()
        return self.add("create_change_set", {"Id": CS_ID, "StackId": STACK_ID})

    def deployed_template(self):
        """A shown previous parameter value makes fink read the deployed template (were any of them secrets?)."""
        return self.add("get_template", {"TemplateBody": "{}"}, {"StackName": STACK, "TemplateStage": "Processed"})

    def run(self, run_cli, clock, *args, tty=False):
        with self.stubber, self.ssm:
            result = run_cli("cloud", *args, awsclient=self.awsclient, clock=clock, tty=tty)
        self.stubber.assert_no_pending_responses()
        return result


FAILED_UPDATE = [
    page(event(STACK, "UPDATE_IN_PROGRESS", "User Initiated"), event("ArtifactBucket", "UPDATE_IN_PROGRESS"),
         event("EventTopic", "UPDATE_IN_PROGRESS")),
    page(event("ArtifactBucket", "UPDATE_FAILED", "Access Denied (Service: S3; Status Code: 403)"),
         event("EventTopic", "UPDATE_FAILED", "Resource update cancelled"),
         event(STACK, "UPDATE_ROLLBACK_IN_PROGRESS",
               "The following resource(s) failed to update: [ArtifactBucket, EventTopic].")),
    page(event("EventTopic", "UPDATE_COMPLETE"), event(STACK, "UPDATE_ROLLBACK_COMPLETE")),
]


def _failed_update_script():
    script = Script().update_until_executed()
    for answer in FAILED_UPDATE:
        script.add("describe_stack_events", answer, {"StackName": STACK_ID})
    return script


def _golden(name, text):
    assert_golden(GOLDEN / name, text)


def test_failed_update_names_the_first_failure_plain(project, run_cli, fake_clock):
    project("cloud_simple")
    result = _failed_update_script().run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 1
    error = result.stderr.split("ERROR: ")[1]
    assert error.startswith("Stack 'fink-test-simple' ended in UPDATE_ROLLBACK_COMPLETE. First failure: "
                            "ArtifactBucket (AWS::S3::Bucket) UPDATE_FAILED: Access Denied")
    assert "Resource update cancelled" not in error
    _golden("deploy_failed_plain.txt", result.stderr)


def test_failed_update_tty_rendering(project, run_cli, fake_clock):
    project("cloud_simple")
    result = _failed_update_script().run(run_cli, fake_clock, "deploy", tty=True)
    assert result.exit_code == 1
    assert "\r\x1b[K" in result.stderr  # the status line is redrawn in place
    _golden("deploy_failed_tty.txt", result.stderr)


def test_polling_survives_throttling_and_backs_off(project, run_cli, fake_clock):
    project("cloud_simple")
    script = Script().update_until_executed()
    script.add("describe_stack_events", page(event(STACK, "UPDATE_IN_PROGRESS", "User Initiated")))
    script.error("describe_stack_events", "Throttling", "Rate exceeded")
    script.error("describe_stack_events", "Throttling", "Rate exceeded")
    script.add("describe_stack_events", page(event(STACK, "UPDATE_COMPLETE")))
    script.add("describe_stacks", stack(prefix="fink-test-one"))
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 0, result.output
    assert "Stack 'fink-test-simple' is UPDATE_COMPLETE." in result.stderr
    assert fake_clock.sleeps == [2.0, 3.0, 4.5]  # starts fast, backs off


def test_interrupted_update_is_cancelled_and_followed(project, run_cli, fake_clock):
    project("cloud_simple")
    script = Script().update_until_executed()
    script.add("describe_stack_events", page(event(STACK, "UPDATE_IN_PROGRESS", "User Initiated")))
    script.add("cancel_update_stack", {}, {"StackName": STACK, "ClientRequestToken": ANY})
    script.add("describe_stack_events", page(event(STACK, "UPDATE_ROLLBACK_IN_PROGRESS", "User cancelled")))
    script.add("describe_stack_events", page(event(STACK, "UPDATE_ROLLBACK_COMPLETE")))

    def interrupt_once(_seconds):
        fake_clock.on_sleep = None
        raise GracefulExit("SIGINT")
    fake_clock.on_sleep = interrupt_once
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 130
    assert "Received SIGINT: cancelling the update of stack 'fink-test-simple'" in result.stderr
    assert "UPDATE_ROLLBACK_IN_PROGRESS" in result.stderr
    assert "Stack 'fink-test-simple' is now UPDATE_ROLLBACK_COMPLETE." in result.stderr
    assert result.stderr.rstrip().endswith("Received SIGINT signal - exiting command 'cloud deploy'")


def test_interrupted_create_says_how_to_clean_up(project, run_cli, fake_clock):
    project("cloud_simple")
    script = Script()
    script.error("describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist")
    script.add("create_stack", {"StackId": STACK_ID})
    script.under_way("CREATE_IN_PROGRESS")
    script.add("describe_stack_events", page(event(STACK, "CREATE_IN_PROGRESS", "User Initiated")))

    def interrupt(_seconds):
        raise GracefulExit("SIGTERM")
    fake_clock.on_sleep = interrupt
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 130
    assert "is still being created (CREATE_IN_PROGRESS)" in result.stderr
    assert "`cloud delete -f`" in result.stderr


def test_failed_create_leaves_rollback_complete_and_next_deploy_says_what_to_do(project, run_cli, fake_clock):
    project("cloud_simple")
    script = Script()
    script.error("describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist")
    script.add("create_stack", {"StackId": STACK_ID})
    script.under_way("CREATE_IN_PROGRESS")
    script.add("describe_stack_events", page(
        event(STACK, "CREATE_IN_PROGRESS", "User Initiated"), event("ArtifactBucket", "CREATE_IN_PROGRESS"),
        event("EventTopic", "CREATE_IN_PROGRESS"),
        event("EventTopic", "CREATE_FAILED", "Resource creation cancelled"),
        event("ArtifactBucket", "CREATE_FAILED", "fink-test-one-artifacts already exists"),
        event(STACK, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [ArtifactBucket]."),
        event(STACK, "ROLLBACK_COMPLETE")))
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 1
    assert ("First failure: ArtifactBucket (AWS::S3::Bucket) CREATE_FAILED: fink-test-one-artifacts already exists"
            in result.stderr)
    again = Script().add("describe_stacks", stack("ROLLBACK_COMPLETE")).run(run_cli, fake_clock, "deploy")
    assert again.exit_code == 1
    assert "is in ROLLBACK_COMPLETE: its creation failed and it cannot be updated." in again.stderr
    assert "Delete it with `cloud delete -f`, then run `cloud deploy` again." in again.stderr


def test_empty_change_set_aws_style_is_no_changes(project, run_cli, fake_clock):
    """Real AWS answers an unchanged deploy with a FAILED change set (moto refuses at CreateChangeSet)."""
    project("cloud_simple")
    script = Script()
    script.add("describe_stacks", stack(prefix="fink-test-one"))
    script.add("get_template", {"TemplateBody": "{}"})  # deployed by someone else: the change set decides
    script.add("create_change_set", {"Id": CS_ID, "StackId": STACK_ID})
    script.add("describe_change_set", {"ChangeSetId": CS_ID, "StackId": STACK_ID, "Status": "CREATE_PENDING"})
    script.add("describe_change_set", {
        "ChangeSetId": CS_ID, "StackId": STACK_ID, "Status": "FAILED",
        "StatusReason": "The submitted information didn't contain changes. Submit different information to "
                        "create a change set."})
    script.add("delete_change_set", {}, {"ChangeSetName": CS_ID, "StackName": STACK_ID})
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 0, result.output
    assert "No changes: stack 'fink-test-simple' is up to date." in result.stderr
    counts = script.awsclient.call_counts
    assert sum(n for op, n in counts.items() if op.startswith("cloudformation.")) == 6
    assert script.awsclient.total_calls == 6  # Slack is not configured: no webhook lookup (issue 14)


def test_refused_change_set_is_an_error_and_deleted(project, run_cli, fake_clock):
    project("cloud_simple")
    script = Script().change_set_created()
    script.add("describe_change_set", {"ChangeSetId": CS_ID, "StackId": STACK_ID, "Status": "FAILED",
                                       "StatusReason": "Template format error: Unresolved resource dependencies"})
    script.add("delete_change_set", {}, {"ChangeSetName": CS_ID, "StackName": STACK_ID})
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 1
    assert "CloudFormation refused the change set for stack 'fink-test-simple': Template format error" in result.stderr


def test_delete_failed_exits_non_zero(project, run_cli, fake_clock):
    project("cloud_simple")
    script = Script().add("describe_stacks", stack())
    script.add("describe_stack_events", page(event(STACK, "UPDATE_COMPLETE")))
    script.add("delete_stack", {}, {"StackName": STACK, "ClientRequestToken": ANY})
    script.add("describe_stack_events", page(
        event(STACK, "DELETE_IN_PROGRESS", "User Initiated"),
        event("ArtifactBucket", "DELETE_FAILED", "The bucket you tried to delete is not empty"),
        event(STACK, "DELETE_FAILED", "The following resource(s) failed to delete: [ArtifactBucket].")))
    result = script.run(run_cli, fake_clock, "delete", "-f")
    assert result.exit_code == 1
    assert "ended in DELETE_FAILED. First failure: ArtifactBucket (AWS::S3::Bucket) DELETE_FAILED: The bucket you " \
           "tried to delete is not empty" in result.stderr


def test_busy_stack_is_refused(project, run_cli, fake_clock):
    project("cloud_simple")
    result = Script().add("describe_stacks", stack("UPDATE_IN_PROGRESS")).run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 1
    assert "Stack 'fink-test-simple' is busy (UPDATE_IN_PROGRESS)." in result.stderr


def test_no_updates_refusal_moto_style_is_no_changes(project, run_cli, fake_clock):
    """Older moto (and UpdateStack-style answers) refuse the empty change set at CreateChangeSet."""
    project("cloud_simple")
    script = Script().add("describe_stacks", stack(prefix="fink-test-one"))
    script.add("get_template", {"TemplateBody": "{}"})
    script.error("create_change_set", "ValidationError", "No updates are to be performed.")
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 0, result.output
    assert "No changes: stack 'fink-test-simple' is up to date." in result.stderr
    assert "BucketName  b" in result.stdout


def test_override_policy_is_put_back_after_a_failed_update(project, run_cli, fake_clock):
    """--override-stack-policy holds for that update only: also when the update fails and rolls back."""
    project("cloud_simple")
    script = Script().update_until_executed(policy=json.dumps(OVERRIDE_POLICY))
    for answer in FAILED_UPDATE:
        script.add("describe_stack_events", answer, {"StackName": STACK_ID})
    script.add("set_stack_policy", {}, {"StackName": STACK_ID, "StackPolicyBody": json.dumps(DEFAULT_POLICY)})
    result = script.run(run_cli, fake_clock, "deploy", "--override-stack-policy")
    assert result.exit_code == 1
    assert "ended in UPDATE_ROLLBACK_COMPLETE. First failure: ArtifactBucket" in result.stderr


def test_override_policy_is_put_back_after_an_interrupted_update(project, run_cli, fake_clock):
    project("cloud_simple")
    script = Script().update_until_executed(policy=json.dumps(OVERRIDE_POLICY))
    script.add("describe_stack_events", page(event(STACK, "UPDATE_IN_PROGRESS", "User Initiated")))
    script.add("cancel_update_stack", {}, {"StackName": STACK, "ClientRequestToken": ANY})
    script.add("describe_stack_events", page(event(STACK, "UPDATE_ROLLBACK_COMPLETE")))
    script.add("set_stack_policy", {}, {"StackName": STACK_ID, "StackPolicyBody": json.dumps(DEFAULT_POLICY)})

    def interrupt_once(_seconds):
        fake_clock.on_sleep = None
        raise GracefulExit("SIGINT")
    fake_clock.on_sleep = interrupt_once
    result = script.run(run_cli, fake_clock, "deploy", "--override-stack-policy")
    assert result.exit_code == 130
    assert "Stack 'fink-test-simple' is now UPDATE_ROLLBACK_COMPLETE." in result.stderr


def test_interrupt_while_the_change_set_is_created_leaves_no_change_set(project, run_cli, fake_clock):
    project("cloud_simple")
    script = Script().change_set_created()
    script.add("describe_change_set", {"ChangeSetId": CS_ID, "StackId": STACK_ID, "Status": "CREATE_IN_PROGRESS"})
    script.add("delete_change_set", {}, {"ChangeSetName": CS_ID, "StackName": STACK_ID})

    def interrupt(_seconds):
        raise GracefulExit("SIGTERM")
    fake_clock.on_sleep = interrupt
    result = script.run(run_cli, fake_clock, "preview")
    assert result.exit_code == 130
    assert "Received SIGTERM signal - exiting command 'cloud preview'" in result.stderr


def test_waiting_for_the_stack_is_bounded_by_the_timeout(project, run_cli, fake_clock):
    folder = project("cloud_simple")
    config = json.loads((folder / "fink_dev.json").read_text())
    config["cloud"]["deployment"] = {"timeout": 30}
    (folder / "fink_dev.json").write_text(json.dumps(config))
    script = Script().update_until_executed()
    script.add("describe_stack_events", page(event(STACK, "UPDATE_IN_PROGRESS", "User Initiated")))
    for _ in range(5):
        script.add("describe_stack_events", page())
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 1
    assert "Timed out after 30s waiting for stack 'fink-test-simple'." in result.stderr
    assert fake_clock.sleeps == [2.0, 3.0, 4.5, 6.75, 10.125]  # backing off, and never past the timeout


def test_refused_execution_deletes_the_change_set_and_puts_the_policy_back(project, run_cli, fake_clock):
    project("cloud_simple")
    script = Script().change_set_created()
    script.add("describe_change_set", {"ChangeSetId": CS_ID, "StackId": STACK_ID, "Status": "CREATE_COMPLETE",
                                       "CreationTime": CS_TIME, "Changes": []})
    script.add("describe_stack_events", page(event(STACK, "UPDATE_COMPLETE")), {"StackName": STACK_ID})
    script.add("set_stack_policy", {}, {"StackName": STACK_ID, "StackPolicyBody": json.dumps(OVERRIDE_POLICY)})
    script.error("execute_change_set", "InvalidChangeSetStatus", "ChangeSet is in an invalid state")
    script.add("delete_change_set", {}, {"ChangeSetName": CS_ID, "StackName": STACK_ID})
    script.add("set_stack_policy", {}, {"StackName": STACK_ID, "StackPolicyBody": json.dumps(DEFAULT_POLICY)})
    result = script.run(run_cli, fake_clock, "deploy", "--override-stack-policy")
    assert result.exit_code == 1
    assert "Executing the change set of stack" in result.stderr and "ChangeSet is in an invalid state" in result.stderr


def test_preview_leaves_a_stack_under_someone_elses_review_alone(project, run_cli, fake_clock):
    """A REVIEW_IN_PROGRESS stack with another change set pending is not deleted by preview (moto cannot serve
    this: a CREATE change set for a REVIEW_IN_PROGRESS stack makes it a second stack of the same name)."""
    project("cloud_simple")
    review = stack("REVIEW_IN_PROGRESS")
    script = Script().add("describe_stacks", review)
    script.add("create_change_set", {"Id": CS_ID, "StackId": STACK_ID}, {
        "StackName": STACK, "ChangeSetType": "CREATE", "ChangeSetName": ANY, "Parameters": ANY,
        "TemplateBody": ANY, "Capabilities": ANY, "ClientToken": ANY, "Description": ANY})
    script.add("describe_change_set", {"ChangeSetId": CS_ID, "StackId": STACK_ID, "Status": "CREATE_COMPLETE",
                                       "Changes": [{"Type": "Resource", "ResourceChange": {
                                           "Action": "Add", "LogicalResourceId": "ArtifactBucket",
                                           "ResourceType": "AWS::S3::Bucket"}}]})
    script.add("delete_change_set", {}, {"ChangeSetName": CS_ID, "StackName": STACK_ID})
    script.add("describe_stacks", review)
    script.add("list_change_sets", {"Summaries": [{"ChangeSetName": "theirs"}]}, {"StackName": STACK_ID})
    result = script.run(run_cli, fake_clock, "preview")
    assert result.exit_code == 0, result.output
    assert "Add     ArtifactBucket  AWS::S3::Bucket  -" in result.stdout


def test_event_after_the_change_set_was_created_means_another_run_and_is_refused(project, run_cli, fake_clock):
    """Two deploys of one stack: the other one's update started after this one's change set was computed (an event
    later than its CreationTime), so this one must not execute it and overwrite that update. One event read."""
    project("cloud_simple")
    script = Script().change_set_created()
    script.add("describe_change_set", {"ChangeSetId": CS_ID, "StackId": STACK_ID, "Status": "CREATE_COMPLETE",
                                       "CreationTime": CS_TIME, "Changes": []})
    theirs = {**event(STACK, "UPDATE_IN_PROGRESS", "User Initiated"), "Timestamp": CS_TIME + dt.timedelta(seconds=1)}
    script.add("describe_stack_events", page(event(STACK, "UPDATE_COMPLETE"), theirs), {"StackName": STACK_ID})
    script.add("delete_change_set", {}, {"ChangeSetName": CS_ID, "StackName": STACK_ID})
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 1
    assert ("Stack 'fink-test-simple' was changed by someone else while this deploy was planning; nothing was "
            "changed by this run and its change set was deleted.") in result.stderr
    assert script.awsclient.call_counts["cloudformation.DescribeStackEvents"] == 1
    assert script.awsclient.call_counts["cloudformation.ExecuteChangeSet"] == 0


def test_stack_changed_by_another_run_after_planning_is_refused_and_the_change_set_deleted(
        project, run_cli, fake_clock):
    """Two deploys of one stack: the other one's update happened between this one's planning and executing (its
    events are newer), so this one must not execute its change set and overwrite that update. A change set
    without CreationTime (AWS always sends one) falls back to comparing the newest event read when planning."""
    project("cloud_simple")
    script = Script().change_set_created()
    script.add("describe_change_set", {"ChangeSetId": CS_ID, "StackId": STACK_ID, "Status": "CREATE_COMPLETE",
                                       "Changes": []})
    script.add("describe_stack_events", page(event(STACK, "UPDATE_COMPLETE")), {"StackName": STACK_ID})
    script.add("describe_stack_events", page(event(STACK, "UPDATE_IN_PROGRESS", "User Initiated")),
               {"StackName": STACK_ID})  # someone else's update started meanwhile
    script.add("delete_change_set", {}, {"ChangeSetName": CS_ID, "StackName": STACK_ID})
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 1
    assert ("Stack 'fink-test-simple' was changed by someone else while this deploy was planning; nothing was "
            "changed by this run and its change set was deleted.") in result.stderr
    assert "run `cloud deploy` again" in result.stderr


def _update_looked_at(last_updated):
    """An update up to ExecuteChangeSet whose one look at the stack answers UPDATE_COMPLETE with this
    LastUpdatedTime (the answer that decides whether events are read)."""
    answer = stack("UPDATE_COMPLETE", prefix="fink-test-one")
    answer["Stacks"][0]["LastUpdatedTime"] = last_updated
    return Script().update_until_executed(look=answer)


def test_a_stale_success_status_after_executing_is_not_taken_for_this_update(project, run_cli, fake_clock):
    """Issue 14's quick look must never end the watch on the previous update's status: a LastUpdatedTime before the
    change set means the read is stale, so the events are followed until this update's own end."""
    project("cloud_simple")
    script = _update_looked_at(T0)  # before CS_TIME: the previous update
    script.add("describe_stack_events", page(event(STACK, "UPDATE_IN_PROGRESS", "User Initiated")))
    script.add("describe_stack_events", page(event(STACK, "UPDATE_ROLLBACK_COMPLETE")))
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 1, result.output
    assert "ended in UPDATE_ROLLBACK_COMPLETE" in result.stderr


def test_a_success_status_of_this_update_needs_no_event_read(project, run_cli, fake_clock):
    project("cloud_simple")
    script = _update_looked_at(CS_TIME + dt.timedelta(seconds=5))
    result = script.run(run_cli, fake_clock, "deploy")
    assert result.exit_code == 0, result.output
    assert "Stack 'fink-test-simple' is UPDATE_COMPLETE." in result.stderr
    assert "BucketName" in result.stdout  # the outputs come from the look itself
