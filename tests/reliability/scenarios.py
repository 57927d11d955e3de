"""The mutating commands the reliability tests attack, and a snapshot of the emulator's state to compare runs by.

A scenario prepares moto directly (never through the fault proxy), lays out a sample project and names the command.
The snapshot reads moto directly too and keeps what a user would call the state (names, code hashes, versions,
counts, wiring), without the random ids and timestamps that differ between two correct runs.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import boto3

ROLE = "arn:aws:iam::123456789012:role/fink-lambda-test"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
EU = {"LocationConstraint": "eu-west-1"}
FUNCTION = "fink-test-function"
RESOURCES = Path(__file__).parent.parent / "resources"


def _client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="eu-west-1")


def _edit(change: Callable[[dict], None]) -> None:
    data = json.loads(Path("fink_dev.json").read_text())
    change(data)
    Path("fink_dev.json").write_text(json.dumps(data, indent=2))


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo("handler.py", (2020, 1, 1, 0, 0, 0)), "def handle(event, context):\n    return 'alive'\n")
    return buffer.getvalue()


# ---- preparing -----------------------------------------------------------------------------------------------------
def _role(url: str) -> None:
    _client("iam", url).create_role(RoleName="fink-lambda-test", AssumeRolePolicyDocument=json.dumps(TRUST))


def _function_with_alias(url: str, name: str) -> None:
    lam = _client("lambda", url)
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="handler.handle",
                        Code={"ZipFile": _zip()})
    lam.create_alias(FunctionName=name, Name="ACTIVE", FunctionVersion=lam.publish_version(FunctionName=name)["Version"])


def prepare_cloud(url: str) -> None:
    """An existing stack (deploy updates it through a change set) and the SSM parameter a lookup reads."""
    _client("ssm", url).put_parameter(Name="fink-prefix", Value="fink-test-one", Type="String")
    _edit(lambda d: d["cloud"]["parameters"].update(Prefix="lookup:parameter:fink-prefix"))


def prepare_lambda(url: str) -> None:
    _role(url)


def prepare_wire(url: str) -> None:
    _role(url)
    _function_with_alias(url, FUNCTION)
    _client("s3", url).create_bucket(Bucket="fink-events", CreateBucketConfiguration=EU)
    topic = _client("sns", url).create_topic(Name="fink-topic")["TopicArn"]
    sqs = _client("sqs", url)
    queue_url = sqs.create_queue(QueueName="fink-queue")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = [{"arn": "arn:aws:s3:::fink-events", "events": ["s3:ObjectCreated:*"]},
              {"arn": topic, "events": ["sns:Publish"]}, {"arn": queue}]
    _edit(lambda d: d["lambda"]["lambda"].update(events=[{"event_source": e} for e in events]))


def prepare_api(url: str) -> None:
    _role(url)
    _function_with_alias(url, "fink-test-hello")


def prepare_code(url: str) -> None:
    _client("s3", url).create_bucket(Bucket="sample-artifacts", CreateBucketConfiguration=EU)
    cd = _client("codedeploy", url)
    cd.create_application(applicationName="sample-app", computePlatform="Server")
    cd.create_deployment_group(applicationName="sample-app", deploymentGroupName="sample-group",
                               deploymentConfigName="CodeDeployDefault.AllAtOnce",
                               serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy")


@dataclass(frozen=True)
class Scenario:
    name: str
    project: str
    tool: str
    args: tuple[str, ...]
    prepare: Callable[[str], None]
    first: tuple[str, ...] = ()     # a command run cleanly before the attacked one (e.g. create before update)
    then: Callable[[], None] | None = None  # a change of the project after ``first``

    def __str__(self) -> str:
        return self.name


SCENARIOS = [
    Scenario("cloud-deploy", "cloud_simple", "cloud", ("deploy",), prepare_cloud, first=("deploy",),
             then=lambda: _edit(lambda d: d["cloud"]["parameters"].update(Retention=9))),  # deploy updates
    Scenario("lambda-deploy", "lambda_python", "lambda", ("deploy",), prepare_lambda),
    Scenario("lambda-wire", "lambda_python", "lambda", ("wire",), prepare_wire),
    Scenario("api-deploy", "api_sample", "api", ("deploy",), prepare_api),
    Scenario("code-deploy", "code_simple", "code", ("deploy", "--no-wait"), prepare_code),
]


def prepared(scenario: Scenario, aws, folder: Path, run_cli, fake_clock) -> None:
    """A fresh emulator, the sample project in ``folder`` (made the working folder) and what the command needs;
    the ``first`` command runs cleanly."""
    aws.reset()
    shutil.copytree(RESOURCES / scenario.project, folder, dirs_exist_ok=True)
    os.chdir(folder)
    scenario.prepare(aws.url)
    aws.queue_lambda_results(["alive"] * 40)
    if scenario.first:
        first = run_cli(scenario.tool, *scenario.first, env={"ENV": "dev"}, clock=fake_clock)
        assert first.exit_code == 0, first.output
    if scenario.then:
        scenario.then()


# ---- the snapshot --------------------------------------------------------------------------------------------------
def _stacks(url: str) -> dict:
    cfn = _client("cloudformation", url)
    stacks = {}
    for stack in cfn.describe_stacks()["Stacks"]:
        change_sets = [c for c in cfn.list_change_sets(StackName=stack["StackId"])["Summaries"]
                       if c["StackId"] == stack["StackId"]]  # moto ignores StackName here
        stacks[stack["StackName"]] = {
            "status": stack["StackStatus"],
            "parameters": sorted((p["ParameterKey"], p["ParameterValue"]) for p in stack.get("Parameters", [])),
            "outputs": sorted((o["OutputKey"], o["OutputValue"]) for o in stack.get("Outputs", [])),
            "template": cfn.get_template(StackName=stack["StackId"])["TemplateBody"],
            "change sets": sorted(c.get("ExecutionStatus", "") for c in change_sets)}
    return stacks


def _functions(url: str) -> dict:
    lam = _client("lambda", url)
    result = {}
    for fn in lam.list_functions()["Functions"]:
        name = fn["FunctionName"]
        versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
        aliases = lam.list_aliases(FunctionName=name)["Aliases"]
        try:
            statements = json.loads(lam.get_policy(FunctionName=name, Qualifier="ACTIVE")["Policy"])["Statement"]
        except lam.exceptions.ResourceNotFoundException:
            statements = []
        result[name] = {
            "code": fn["CodeSha256"], "handler": fn["Handler"], "env": fn.get("Environment", {}),
            "versions": [(v["Version"], v["CodeSha256"]) for v in versions],
            "aliases": sorted((a["Name"], a["FunctionVersion"]) for a in aliases),
            "permissions": sorted(s["Principal"]["Service"] if isinstance(s["Principal"], dict) else s["Principal"]
                                  for s in statements),
            "mappings": sorted(m["EventSourceArn"] for m in lam.list_event_source_mappings(
                FunctionName=name)["EventSourceMappings"])}
    return result


def _apis(url: str) -> dict:
    apigw = _client("apigateway", url)
    result = {}
    for api in apigw.get_rest_apis()["items"]:
        resources = apigw.get_resources(restApiId=api["id"])["items"]
        result.setdefault(api["name"], []).append({
            "paths": sorted((r["path"], tuple(sorted(r.get("resourceMethods", {})))) for r in resources),
            "deployments": len(apigw.get_deployments(restApiId=api["id"])["items"]),
            "stages": sorted(s["stageName"] for s in apigw.get_stages(restApiId=api["id"])["item"])})
    return result


def _deployments(url: str) -> dict:
    cd = _client("codedeploy", url)
    result = {}
    for app in cd.list_applications()["applications"]:
        groups = cd.list_deployment_groups(applicationName=app)["deploymentGroups"]
        ids = [d for g in groups for d in cd.list_deployments(applicationName=app, deploymentGroupName=g)["deployments"]]
        infos = [cd.get_deployment(deploymentId=i)["deploymentInfo"] for i in ids]
        result[app] = sorted(i["revision"]["s3Location"]["key"] for i in infos)
    return result


def _wiring(url: str) -> dict:
    s3, sns = _client("s3", url), _client("sns", url)
    buckets = {}
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        conf = s3.get_bucket_notification_configuration(Bucket=name)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]
        buckets[name] = {"objects": sorted(keys), "lambda notifications": sorted(
            (c["LambdaFunctionArn"], tuple(c["Events"])) for c in conf.get("LambdaFunctionConfigurations", []))}
    subscriptions = sorted((s["TopicArn"], s["Protocol"], s["Endpoint"]) for s in sns.list_subscriptions()["Subscriptions"])
    return {"buckets": buckets, "subscriptions": subscriptions}


def snapshot(url: str) -> dict:
    """What a user would call the state of the emulator."""
    return {"stacks": _stacks(url), "functions": _functions(url), "apis": _apis(url),
            "deployments": _deployments(url), "wiring": _wiring(url)}


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where two snapshots differ, as readable lines (for assertion messages)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        lines = []
        for key in sorted(set(expected) | set(actual), key=str):
            lines += differences(expected.get(key), actual.get(key), f"{path}/{key}")
        return lines
    return [] if expected == actual else [f"{path}: expected {expected!r}, found {actual!r}"]
