"""A gcdt project (tests/resources/gcdt_sample: gcdt's file names, config shapes, imports, signal names, handlebars
swagger, kumo/ramuda/yugen/tenkai in its CI script) goes through `fink migrate-gcdt` and then through
`cloud deploy`, `lambda deploy`, `api deploy` and `code bundle` against the emulator, with nothing else changed.

The checks read AWS independently (boto3) and pin what a team cares about: the stack keeps gcdt's logical ids (so
an existing stack would not replace its role), the function runs with the role the stack made, the API invokes it.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import boto3
import pytest

ENV = {"ENV": "dev"}


@pytest.fixture
def migrated(aws, project, run_cli) -> Path:
    folder = project("gcdt_sample")
    result = run_cli("fink", "migrate-gcdt", str(folder))
    assert result.exit_code == 1, result.output  # the leftover HOCON file needs a person
    assert "Could not convert (1; these need you):\n  lambda_dev.conf: HOCON config file" in result.stdout
    assert "rename gcdt_dev.json -> fink_dev.json" in result.stdout
    (folder / "lambda_dev.conf").unlink()  # the by-hand step: it was superseded by gcdt_dev.json long ago
    again = run_cli("fink", "migrate-gcdt", str(folder))
    assert again.exit_code == 0, again.output
    assert "nothing to rename or rewrite" in again.stdout and "Nothing left to convert by hand." in again.stdout
    return folder


def test_migrated_gcdt_project_deploys_with_fink(migrated: Path, run_cli, fake_clock, capsys):
    assert not list(migrated.glob("gcdt_*")) and (migrated / ".finkignore").is_file()
    assert "cloud deploy\nlambda deploy\napi deploy\ncode bundle\n" in (migrated / "deploy.sh").read_text()
    assert (migrated / "requirements_fink.txt").read_text().splitlines() == [
        "fink-core", "fink-config-reader", "fink-lookups", "fink-bundler", "fink-slack-integration"]

    cloud = run_cli("cloud", "deploy", env=ENV, clock=fake_clock)
    assert cloud.exit_code == 0, cloud.output
    # the hook's print (stderr during a run) sees what generate_template stored: one module for both
    assert "sample stack deployed: gcdt-sample-dev ({'template': 'generated'})" in capsys.readouterr().err
    resources = {r["LogicalResourceId"]: r["ResourceType"] for r in boto3.client("cloudformation")
                 .list_stack_resources(StackName="gcdt-sample-dev")["StackResourceSummaries"]}
    assert resources == {"ArtifactBucket": "AWS::S3::Bucket", "GcdtSampleLambda": "AWS::IAM::Role",
                         "GcdtSampleBucketAccessPolicy": "AWS::IAM::Policy"}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in boto3.client("cloudformation").describe_stacks(
        StackName="gcdt-sample-dev")["Stacks"][0]["Outputs"]}

    lam = run_cli("lambda", "deploy", env=ENV, clock=fake_clock)
    assert lam.exit_code == 0, lam.output
    assert "node_modules) does not exist and there is no package.json" in lam.stderr
    function = boto3.client("lambda").get_function(FunctionName="gcdt-sample-fn")["Configuration"]
    assert function["Role"] == outputs["LambdaRoleArn"] and function["MemorySize"] == 128
    assert function["Timeout"] == 30

    api = run_cli("api", "deploy", env=ENV, clock=fake_clock)
    assert api.exit_code == 0, api.output
    apigw = boto3.client("apigateway")
    api_id = [a["id"] for a in apigw.get_rest_apis()["items"] if a["name"] == "gcdt-sample-api"][0]
    resource = [r for r in apigw.get_resources(restApiId=api_id)["items"] if r.get("path") == "/hello"][0]
    uri = apigw.get_integration(restApiId=api_id, resourceId=resource["id"], httpMethod="GET")["uri"]
    assert uri.endswith(":function:gcdt-sample-fn:ACTIVE/invocations")

    code = run_cli("code", "bundle", env=ENV)
    assert code.exit_code == 0, code.output
    bundle = code.stdout.split("bundle: ", 1)[1].splitlines()[0]
    with zipfile.ZipFile(bundle) as zf:
        assert {"appspec.yml", "scripts/start.sh", "stack_output.yml"} <= set(zf.namelist())
        assert b"BucketName: gcdt-sample-dev" in zf.read("stack_output.yml")


def test_dry_run_changes_nothing(aws, project, run_cli):
    folder = project("gcdt_sample")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = run_cli("fink", "migrate-gcdt", str(folder), "--dry-run")
    assert result.exit_code == 1 and result.stdout.startswith(f"Plan for {folder}:")
    assert "3 file(s) would be renamed, 6 would be rewritten." in result.stdout
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert json.loads((folder / "gcdt_dev.json").read_text())["kumo"]
