"""Deploys through botocore Stubber where moto cannot serve.

moto refuses Swagger 2.0 imports ("Only OpenAPI 3.x.x") and does not implement update_domain_name, so the
Swagger 2.0 path, the certificate change and the re-mapping of a base path are checked here on the request bodies.
The filled-in definition sent to API Gateway is pinned with a golden file.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from fink.awsclient import AWSClient

API_ID = "newapi1234"
REGION = "eu-west-1"
ACCOUNT = "123456789012"


def alias_arn(name: str, alias: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:{alias}"


def source_arn() -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*/*"


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Any:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    client = AWSClient(region=REGION)
    stubs = {name: Stubber(client.get_client(name)) for name in ("apigateway", "lambda", "route53", "ssm")}
    # no SSM answer queued: Slack is not configured here, so its webhook lookup must not run
    sent: dict[str, Any] = {}

    def capture(params: dict, model: Any, **_: Any) -> None:
        sent[model.name] = params
    client.get_client("apigateway").meta.events.register("before-parameter-build.apigateway.*", capture)
    for stub in stubs.values():
        stub.activate()
    yield client, stubs, sent
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _stub_lambda(lam: Stubber) -> None:
    lam.add_response("get_alias", {"AliasArn": alias_arn("pets-reader", "ACTIVE")},
                     {"FunctionName": "pets-reader", "Name": "ACTIVE"})
    lam.add_response("get_alias", {"AliasArn": alias_arn("pets-admin", "LIVE")},
                     {"FunctionName": "pets-admin", "Name": "LIVE"})
    granted = {"Effect": "Allow", "Action": "lambda:InvokeFunction",
               "Principal": {"Service": "apigateway.amazonaws.com"},
               "Condition": {"ArnLike": {"AWS:SourceArn": source_arn()}}}
    lam.add_response("get_policy", {"Policy": _policy(granted)}, {"FunctionName": "pets-reader", "Qualifier": "ACTIVE"})
    lam.add_client_error("get_policy", "ResourceNotFoundException", http_status_code=404,
                         expected_params={"FunctionName": "pets-admin", "Qualifier": "LIVE"})
    lam.add_response("add_permission", {"Statement": "{}"}, {
        "FunctionName": "pets-admin", "Qualifier": "LIVE", "StatementId": f"fink-api-{API_ID}",
        "Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com", "SourceArn": source_arn()})


STAGE_OPS = [
    {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
    {"op": "replace", "path": "/cacheClusterSize", "value": "1.6"},
    {"op": "replace", "path": "/*/*/logging/loglevel", "value": "ERROR"},
    {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
    {"op": "replace", "path": "/~1pets~1{id}/GET/caching/ttlInSeconds", "value": "60"},
    {"op": "replace", "path": "/~1pets~1{id}/GET/caching/enabled", "value": "true"},
]

DOMAIN = {"domainName": "pets.example.com", "certificateName": "old", "certificateArn": "arn:old",
          "distributionDomainName": "d123.cloudfront.net", "distributionHostedZoneId": "Z2FDTNDATAQYW2"}


def _stub_apigateway(ag: Stubber) -> None:
    ag.add_response("get_rest_apis", {"items": [{"id": "other", "name": "someone-else"}]}, {})
    ag.add_response("get_api_key", {"id": "key123", "name": "k"}, {"apiKey": "key123"})  # checked before changing
    ag.add_response("import_rest_api", {"id": API_ID, "name": "fink-pets"}, {
        "body": ANY, "failOnWarnings": True, "parameters": {"endpointConfigurationTypes": "EDGE"}})
    ag.add_client_error("get_stage", "NotFoundException", http_status_code=404,
                        expected_params={"restApiId": API_ID, "stageName": "prod"})
    ag.add_response("create_deployment", {"id": "dep1"}, {"restApiId": API_ID, "stageName": "prod",
                                                          "description": ANY})
    ag.add_response("update_stage", {"stageName": "prod"}, {"restApiId": API_ID, "stageName": "prod",
                                                            "patchOperations": STAGE_OPS})
    ag.add_response("get_usage_plans", {"items": []}, {})
    ag.add_response("create_usage_plan", {"id": "plan1"}, {
        "name": "fink-pets-prod", "description": ANY, "apiStages": [{"apiId": API_ID, "stage": "prod"}]})
    ag.add_response("create_usage_plan_key", {"id": "key123"}, {"usagePlanId": "plan1", "keyId": "key123",
                                                                "keyType": "API_KEY"})
    ag.add_response("get_domain_name", DOMAIN, {"domainName": "pets.example.com"})
    ag.add_response("update_domain_name", DOMAIN, {"domainName": "pets.example.com", "patchOperations": [
        {"op": "replace", "path": "/certificateName", "value": "pets-cert-2026"},
        {"op": "replace", "path": "/certificateArn", "value": "arn:aws:acm:us-east-1:123456789012:certificate/new-cert"}]})
    ag.add_response("get_base_path_mappings", {"items": [
        {"basePath": "(none)", "restApiId": "someone", "stage": "x"},
        {"basePath": "pets", "restApiId": "oldapi", "stage": "prod"}]}, {"domainName": "pets.example.com"})
    ag.add_response("update_base_path_mapping", {}, {"domainName": "pets.example.com", "basePath": "pets",
                                                     "patchOperations": [
                                                         {"op": "replace", "path": "/restapiId", "value": API_ID}]})
    ag.add_response("get_domain_name", DOMAIN, {"domainName": "pets.example.com"})


def _stub_route53(r53: Stubber) -> None:
    """gcdt wrote a CNAME; fink replaces it by an alias record in one change batch."""
    cname = {"Name": "pets.example.com.", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "old.example"}]}
    query = {"HostedZoneId": "ZPETS", "StartRecordName": "pets.example.com.", "MaxItems": "1"}
    r53.add_response("list_resource_record_sets", {"ResourceRecordSets": [], "IsTruncated": False, "MaxItems": "1"},
                     {**query, "StartRecordType": "A"})
    r53.add_response("list_resource_record_sets", {"ResourceRecordSets": [cname], "IsTruncated": False,
                                                   "MaxItems": "1"}, {**query, "StartRecordType": "CNAME"})
    alias = {"Name": "pets.example.com.", "Type": "A", "AliasTarget": {
        "HostedZoneId": "Z2FDTNDATAQYW2", "DNSName": "d123.cloudfront.net.", "EvaluateTargetHealth": False}}
    r53.add_response("change_resource_record_sets", {"ChangeInfo": {
        "Id": "c1", "Status": "PENDING", "SubmittedAt": "2026-01-01T00:00:00Z"}}, {
        "HostedZoneId": "ZPETS", "ChangeBatch": {"Comment": ANY, "Changes": [
            {"Action": "DELETE", "ResourceRecordSet": cname}, {"Action": "UPSERT", "ResourceRecordSet": alias}]}})


def test_swagger2_deploy_request_bodies(project, stubbed, run_cli, fake_clock, golden):
    project("api_swagger2")
    client, stubs, sent = stubbed
    _stub_lambda(stubs["lambda"])
    _stub_apigateway(stubs["apigateway"])
    _stub_route53(stubs["route53"])
    result = run_cli("api", "deploy", env={"ENV": "dev"}, awsclient=client, clock=fake_clock)
    assert result.exit_code == 0, result.stderr
    golden("swagger2_filled.json", sent["ImportRestApi"]["body"].decode("utf-8"))
    golden("swagger2_deploy.stderr.txt", result.stderr)
    assert result.stdout.splitlines() == [f"https://{API_ID}.execute-api.{REGION}.amazonaws.com/prod",
                                          "https://pets.example.com/pets"]


def test_aws_refusal_is_reported_with_its_message(project, stubbed, run_cli, fake_clock):
    project("api_swagger2")
    client, stubs, _ = stubbed
    stubs["lambda"].add_response("get_alias", {"AliasArn": alias_arn("pets-reader", "ACTIVE")})
    stubs["lambda"].add_response("get_alias", {"AliasArn": alias_arn("pets-admin", "LIVE")})
    stubs["apigateway"].add_response("get_rest_apis", {"items": []}, {})
    stubs["apigateway"].add_response("get_api_key", {"id": "key123", "name": "k"}, {"apiKey": "key123"})
    stubs["apigateway"].add_client_error("import_rest_api", "BadRequestException", "Invalid model: pets",
                                         http_status_code=400)
    result = run_cli("api", "deploy", env={"ENV": "dev"}, awsclient=client, clock=fake_clock)
    assert result.exit_code == 1
    assert "Importing the API definition (swagger.yaml) failed: Invalid model: pets (BadRequestException)" \
        in result.stderr
    assert "Traceback" not in result.stderr


def test_swagger2_redeploy_overwrites_and_creates_nothing_twice(project, stubbed, run_cli, fake_clock):
    """Second deploy of the Swagger 2.0 project: PutRestApi overwrite, and with the permissions, the usage plan, the
    domain, the base path and the DNS record already in place not one write beyond the deployment and the stage
    settings (the Stubber fails on any call not listed here)."""
    project("api_swagger2")
    client, stubs, sent = stubbed
    lam, ag, r53 = stubs["lambda"], stubs["apigateway"], stubs["route53"]
    granted = {"Effect": "Allow", "Action": "lambda:InvokeFunction",
               "Principal": {"Service": "apigateway.amazonaws.com"},
               "Condition": {"ArnLike": {"AWS:SourceArn": source_arn()}}}
    ag.add_response("get_rest_apis", {"items": [{"id": API_ID, "name": "fink-pets"}]}, {})
    ag.add_response("get_api_key", {"id": "key123", "name": "k"}, {"apiKey": "key123"})  # checked before changing
    for name, alias in (("pets-reader", "ACTIVE"), ("pets-admin", "LIVE")):
        lam.add_response("get_alias", {"AliasArn": alias_arn(name, alias)}, {"FunctionName": name, "Name": alias})
    ag.add_response("get_stage", {"stageName": "prod", "deploymentId": "dep1"}, {"restApiId": API_ID,
                                                                             "stageName": "prod"})
    ag.add_response("get_deployment", {"id": "dep1", "description": "Deployed by someone [fink:0123456789abcdef]"},
                    {"restApiId": API_ID, "deploymentId": "dep1"})  # an older definition: this one is deployed
    ag.add_response("put_rest_api", {"id": API_ID}, {"restApiId": API_ID, "mode": "overwrite",
                                                     "failOnWarnings": True, "body": ANY})
    for name, alias in (("pets-reader", "ACTIVE"), ("pets-admin", "LIVE")):
        lam.add_response("get_policy", {"Policy": _policy(granted)}, {"FunctionName": name, "Qualifier": alias})
    ag.add_response("get_stage", {"stageName": "prod", "methodSettings": {
        "*/*": {"metricsEnabled": True}, "~1pets~1{id}/GET": {"cachingEnabled": True}}},
        {"restApiId": API_ID, "stageName": "prod"})
    ag.add_response("create_deployment", {"id": "dep2"}, {"restApiId": API_ID, "stageName": "prod",
                                                          "description": ANY})
    ag.add_response("update_stage", {"stageName": "prod"}, {"restApiId": API_ID, "stageName": "prod",
                                                            "patchOperations": STAGE_OPS})
    ag.add_response("get_usage_plans", {"items": [
        {"id": "plan1", "name": "fink-pets-prod", "apiStages": [{"apiId": API_ID, "stage": "prod"}]}]}, {})
    ag.add_response("get_usage_plan_keys", {"items": [{"id": "key123", "type": "API_KEY"}]}, {"usagePlanId": "plan1"})
    current = dict(DOMAIN, certificateName="pets-cert-2026",
                   certificateArn="arn:aws:acm:us-east-1:123456789012:certificate/new-cert")
    ag.add_response("get_domain_name", current, {"domainName": "pets.example.com"})
    ag.add_response("get_base_path_mappings", {"items": [{"basePath": "pets", "restApiId": API_ID, "stage": "prod"}]},
                    {"domainName": "pets.example.com"})
    ag.add_response("get_domain_name", current, {"domainName": "pets.example.com"})
    alias = {"Name": "pets.example.com.", "Type": "A", "AliasTarget": {
        "HostedZoneId": "Z2FDTNDATAQYW2", "DNSName": "d123.cloudfront.net.", "EvaluateTargetHealth": False}}
    query = {"HostedZoneId": "ZPETS", "StartRecordName": "pets.example.com.", "MaxItems": "1"}
    r53.add_response("list_resource_record_sets", {"ResourceRecordSets": [alias], "IsTruncated": False,
                                                   "MaxItems": "1"}, {**query, "StartRecordType": "A"})
    r53.add_response("list_resource_record_sets", {"ResourceRecordSets": [alias], "IsTruncated": False,
                                                   "MaxItems": "1"}, {**query, "StartRecordType": "CNAME"})
    result = run_cli("api", "deploy", env={"ENV": "dev"}, awsclient=client, clock=fake_clock)
    assert result.exit_code == 0, result.stderr
    assert json.loads(sent["PutRestApi"]["body"])["swagger"] == "2.0"
    assert result.stderr.splitlines() == [f"Updating REST API fink-pets ({API_ID}) from swagger.yaml",
                                          "Deploying to stage prod",
                                          f"REST API fink-pets ({API_ID}) deployed to stage prod."]
