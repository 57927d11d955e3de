"""`code deploy` progress, failure diagnostics and interrupts with a stubbed CodeDeploy client.

Why not moto: moto keeps every deployment `Created` and implements neither StopDeployment nor
ListDeploymentTargets/BatchGetDeploymentTargets, so the instance statuses, lifecycle events and the stop-on-SIGINT
path exist only against AWS. These tests stub the CodeDeploy calls with botocore's Stubber while S3 (the upload)
and CloudWatch Logs (the instances' recent lines) are served by moto.
"""
import time

import pytest
from botocore.stub import ANY

from fink.awsclient import AWSClient
from fink.errors import GracefulExit

DEPLOYMENT = "d-EXAMPLE42"
ENV = {"ENV": "dev", "NO_COLOR": None}


@pytest.fixture
def sample(project, codedeploy_setup):
    """The sample project with its bucket on moto (the moto application is not used: CodeDeploy is stubbed)."""
    return project("code_simple")


def _expect_create(stubber):
    stubber.add_response("get_deployment_group", {"deploymentGroupInfo": {"deploymentGroupName": "sample-group"}},
                         {"applicationName": "sample-app", "deploymentGroupName": "sample-group"})
    stubber.add_response("create_deployment", {"deploymentId": DEPLOYMENT}, {
        "applicationName": "sample-app", "deploymentGroupName": "sample-group",
        "deploymentConfigName": "CodeDeployDefault.AllAtOnce", "revision": ANY, "description": ANY,
        "ignoreApplicationStopFailures": False})


def _expect_states(stubber, info, *states):
    for status, counts in states:
        stubber.add_response("get_deployment", info(DEPLOYMENT, status, **counts), {"deploymentId": DEPLOYMENT})


PROGRESS = [("Created", {}), ("InProgress", {"pending": 3}), ("InProgress", {"pending": 1, "in_progress": 2}),
            ("InProgress", {"pending": 1, "in_progress": 2}), ("InProgress", {"in_progress": 1, "succeeded": 2}),
            ("Succeeded", {"succeeded": 3})]


@pytest.mark.parametrize("tty", [False, True], ids=["plain", "tty"])
def test_progress_is_shown_until_the_deployment_succeeded(sample, stubbed_codedeploy, info, run_cli, fake_clock,
                                                          golden, tty):
    awsclient, stubber = stubbed_codedeploy
    _expect_create(stubber)
    _expect_states(stubber, info, *PROGRESS)
    result = run_cli("code", "deploy", env=ENV, awsclient=awsclient, clock=fake_clock, tty=tty)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{DEPLOYMENT}\n"
    stubber.assert_no_pending_responses()
    assert fake_clock.sleeps == [2.0, 3.0, 4.5, 6.75, 10.125]  # backing off
    golden(f"progress_{'tty' if tty else 'plain'}.txt", result.stderr)


def _failed_targets(stubber):
    stubber.add_response("list_deployment_targets", {"targetIds": ["i-0aaa", "i-0bbb", "i-0ccc"]},
                         {"deploymentId": DEPLOYMENT})
    events = [
        {"lifecycleEventName": "ApplicationStop", "status": "Succeeded"},
        {"lifecycleEventName": "DownloadBundle", "status": "Succeeded"},
        {"lifecycleEventName": "AfterInstall", "status": "Failed", "diagnostics": {
            "errorCode": "ScriptFailed", "scriptName": "scripts/install.sh",
            "message": "Script at specified location: scripts/install.sh run as user root failed with exit code 1",
            "logTail": "[stdout]installing sample-app\n[stderr]cp: cannot stat 'app.jar': No such file\n"}},
        {"lifecycleEventName": "ApplicationStart", "status": "Skipped"}]
    ok = [dict(e, status="Succeeded") for e in events if e["lifecycleEventName"] != "ApplicationStart"]
    targets = [("i-0aaa", "Failed", events), ("i-0bbb", "Succeeded", ok),
               ("i-0ccc", "Failed", [events[0], dict(events[1], status="Failed", diagnostics={
                   "errorCode": "UnknownError", "message": "No space left on device"})])]
    stubber.add_response("batch_get_deployment_targets", {"deploymentTargets": [
        {"deploymentTargetType": "InstanceTarget", "instanceTarget": {
            "deploymentId": DEPLOYMENT, "targetId": tid, "status": status, "lifecycleEvents": evs}}
        for tid, status, evs in targets]}, {"deploymentId": DEPLOYMENT, "targetIds": ["i-0aaa", "i-0bbb", "i-0ccc"]})


def _instance_logs(group, stream, lines):
    logs = AWSClient().get_client("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)  # moto, like CloudWatch, refuses events far from the real current time
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": now + i, "message": line} for i, line in enumerate(lines)])


def test_a_failed_deployment_exits_non_zero_with_diagnostics(sample, stubbed_codedeploy, info, run_cli, fake_clock,
                                                             golden):
    awsclient, stubber = stubbed_codedeploy
    _instance_logs("/var/log/messages", "i-0aaa", ["codedeploy-agent: starting AfterInstall",
                                                    "codedeploy-agent: script failed with exit code 1"])
    _expect_create(stubber)
    _expect_states(stubber, info, ("InProgress", {"in_progress": 3}))
    stubber.add_response("get_deployment", info(DEPLOYMENT, "Failed", succeeded=1, failed=2, error=(
        "HEALTH_CONSTRAINTS", "The overall deployment failed because too many individual instances failed "
                              "deployment.")), {"deploymentId": DEPLOYMENT})
    _failed_targets(stubber)
    result = run_cli("code", "deploy", env=ENV, awsclient=awsclient, clock=fake_clock)
    assert result.exit_code == 1
    stubber.assert_no_pending_responses()
    assert f"ERROR: Deployment {DEPLOYMENT} failed: The overall deployment failed" in result.stderr
    golden("diagnostics_failed.txt", result.stderr)


def test_diagnostics_read_the_configured_log_group(sample, stubbed_codedeploy, info, run_cli, fake_clock):
    import json
    with open("fink_dev.json", encoding="utf-8") as fh:
        config = json.load(fh)
    config["code"]["deployment"] = {"LogGroup": "/sample-app/instances"}
    with open("fink_dev.json", "w", encoding="utf-8") as fh:
        json.dump(config, fh)
    awsclient, stubber = stubbed_codedeploy
    _instance_logs("/sample-app/instances", "i-0ccc", ["kernel: No space left on device"])
    _expect_create(stubber)
    stubber.add_response("get_deployment", info(DEPLOYMENT, "Stopped", failed=2, succeeded=1),
                         {"deploymentId": DEPLOYMENT})
    _failed_targets(stubber)
    result = run_cli("code", "deploy", env=ENV, awsclient=awsclient, clock=fake_clock)
    assert result.exit_code == 1
    assert f"Instances of deployment {DEPLOYMENT}:" in result.stderr
    assert f"ERROR: Deployment {DEPLOYMENT} was stopped." in result.stderr
    assert "recent lines of log group /sample-app/instances (stream i-0ccc):\n    | kernel: No space left" \
        in result.stderr
    assert "no log stream i-0aaa in log group /sample-app/instances" in result.stderr


def test_sigint_stops_the_deployment_with_rollback(sample, stubbed_codedeploy, info, run_cli, fake_clock, golden):
    awsclient, stubber = stubbed_codedeploy
    _expect_create(stubber)
    _expect_states(stubber, info, ("InProgress", {"pending": 1, "in_progress": 2}))
    stubber.add_response("stop_deployment", {"status": "Pending", "statusMessage": "Stopping the deployment"},
                         {"deploymentId": DEPLOYMENT, "autoRollbackEnabled": True})

    def interrupt(_seconds):
        raise GracefulExit("SIGINT")
    fake_clock.on_sleep = interrupt
    result = run_cli("code", "deploy", env=ENV, awsclient=awsclient, clock=fake_clock)
    assert result.exit_code == 130
    stubber.assert_no_pending_responses()  # StopDeployment was called
    golden("interrupted.txt", result.stderr)


def test_a_failing_stop_is_reported_and_still_exits_interrupted(sample, stubbed_codedeploy, info, run_cli,
                                                                 fake_clock):
    awsclient, stubber = stubbed_codedeploy
    _expect_create(stubber)
    _expect_states(stubber, info, ("InProgress", {"in_progress": 1}))
    stubber.add_client_error("stop_deployment", "DeploymentAlreadyCompletedException",
                             "The deployment d-EXAMPLE42 is already completed.")
    fake_clock.on_sleep = lambda _s: (_ for _ in ()).throw(GracefulExit("SIGTERM"))
    result = run_cli("code", "deploy", env=ENV, awsclient=awsclient, clock=fake_clock)
    assert result.exit_code == 130
    assert (f"ERROR: Stopping deployment {DEPLOYMENT} failed: The deployment d-EXAMPLE42 is already completed. "
            "(DeploymentAlreadyCompletedException)") in result.stderr
    assert "Received SIGTERM signal - exiting command 'code deploy'" in result.stderr


def test_an_interrupt_before_the_deployment_exists_just_stops(sample, stubbed_codedeploy, run_cli, fake_clock,
                                                              monkeypatch):
    """No deployment yet, nothing to stop: after the target check the Stubber has no responses, so any further
    CodeDeploy call would fail."""
    import fink_code.deployer

    def interrupted_upload(*_args, **_kwargs):
        raise GracefulExit("SIGINT")
    monkeypatch.setattr(fink_code.deployer, "upload_bundle", interrupted_upload)
    awsclient, stubber = stubbed_codedeploy
    stubber.add_response("get_deployment_group", {"deploymentGroupInfo": {"deploymentGroupName": "sample-group"}},
                         {"applicationName": "sample-app", "deploymentGroupName": "sample-group"})
    result = run_cli("code", "deploy", env=ENV, awsclient=awsclient, clock=fake_clock)
    assert result.exit_code == 130
    assert result.stderr == "Received SIGINT signal - exiting command 'code deploy'\n"
    assert awsclient.call_counts["codedeploy.CreateDeployment"] == 0


def test_diagnostics_read_more_than_25_instances_in_batches(stubbed_codedeploy):
    """BatchGetDeploymentTargets takes at most 25 ids: 30 instances are read in two batches, over all pages."""
    from fink_code.aws_codedeploy import CodeDeploy
    awsclient, stubber = stubbed_codedeploy
    ids = [f"i-{n:04d}" for n in range(30)]
    stubber.add_response("list_deployment_targets", {"targetIds": ids[:20], "nextToken": "page2"},
                         {"deploymentId": DEPLOYMENT})
    stubber.add_response("list_deployment_targets", {"targetIds": ids[20:]},
                         {"deploymentId": DEPLOYMENT, "nextToken": "page2"})
    for batch in (ids[:25], ids[25:]):
        stubber.add_response("batch_get_deployment_targets", {"deploymentTargets": [
            {"deploymentTargetType": "InstanceTarget", "instanceTarget": {"targetId": tid, "status": "Succeeded"}}
            for tid in batch]}, {"deploymentId": DEPLOYMENT, "targetIds": batch})
    reports = CodeDeploy(awsclient).instances(DEPLOYMENT)
    stubber.assert_no_pending_responses()
    assert [r.instance_id for r in reports] == ids


def test_failing_diagnostics_are_a_warning_and_the_deployment_failure_is_reported(sample, stubbed_codedeploy, info,
                                                                                  run_cli, fake_clock):
    awsclient, stubber = stubbed_codedeploy
    _expect_create(stubber)
    stubber.add_response("get_deployment", info(DEPLOYMENT, "Failed", failed=1, error=(
        "HEALTH_CONSTRAINTS", "Too many individual instances failed.")), {"deploymentId": DEPLOYMENT})
    stubber.add_client_error("list_deployment_targets", service_error_code="AccessDeniedException",
                             service_message="not allowed to list targets", http_status_code=400)
    result = run_cli("code", "deploy", env=ENV, awsclient=awsclient, clock=fake_clock)
    assert result.exit_code == 1
    warning = result.stderr.index(f"Could not gather the diagnostics of deployment {DEPLOYMENT}")
    failure = result.stderr.index(f"ERROR: Deployment {DEPLOYMENT} failed: Too many individual instances failed.")
    assert warning < failure and "not allowed to list targets" in result.stderr[warning:failure]
    assert result.stderr.count("ERROR:") == 1
