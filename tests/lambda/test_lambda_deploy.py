"""lambda deploy end-to-end against moto: create, code and configuration updates, unchanged redeploys, S3 code."""
import base64
import hashlib

import boto3
import pytest

from fink.awsclient import AWSClient

NAME = "fink-test-function"


def lam():
    return boto3.client("lambda")


def deploy(run_cli, fake_clock, awsclient=None):
    return run_cli("lambda", "deploy", env={"ENV": "dev"}, clock=fake_clock, awsclient=awsclient)


@pytest.fixture
def sample(aws, role, project, bundler):
    project("lambda_python")
    aws.queue_lambda_results(["alive"] * 5)
    return bundler


def test_deploy_creates_function_version_and_active_alias(sample, run_cli, fake_clock):
    result = deploy(run_cli, fake_clock)
    assert result.exit_code == 0, result.output
    conf = lam().get_function(FunctionName=NAME)["Configuration"]
    assert (conf["Handler"], conf["Runtime"], conf["Timeout"], conf["MemorySize"]) == \
        ("handler.handle", "python3.12", 30, 128)
    assert conf["Environment"]["Variables"] == {"STAGE": "dev"}
    data = open("bundle.zip", "rb").read()
    assert conf["CodeSha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    alias = lam().get_alias(FunctionName=NAME, Name="ACTIVE")
    assert alias["FunctionVersion"] == "1"
    assert "ACTIVE -> version 1" in result.stderr
    assert "answers the ping" in result.stderr


def test_unchanged_deploy_uploads_nothing_and_publishes_nothing(sample, run_cli, fake_clock):
    assert deploy(run_cli, fake_clock).exit_code == 0
    client = AWSClient()
    result = deploy(run_cli, fake_clock, awsclient=client)
    assert result.exit_code == 0, result.output
    assert "code unchanged - won't upload the bundle" in result.stderr
    assert "up to date: ACTIVE stays at version 1" in result.stderr
    for call in ("lambda.UpdateFunctionCode", "lambda.UpdateFunctionConfiguration", "lambda.PublishVersion",
                 "s3.PutObject", "lambda.UpdateAlias"):
        assert client.call_counts[call] == 0, call
    assert [v["Version"] for v in lam().list_versions_by_function(FunctionName=NAME)["Versions"]] == ["$LATEST", "1"]


def test_unchanged_deploy_reads_twice_and_does_not_ping(sample, run_cli, fake_clock):
    """Nothing changed: $LATEST and the version behind ACTIVE are read (2 calls), nothing is invoked."""
    assert deploy(run_cli, fake_clock).exit_code == 0
    client = AWSClient()
    result = deploy(run_cli, fake_clock, awsclient=client)
    assert result.exit_code == 0, result.output
    assert "up to date: ACTIVE stays at version 1" in result.stderr and "ping" not in result.stderr
    assert dict(client.call_counts) == {"lambda.GetFunction": 2}


def test_changed_code_is_uploaded_and_published(sample, run_cli, fake_clock):
    assert deploy(run_cli, fake_clock).exit_code == 0
    sample.files["handler.py"] += "# changed\n"
    client = AWSClient()
    result = deploy(run_cli, fake_clock, awsclient=client)
    assert result.exit_code == 0, result.output
    assert client.call_counts["lambda.UpdateFunctionCode"] == 1
    assert client.call_counts["lambda.UpdateFunctionConfiguration"] == 0
    assert lam().get_alias(FunctionName=NAME, Name="ACTIVE")["FunctionVersion"] == "2"
    data = open("bundle.zip", "rb").read()
    assert lam().get_function(FunctionName=NAME, Qualifier="2")["Configuration"]["CodeSha256"] == \
        base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_configuration_change_updates_only_what_differs(sample, run_cli, fake_clock, edit_config):
    assert deploy(run_cli, fake_clock).exit_code == 0
    edit_config(lambda d: d["lambda"]["lambda"].update(timeout=60, environment={"STAGE": "qa"}))
    client = AWSClient()
    result = deploy(run_cli, fake_clock, awsclient=client)
    assert result.exit_code == 0, result.output
    assert "update configuration: Environment, Timeout" in result.stderr
    assert client.call_counts["lambda.UpdateFunctionCode"] == 0
    conf = lam().get_function(FunctionName=NAME, Qualifier="ACTIVE")["Configuration"]
    assert conf["Timeout"] == 60 and conf["Environment"]["Variables"] == {"STAGE": "qa"}
    assert conf["Version"] == "2"


def test_code_goes_through_the_artifact_bucket_content_addressed(sample, run_cli, fake_clock, edit_config):
    boto3.client("s3").create_bucket(Bucket="fink-artifacts",
                                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    edit_config(lambda d: d["lambda"]["deployment"].update(artifactBucket="fink-artifacts"))
    result = deploy(run_cli, fake_clock)
    assert result.exit_code == 0, result.output
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="fink-artifacts")["Contents"]]
    assert len(keys) == 1 and keys[0].startswith(f"lambda/eu-west-1/{NAME}/") and keys[0].endswith(".zip")
    data = open("bundle.zip", "rb").read()
    body = boto3.client("s3").get_object(Bucket="fink-artifacts", Key=keys[0])["Body"].read()
    assert body == data
    client = AWSClient()
    assert deploy(run_cli, fake_clock, awsclient=client).exit_code == 0
    assert client.call_counts["s3.PutObject"] == 0 and client.call_counts["lambda.PublishVersion"] == 0
