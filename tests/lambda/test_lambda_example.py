"""The quick start's lambda example (examples/lambda) against moto: lookups for the role, the artifact bucket, the
topic and the greeting; deploy, an unchanged second deploy, wire and info. The `six` dependency comes from a wheel
built here (as `--find-links`), so the test needs no PyPI; everything else is the example as shipped."""
import json
import shutil
import zipfile
from pathlib import Path

import boto3
import pytest

from fink.awsclient import AWSClient

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lambda"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
INFRA = {
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "fink-example-artifacts"}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "fink-example-events"}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "fink-example-lambda",
                                                          "AssumeRolePolicyDocument": TRUST}},
    },
    "Outputs": {"LambdaRoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}},
                "ArtifactBucket": {"Value": {"Ref": "Bucket"}}, "EventTopicArn": {"Value": {"Ref": "Topic"}}},
}


@pytest.fixture
def example(aws, temp_folder, build_wheel):
    shutil.copytree(EXAMPLE, temp_folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("bundle.zip", ".fink"))
    requirement = (temp_folder / "requirements.txt").read_text().strip()
    build_wheel(temp_folder / "wheels", "six", requirement.split("==")[1], {"six.py": "text_type = str\n"})
    (temp_folder / "requirements.txt").write_text(f"--no-index\n--find-links ./wheels\n{requirement}\n")
    boto3.client("cloudformation").create_stack(StackName="fink-example-infra", TemplateBody=json.dumps(INFRA))
    boto3.client("ssm").put_parameter(Name="/fink-example/greeting", Value="hello from fink", Type="String")
    aws.queue_lambda_results(["alive", "alive"])
    return temp_folder


def test_example_deploys_once_wires_its_topic_and_reports(example, run_cli, fake_clock):
    first = run_cli("lambda", "deploy", env={"ENV": "dev"}, clock=fake_clock)
    assert first.exit_code == 0, first.output
    bundle = zipfile.ZipFile(example / "bundle.zip")
    assert {"handler.py", "six.py", "settings.json"} <= set(bundle.namelist())
    assert json.loads(bundle.read("settings.json")) == {"greeting": "hello from fink"}
    conf = boto3.client("lambda").get_function(FunctionName="fink-example-hello")["Configuration"]
    assert conf["Role"] == "arn:aws:iam::123456789012:role/fink-example-lambda"
    assert boto3.client("s3").list_objects_v2(Bucket="fink-example-artifacts")["KeyCount"] == 1

    client = AWSClient()
    second = run_cli("lambda", "deploy", env={"ENV": "dev"}, clock=fake_clock, awsclient=client)
    assert second.exit_code == 0 and "code unchanged - won't upload the bundle" in second.stderr
    assert client.call_counts["s3.PutObject"] == 0 and client.call_counts["lambda.PublishVersion"] == 0

    assert run_cli("lambda", "wire", env={"ENV": "dev"}, clock=fake_clock).exit_code == 0
    topic = "arn:aws:sns:eu-west-1:123456789012:fink-example-events"
    subs = boto3.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["Endpoint"] for s in subs] == ["arn:aws:lambda:eu-west-1:123456789012:function:fink-example-hello:ACTIVE"]
    info = run_cli("lambda", "info", env={"ENV": "dev"}, clock=fake_clock)
    assert info.exit_code == 0 and f"  {topic}: wired" in info.stdout
