"""`code deploy` end-to-end against moto: upload, content-addressed key, deployment with the right revision,
waiting (moto's deployment status driven on the in-process backend), timeout and configuration errors."""
import base64
import hashlib
import json

import pytest

from fink.awsclient import AWSClient
from fink.ui import UI

APP, GROUP, BUCKET = "sample-app", "sample-group", "sample-artifacts"


def _edit_config(change):
    with open("fink_dev.json", encoding="utf-8") as fh:
        config = json.load(fh)
    change(config["code"])
    with open("fink_dev.json", "w", encoding="utf-8") as fh:
        json.dump(config, fh)


def _moto_deployment():
    """moto's own (only) deployment object - the server runs in this process: moto never advances a deployment,
    so the tests set its status the way CodeDeploy would."""
    from moto.codedeploy.models import codedeploy_backends
    (deployment,) = codedeploy_backends["123456789012"]["eu-west-1"].deployments.values()
    return deployment


def _bundle_key(result):
    objects = AWSClient().get_client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])
    assert len(objects) == 1, objects
    return objects[0]["Key"]


def test_deploy_uploads_the_bundle_and_creates_a_deployment(codedeploy_setup, project, run_cli):
    project("code_simple")
    result = run_cli("code", "deploy", "--no-wait", env={"ENV": "dev"})
    assert result.exit_code == 0, result.stderr
    deployment_id = result.stdout.strip()
    s3 = AWSClient().get_client("s3")
    key = _bundle_key(result)
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert key == f"{APP}/bundle-{hashlib.sha256(body).hexdigest()}.zip"
    info = AWSClient().get_client("codedeploy").get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    assert info["revision"] == {"revisionType": "S3",
                                "s3Location": {"bucket": BUCKET, "key": key, "bundleType": "zip"}}
    assert (info["applicationName"], info["deploymentGroupName"]) == (APP, GROUP)
    assert info["deploymentConfigName"] == "CodeDeployDefault.AllAtOnce"
    assert f"Uploaded bundle to s3://{BUCKET}/{key}" in result.stderr
    assert f"Not waiting (--no-wait): deployment {deployment_id} is Created" in result.stderr


def test_an_unchanged_bundle_is_not_uploaded_again(codedeploy_setup, project, run_cli):
    project("code_simple")
    first = run_cli("code", "deploy", "--no-wait", env={"ENV": "dev"})
    second_client = AWSClient()
    second = run_cli("code", "deploy", "--no-wait", env={"ENV": "dev"}, awsclient=second_client)
    assert (first.exit_code, second.exit_code) == (0, 0), second.stderr
    assert second_client.call_counts["s3.PutObject"] == 0
    assert "Bundle unchanged, already at s3://sample-artifacts/sample-app/bundle-" in second.stderr
    deployments = AWSClient().get_client("codedeploy").list_deployments(
        applicationName=APP, deploymentGroupName=GROUP)["deployments"]
    assert sorted(deployments) == sorted([first.stdout.strip(), second.stdout.strip()])


def test_deploy_waits_until_the_deployment_succeeded(codedeploy_setup, project, run_cli, fake_clock):
    project("code_simple")
    steps = [("InProgress", {"Pending": 1, "InProgress": 1}), ("InProgress", {"InProgress": 1, "Succeeded": 1}),
             ("Succeeded", {"Succeeded": 2})]

    def advance(_seconds):
        status, counts = steps.pop(0)
        deployment = _moto_deployment()
        deployment.status = status
        deployment.deployment_overview.update({"Pending": 0, "InProgress": 0, "Succeeded": 0, **counts})
    fake_clock.on_sleep = advance
    result = run_cli("code", "deploy", env={"ENV": "dev"}, clock=fake_clock)
    assert result.exit_code == 0, result.stderr
    deployment_id = result.stdout.strip()
    assert f"{deployment_id} Created: 0 pending, 0 in progress, 0 succeeded, 0 failed, 0 skipped (0s)" in result.stderr
    assert f"{deployment_id} InProgress: 1 pending, 1 in progress, 0 succeeded" in result.stderr
    assert f"{deployment_id} Succeeded: 0 pending, 0 in progress, 2 succeeded, 0 failed, 0 skipped" in result.stderr
    assert f"Deployment {deployment_id} succeeded" in result.stderr
    assert fake_clock.sleeps == [2.0, 3.0, 4.5]


def test_deploy_gives_up_after_the_configured_timeout(codedeploy_setup, project, run_cli, fake_clock):
    """moto keeps every deployment `Created`: exactly the deployment that never finishes."""
    project("code_simple")
    _edit_config(lambda code: code.update(deployment={"timeout": 30}))
    result = run_cli("code", "deploy", env={"ENV": "dev"}, clock=fake_clock)
    assert result.exit_code == 1
    deployment_id = result.stdout.strip()
    assert f"ERROR: Timed out after 30s waiting for deployment {deployment_id}." in result.stderr
    assert sum(fake_clock.sleeps) <= 30
    # a plain (non-TTY) log gets one line per change, not one per poll
    assert result.stderr.count(f"{deployment_id} Created:") == 1


def test_deploy_without_artifacts_bucket_is_a_config_error(aws, project, run_cli):
    project("code_simple")
    _edit_config(lambda code: code["codedeploy"].pop("artifactsBucket"))
    result = run_cli("code", "deploy", env={"ENV": "dev"})
    assert result.exit_code == 3
    assert "code.codedeploy.artifactsBucket is not set" in result.stderr


@pytest.mark.parametrize("field, value, what", [
    ("applicationName", "no-such-app", "CodeDeploy application 'no-such-app'"),
    ("deploymentGroupName", "no-such-group", "deployment group 'no-such-group' of application 'sample-app'")])
def test_deploy_to_a_missing_target_is_refused_before_the_upload(field, value, what, codedeploy_setup, project,
                                                                 run_cli):
    project("code_simple")
    _edit_config(lambda code: code["codedeploy"].update({field: value}))
    result = run_cli("code", "deploy", env={"ENV": "dev"})
    assert result.exit_code == 3, result.output
    assert f"ERROR: The {what} does not exist; nothing was uploaded or deployed." in result.stderr
    assert "Check code.codedeploy in your fink_<env> config" in result.stderr
    assert AWSClient().get_client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", []) == []


def test_unknown_keys_in_the_codedeploy_section_are_reported(aws, project, run_cli):
    project("code_simple")
    _edit_config(lambda code: code["codedeploy"].update(applicationname="typo"))
    result = run_cli("code", "deploy", env={"ENV": "dev"})
    assert result.exit_code == 3
    assert "code.codedeploy: unknown key 'applicationname'" in result.stderr


def test_without_a_bundle_the_message_names_the_plugin():
    """Without the fink.bundler plugin nothing sets _bundle_file (with it installed, it always does)."""
    from fink.errors import FinkError
    from fink_code.commands import bundle
    with pytest.raises(FinkError) as info:
        bundle({"_ui": UI()}, {})
    assert "fink.bundler plugin is not installed" in str(info.value)
    assert "pip install fink-bundler" in str(info.value)


def test_code_bundle_prints_path_and_hash(aws, project, run_cli):
    project("code_simple")
    result = run_cli("code", "bundle", env={"ENV": "dev"})
    assert result.exit_code == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    with open(lines["bundle"], "rb") as fh:
        assert lines["sha256"] == base64.b64encode(hashlib.sha256(fh.read()).digest()).decode()
