"""lambda deploy failure paths and edge cases: no bundler, bad runtime, bad types, failing pings, waiting."""

import json
import os

import boto3
import pytest
from botocore.stub import Stubber

from fink.awsclient import AWSClient
from fink.config import load_schema
from fink.errors import FinkError
from fink_lambda.cli import TOOL

NAME = "fink-test-function"


def deploy(run_cli, fake_clock, awsclient=None):
    return run_cli("lambda", "deploy", env={"ENV": "dev"}, clock=fake_clock, awsclient=awsclient)


def function_names():
    return [f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]]


@pytest.fixture
def sample(aws, role, project, bundler):
    project("lambda_python")
    return bundler


def test_without_a_bundler_plugin_the_message_names_the_plugin(aws, role, project, run_cli, fake_clock,
                                                              monkeypatch):
    import fink.lifecycle
    real = fink.lifecycle.load_plugins
    monkeypatch.setattr(fink.lifecycle, "load_plugins",
                        lambda group: [p for p in real(group) if p.info.dist != "fink-bundler"])
    project("lambda_python")
    result = deploy(run_cli, fake_clock)
    assert result.exit_code == 3
    assert "pip install fink-bundler" in result.stderr and "KeyError" not in result.output
    assert function_names() == []


@pytest.mark.parametrize("runtime", ["python2.8", "java21"])
def test_runtime_checked_against_botocore_model(sample, run_cli, fake_clock, edit_config, runtime):
    edit_config(lambda d: d["lambda"]["lambda"].update(runtime=runtime))
    result = deploy(run_cli, fake_clock)
    assert result.exit_code == 3
    assert f"'{runtime}' is not a Lambda python or nodejs runtime" in result.stderr
    assert "python3.12" in result.stderr and "nodejs20.x" in result.stderr
    assert function_names() == []


def test_integers_must_be_integers(sample, run_cli, fake_clock, edit_config):
    edit_config(lambda d: d["lambda"]["lambda"].update(memorySize="128", timeout="30"))
    result = deploy(run_cli, fake_clock)
    assert result.exit_code == 3
    assert "lambda.lambda.memorySize: '128' is not of type 'integer'" in result.stderr
    assert "lambda.lambda.timeout: '30' is not of type 'integer'" in result.stderr


def test_failing_ping_fails_the_deploy_and_keeps_active_when_configured(sample, aws, run_cli, fake_clock,
                                                                        edit_config):
    aws.queue_lambda_results(["alive"])
    assert deploy(run_cli, fake_clock).exit_code == 0
    edit_config(lambda d: d["lambda"]["lambda"].update(failDeploymentOnUnsuccessfulPing=True))
    sample.files["handler.py"] = "broken("
    aws.queue_lambda_results(["SyntaxError"])
    result = deploy(run_cli, fake_clock)
    assert result.exit_code == 1
    assert "Version 2 of 'fink-test-function' did not answer the ping" in result.stderr
    assert "ACTIVE was not moved" in result.stderr
    assert boto3.client("lambda").get_alias(FunctionName=NAME, Name="ACTIVE")["FunctionVersion"] == "1"


def test_deploy_after_a_failed_ping_moves_active_to_the_published_version(sample, aws, run_cli, fake_clock,
                                                                          edit_config):
    """$LATEST already holds the code, but ACTIVE still points at the old version: the next deploy must not call
    that "up to date"."""
    aws.queue_lambda_results(["alive"])
    assert deploy(run_cli, fake_clock).exit_code == 0
    edit_config(lambda d: d["lambda"]["lambda"].update(failDeploymentOnUnsuccessfulPing=True))
    sample.files["handler.py"] += "# version 2\n"
    aws.queue_lambda_results(["not yet"])
    assert deploy(run_cli, fake_clock).exit_code == 1
    aws.queue_lambda_results(["alive"])
    client = AWSClient()
    result = deploy(run_cli, fake_clock, awsclient=client)
    assert result.exit_code == 0, result.output
    assert "up to date" not in result.stderr and "ACTIVE -> version 2" in result.stderr
    assert client.call_counts["lambda.UpdateFunctionCode"] == 0
    lam = boto3.client("lambda")
    assert lam.get_alias(FunctionName=NAME, Name="ACTIVE")["FunctionVersion"] == "2"
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=NAME)["Versions"]] == ["$LATEST", "1", "2"]


def test_failing_ping_only_warns_by_default(sample, aws, run_cli, fake_clock):
    aws.queue_lambda_results(["not me"])
    result = deploy(run_cli, fake_clock)
    assert result.exit_code == 0
    assert "WARNING: version 1 of 'fink-test-function' did not answer the ping" in result.stderr
    assert boto3.client("lambda").get_alias(FunctionName=NAME, Name="ACTIVE")["FunctionVersion"] == "1"


def test_log_retention_set_once(sample, aws, run_cli, fake_clock, edit_config):
    edit_config(lambda d: d["lambda"]["lambda"].update(logs={"retentionInDays": 14}))
    aws.queue_lambda_results(["alive", "alive"])
    assert deploy(run_cli, fake_clock).exit_code == 0
    group = boto3.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{NAME}")["logGroups"][0]
    assert group["retentionInDays"] == 14
    client = AWSClient()
    assert deploy(run_cli, fake_clock, awsclient=client).exit_code == 0
    assert client.call_counts["logs.PutRetentionPolicy"] == 0


def test_vpc_configuration_is_sent(sample, aws, run_cli, fake_clock, edit_config):
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
    edit_config(lambda d: d["lambda"]["lambda"].update(vpc={"subnetIds": [subnet], "securityGroups": [group]}))
    aws.queue_lambda_results(["alive", "alive"])
    assert deploy(run_cli, fake_clock).exit_code == 0
    vpc_config = boto3.client("lambda").get_function(FunctionName=NAME)["Configuration"]["VpcConfig"]
    assert vpc_config["SubnetIds"] == [subnet] and vpc_config["SecurityGroupIds"] == [group]
    client = AWSClient()
    assert deploy(run_cli, fake_clock, awsclient=client).exit_code == 0
    assert client.call_counts["lambda.UpdateFunctionConfiguration"] == 0


def _deployer(awsclient, fake_clock, tmp_path):
    from fink.ui import UI
    from fink_lambda.deploy import Bundle, Deployer
    from fink_lambda.deploy_plan import FunctionSpec
    context = {"_ui": UI(), "_clock": fake_clock, "_awsclient": awsclient}
    return Deployer(context, {"deployment": {"region": "eu-west-1"}},
                    FunctionSpec(NAME, "arn:aws:iam::123456789012:role/r", "h.h", "python3.12"),
                    Bundle(str(tmp_path / "b.zip"), "sha", 1))


def test_waits_on_the_clock_until_the_update_finished(fake_clock, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    client = AWSClient()
    stubber = Stubber(client.get_client("lambda", "eu-west-1"))
    for status in ("InProgress", "InProgress", "Successful"):
        stubber.add_response("get_function_configuration", {"State": "Active", "LastUpdateStatus": status})
    with stubber:
        conf = _deployer(client, fake_clock, tmp_path).wait_ready()
    assert conf["LastUpdateStatus"] == "Successful" and fake_clock.sleeps == [1.0, 1.5]


def test_a_failed_update_is_an_error_with_the_reason(fake_clock, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    client = AWSClient()
    stubber = Stubber(client.get_client("lambda", "eu-west-1"))
    stubber.add_response("get_function_configuration", {
        "State": "Active", "LastUpdateStatus": "Failed", "LastUpdateStatusReason": "Subnet out of IPs"})
    with stubber, pytest.raises(FinkError, match="update of 'fink-test-function' failed: Subnet out of IPs"):
        _deployer(client, fake_clock, tmp_path).wait_ready()


def test_bundle_prints_path_and_code_sha(sample, run_cli, fake_clock):
    result = run_cli("lambda", "bundle", env={"ENV": "dev"}, clock=fake_clock)
    assert result.exit_code == 0, result.output
    path, sha = result.stdout.splitlines()
    assert path.endswith("bundle.zip")
    from fink.s3 import sha256_b64
    assert sha == "CodeSha256: " + sha256_b64(open(path, "rb").read())


def test_clean_removes_bundle_and_caches(temp_folder, run_cli):
    (temp_folder / "fink_dev.json").write_text('{"lambda": {"bundling": {"zip": "my.zip"}}}')
    for name in ("bundle.zip", "my.zip", ".fink/cache/x"):
        (temp_folder / name).parent.mkdir(parents=True, exist_ok=True)
        (temp_folder / name).write_text("x")
    (temp_folder / "fink_prod.json").write_text('{"lambda": {"bundling": {"zip": "prod.zip"}}}')
    (temp_folder / "prod.zip").write_text("x")
    unset = run_cli("lambda", "clean", env={"ENV": None})  # another ENV's config is never read
    assert unset.exit_code == 0 and "removed bundle.zip, .fink/" in unset.stderr
    assert (temp_folder / "my.zip").exists() and (temp_folder / "prod.zip").exists()
    result = run_cli("lambda", "clean", env={"ENV": "dev"})
    assert result.exit_code == 0 and "removed my.zip" in result.stderr
    assert sorted(p.name for p in temp_folder.glob("*.zip")) == ["prod.zip"]
    assert "nothing to clean" in run_cli("lambda", "clean", env={"ENV": "dev"}).stderr


@pytest.mark.parametrize("zip_name", ["../outside.zip", "/tmp/fink-clean-abs.zip", "sub/../../x.zip", "link/x.zip"])
def test_clean_never_leaves_the_project(temp_folder, run_cli, zip_name):
    project = temp_folder / "project"
    project.mkdir()
    outside = temp_folder / "outside"
    outside.mkdir()
    (project / "link").symlink_to(outside)
    (outside / "x.zip").write_text("keep")
    (temp_folder / "outside.zip").write_text("keep")
    (project / "bundle.zip").write_text("x")
    (project / "fink_dev.json").write_text(json.dumps({"lambda": {"bundling": {"zip": zip_name}}}))
    os.chdir(project)
    result = run_cli("lambda", "clean", env={"ENV": "dev"})
    assert result.exit_code == 3
    assert f"lambda.bundling.zip '{zip_name}' lies outside the project folder" in result.stderr
    assert (outside / "x.zip").exists() and (temp_folder / "outside.zip").exists()
    assert (project / "bundle.zip").exists()  # nothing half-done: checked before anything is removed


def test_non_config_commands_match_the_schema_default():
    schema = load_schema("fink_lambda", "schema.yaml")
    default = schema["properties"]["defaults"]["properties"]["non_config_commands"]["default"]
    assert set(default) == set(TOOL.non_config_commands)


def test_create_retries_while_a_new_role_is_not_assumable_yet(fake_clock, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    (tmp_path / "b.zip").write_bytes(b"zip")
    client = AWSClient()
    stubber = Stubber(client.get_client("lambda", "eu-west-1"))
    message = "The role defined for the function cannot be assumed by Lambda."
    stubber.add_client_error("create_function", "InvalidParameterValueException", message)
    stubber.add_response("create_function", {"FunctionName": NAME})
    stubber.add_response("get_function_configuration", {"State": "Active"})
    with stubber:
        _deployer(client, fake_clock, tmp_path).create()
    stubber.assert_no_pending_responses()
    assert fake_clock.sleeps == [2.0]


def test_too_large_for_inline_upload_asks_for_the_artifact_bucket(sample, run_cli, fake_clock, monkeypatch):
    import fink_lambda.deploy
    monkeypatch.setattr(fink_lambda.deploy, "INLINE_LIMIT", 10)
    result = deploy(run_cli, fake_clock)
    assert result.exit_code == 1
    assert "Lambda takes at most 50 MB inline" in result.stderr and "deployment.artifactBucket" in result.stderr
    assert function_names() == []
