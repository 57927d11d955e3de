"""Lambda settings of issue 15 - layers, tags, tracing, reserved concurrency, dead-letter queue, destinations,
ephemeral storage, KMS key, function URL, architecture changes and version pruning - end to end on moto.

Where moto falls short the test reads what fink sent (``CallLog``) instead of moto's answer, and says so: moto
keeps TracingConfig, EphemeralStorage and KMSKeyArn only from CreateFunction (UpdateFunctionConfiguration ignores
them), never reports a DeadLetterConfig, and ignores Architectures on UpdateFunctionCode.
"""
from __future__ import annotations

import boto3
import pytest

from fink.awsclient import AWSClient
from fink_lambda.deploy_plan import FunctionSpec, desired_configuration, plan_deploy, remote_configuration
from fink_lambda.function_settings import (UNSET, invoke_differs, invoke_request, plan_concurrency, plan_tags,
                                           url_differs, url_request, versions_to_prune)
from fink_testtools.calls import CallLog

from .conftest import make_zip

NAME = "fink-test-function"


def lam():
    return boto3.client("lambda")


@pytest.fixture
def sample(aws, role, project, bundler):
    project("lambda_python")
    aws.queue_lambda_results(["alive"] * 20)
    return bundler


def deploy(run_cli, fake_clock, awsclient=None):
    result = run_cli("lambda", "deploy", env={"ENV": "dev"}, clock=fake_clock, awsclient=awsclient)
    assert result.exit_code == 0, result.output
    return result


def _logged(run_cli, fake_clock) -> tuple[CallLog, object]:
    awsclient = AWSClient()
    log = CallLog(awsclient)
    return log, deploy(run_cli, fake_clock, awsclient)


# ---- pure ------------------------------------------------------------------------------------------------------
def test_optional_configuration_is_compared_only_when_configured():
    spec = FunctionSpec("f", "arn:role", "h.h", "python3.12")
    remote = {**desired_configuration(spec), "CodeSha256": "A", "Architectures": ["x86_64"],
              "TracingConfig": {"Mode": "Active"}, "Layers": [{"Arn": "arn:l:1", "CodeSize": 1}]}
    assert plan_deploy(spec, "A", remote, "1", None, remote).config_changes == {}  # not configured: left alone
    spec = FunctionSpec(**{**spec.__dict__, "tracing": "PassThrough", "layers": ("arn:l:1",), "dead_letter_arn": "",
                           "ephemeral_storage": 512, "kms_key_arn": ""})
    assert plan_deploy(spec, "A", remote, "1", None, remote).config_changes == {"TracingConfig": {"Mode": "PassThrough"}}
    assert remote_configuration({})["EphemeralStorage"] == {"Size": 512}


def test_tag_and_concurrency_plans():
    assert not plan_tags(None, {"a": "1"})
    plan = plan_tags({"a": 2, "b": "x"}, {"a": "1", "gone": "y", "aws:cloudformation:stack-name": "s"})
    assert plan.set == {"a": "2", "b": "x"} and plan.remove == ["gone"]
    assert plan_concurrency(UNSET, {"Concurrency": {"ReservedConcurrentExecutions": 3}}) is UNSET
    assert plan_concurrency(3, {"Concurrency": {"ReservedConcurrentExecutions": 3}}) is UNSET
    assert plan_concurrency(None, {"Concurrency": {"ReservedConcurrentExecutions": 3}}) is None
    assert plan_concurrency(None, {}) is UNSET


def test_url_and_destination_comparisons():
    wanted = url_request({"authType": "NONE", "cors": {"allowMethods": ["GET", "post"]}})
    assert wanted == {"AuthType": "NONE", "Cors": {"AllowMethods": ["GET", "post"]}}
    assert not url_differs(wanted, {"AuthType": "NONE", "Cors": {"AllowMethods": ["POST", "GET"], "AllowHeaders": []}})
    assert url_differs(wanted, {"AuthType": "AWS_IAM", "Cors": {"AllowMethods": ["GET", "POST"]}})
    assert url_differs(wanted, None)
    request = invoke_request({"onFailure": "arn:q", "maximumRetryAttempts": 1})
    assert request == {"DestinationConfig": {"OnFailure": {"Destination": "arn:q"}}, "MaximumRetryAttempts": 1}
    current = {"DestinationConfig": {"OnFailure": {"Destination": "arn:q"}, "OnSuccess": {}}, "MaximumRetryAttempts": 1}
    assert not invoke_differs(request, current)
    assert invoke_differs(request, {**current, "MaximumRetryAttempts": 2})


def test_pruning_keeps_the_newest_and_every_aliased_version():
    versions = ["$LATEST"] + [str(v) for v in range(1, 16)]
    assert versions_to_prune(versions, {"2", "15"}, keep=10) == ["1", "3", "4", "5"]
    assert versions_to_prune(versions, set(), keep=10, limit=2) == ["1", "2"]
    assert versions_to_prune(versions, set(), keep=20) == []


# ---- end to end ------------------------------------------------------------------------------------------------
def test_settings_are_applied_on_create_and_not_touched_when_unchanged(sample, run_cli, fake_clock, edit_config):
    layer = lam().publish_layer_version(LayerName="shared", Content={"ZipFile": make_zip({"python/x.py": ""})})
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    queue = boto3.client("sqs").create_queue(QueueName="failed")["QueueUrl"]
    queue_arn = boto3.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    edit_config(lambda d: d["lambda"]["lambda"].update(
        layers=[layer["LayerVersionArn"]], tags={"team": "platform"}, tracing="Active", reservedConcurrency=5,
        ephemeralStorage=1024, kmsKeyArn=key, functionUrl={"authType": "NONE", "cors": {"allowOrigins": ["*"]}},
        destinations={"onFailure": queue_arn, "maximumRetryAttempts": 1}))
    result = deploy(run_cli, fake_clock)
    found = lam().get_function(FunctionName=NAME)
    conf = found["Configuration"]
    assert [layer_["Arn"] for layer_ in conf["Layers"]] == [layer["LayerVersionArn"]]
    assert conf["TracingConfig"] == {"Mode": "Active"} and conf["EphemeralStorage"] == {"Size": 1024}
    assert conf["KMSKeyArn"] == key
    assert found["Tags"] == {"team": "platform"}
    assert found["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    url = lam().get_function_url_config(FunctionName=NAME, Qualifier="ACTIVE")
    assert url["AuthType"] == "NONE" and url["Cors"]["AllowOrigins"] == ["*"]
    assert f"function URL (NONE) {url['FunctionUrl']}" in result.stderr
    policy = lam().get_policy(FunctionName=NAME, Qualifier="ACTIVE")["Policy"]
    assert "lambda:InvokeFunctionUrl" in policy and "fink-function-url-public" in policy
    invoke = lam().get_function_event_invoke_config(FunctionName=NAME, Qualifier="ACTIVE")
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn
    assert invoke["MaximumRetryAttempts"] == 1

    log, result = _logged(run_cli, fake_clock)
    changing = {"UpdateFunctionConfiguration", "UpdateFunctionCode", "PublishVersion", "TagResource",
                "UntagResource", "PutFunctionConcurrency", "DeleteFunctionConcurrency", "CreateFunctionUrlConfig",
                "UpdateFunctionUrlConfig", "AddPermission", "PutFunctionEventInvokeConfig"}
    assert changing.isdisjoint(log.operations("lambda")), log.operations("lambda")
    assert "up to date: ACTIVE stays at version 1" in result.stderr


def test_changed_settings_are_changed_and_removed(sample, run_cli, fake_clock, edit_config):
    edit_config(lambda d: d["lambda"]["lambda"].update(tags={"team": "platform", "old": "x"}, reservedConcurrency=5,
                                                       functionUrl={"authType": "AWS_IAM"}))
    deploy(run_cli, fake_clock)
    edit_config(lambda d: d["lambda"]["lambda"].update(tags={"team": "data"}, reservedConcurrency=None,
                                                       functionUrl=None, tracing="Active",
                                                       deadLetterArn="arn:aws:sqs:eu-west-1:123456789012:dlq"))
    log, result = _logged(run_cli, fake_clock)
    found = lam().get_function(FunctionName=NAME)
    assert found["Tags"] == {"team": "data"} and "Concurrency" not in found
    with pytest.raises(lam().exceptions.ResourceNotFoundException):
        lam().get_function_url_config(FunctionName=NAME)
    # moto ignores TracingConfig and DeadLetterConfig on update: what was sent is checked instead
    [update] = log.params("lambda", "UpdateFunctionConfiguration")
    assert update["TracingConfig"] == {"Mode": "Active"}
    assert update["DeadLetterConfig"] == {"TargetArn": "arn:aws:sqs:eu-west-1:123456789012:dlq"}
    assert "tags team=data, -old" in result.stderr and "reserved concurrency removed" in result.stderr


def test_architecture_change_redeploys_the_code(sample, run_cli, fake_clock, edit_config):
    deploy(run_cli, fake_clock)
    edit_config(lambda d: d["lambda"]["lambda"].update(architectures=["arm64"]))
    log, result = _logged(run_cli, fake_clock)
    assert "redeploy the code for the new architecture (x86_64 -> arm64" in result.stderr
    [update] = log.params("lambda", "UpdateFunctionCode")  # moto ignores Architectures here: check what was sent
    assert update["Architectures"] == ["arm64"] and update["ZipFile"]
    assert "ACTIVE -> version 2" in result.stderr


def test_old_versions_are_pruned_but_aliased_ones_kept(sample, run_cli, fake_clock, edit_config):
    edit_config(lambda d: d["lambda"]["lambda"].update(keepVersions=2))
    for n in range(4):
        sample.files["handler.py"] = f"def handle(event, context):\n    return 'alive {n}'\n"
        log, _ = _logged(run_cli, fake_clock)
        # while the newest version number is <= keepVersions there is nothing to prune: no call is made
        assert ("ListAliases" in log.operations("lambda")) is (n + 1 > 2)
        if n == 0:
            lam().create_alias(FunctionName=NAME, Name="stable", FunctionVersion="1")
    versions = [v["Version"] for v in lam().list_versions_by_function(FunctionName=NAME)["Versions"]]
    assert versions == ["$LATEST", "1", "3", "4"]  # 2 went; 1 is kept for the alias 'stable'
    assert lam().get_alias(FunctionName=NAME, Name="ACTIVE")["FunctionVersion"] == "4"
