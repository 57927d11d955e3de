"""`code bundle` and `code deploy` end-to-end with the real bundler and lookups plugins against moto: the bundle
holds the codedeploy folder, settings.json and stack_output.yml from a real stack's outputs; it is deployed with
the right revision."""
import json
import stat
import zipfile

import pytest
import yaml

from fink.awsclient import AWSClient

STACK = "code-sample-infra"
TEMPLATE = {
    "Resources": {"Artifacts": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "code-sample-artifacts"}},
                  "Topic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {"ArtifactBucket": {"Value": {"Ref": "Artifacts"}}, "TopicArn": {"Value": {"Ref": "Topic"}}},
}


@pytest.fixture
def infra_stack(codedeploy_setup):
    """A real stack whose outputs the config looks up (plus the application and group, which moto's
    CloudFormation cannot create)."""
    cfn = AWSClient().get_client("cloudformation")
    cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(TEMPLATE))
    outputs = cfn.describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def _bundled(run_cli):
    """Runs `code bundle` with the real bundler and lookups plugins (no stand-in bundle here)."""
    return run_cli("code", "bundle", env={"ENV": "dev"})


def _bundle(result):
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    return zipfile.ZipFile(lines["bundle"])


def test_bundle_holds_the_codedeploy_folder_settings_and_stack_outputs(infra_stack, project, run_cli):
    project("code_stack_output")
    result = _bundled(run_cli)
    assert result.exit_code == 0, result.stderr
    bundle = _bundle(result)
    assert sorted(bundle.namelist()) == ["appspec.yml", "scripts/install.sh", "settings.json", "stack_output.yml"]
    assert json.loads(bundle.read("settings.json")) == {"greeting": "hello", "bucket": "code-sample-artifacts"}
    assert yaml.safe_load(bundle.read("stack_output.yml")) == infra_stack
    mode = bundle.getinfo("scripts/install.sh").external_attr >> 16
    assert mode & stat.S_IXUSR, oct(mode)


def test_the_same_sources_give_the_same_bundle(infra_stack, project, run_cli):
    project("code_stack_output")
    first = _bundled(run_cli)
    second = run_cli("code", "bundle", env={"ENV": "dev"})
    assert first.exit_code == second.exit_code == 0
    assert first.stdout.splitlines()[1] == second.stdout.splitlines()[1]  # sha256


def test_a_missing_appspec_is_a_clear_error(infra_stack, project, run_cli):
    path = project("code_stack_output")
    (path / "codedeploy" / "appspec.yml").unlink()
    result = _bundled(run_cli)
    assert result.exit_code == 3
    assert "ERROR: The code bundle has no appspec.yml at its root." in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_deploy_ships_the_bundle_to_the_looked_up_bucket(infra_stack, project, run_cli):
    project("code_stack_output")
    bundled = _bundled(run_cli)
    sha_hex = __import__("base64").b64decode(bundled.stdout.splitlines()[1].split(": ")[1]).hex()
    result = run_cli("code", "deploy", "--no-wait", env={"ENV": "dev"})
    assert result.exit_code == 0, result.stderr
    info = AWSClient().get_client("codedeploy").get_deployment(
        deploymentId=result.stdout.strip())["deploymentInfo"]
    assert info["revision"]["s3Location"] == {"bucket": "code-sample-artifacts",
                                              "key": f"sample-app/bundle-{sha_hex}.zip", "bundleType": "zip"}
    body = AWSClient().get_client("s3").get_object(Bucket="code-sample-artifacts",
                                                   Key=f"sample-app/bundle-{sha_hex}.zip")["Body"].read()
    with open(_bundle(bundled).filename, "rb") as fh:
        assert body == fh.read()
