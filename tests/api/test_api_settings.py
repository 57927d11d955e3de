"""api settings of issue 15 - endpoint type, stage variables, access logging, method settings that left the config,
usage plan limits and regional custom domains - end to end on moto, checked with independent botocore calls.

moto ignores a ``remove`` patch of a method setting (it keeps the setting) and the endpoint type given at import;
where that matters the test reads what fink sent (``CallLog``).
"""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from fink.awsclient import AWSClient
from fink.errors import ConfigError
from fink_api.settings_plan import (check_domain_certificate, plan_endpoint, stage_setting_ops,
                                    usage_plan_limit_ops, usage_plan_limits)
from fink_testtools.calls import CallLog

from .test_api_commands import DOMAIN, RECORD, _self_signed_cert  # noqa: F401 - shared certificate helper

NAME = "fink-test-api"


def _set(**api) -> None:
    """Replace keys of the api.api section (a key set to None is removed)."""
    path = Path("fink_dev.json")
    config = json.loads(path.read_text())
    for key, value in api.items():
        if value is None:
            config["api"]["api"].pop(key, None)
        else:
            config["api"]["api"][key] = value
    path.write_text(json.dumps(config))


# ---- pure ------------------------------------------------------------------------------------------------------
def test_stage_ops_remove_what_left_the_config():
    stage = {"variables": {"a": "1", "gone": "x"}, "accessLogSettings": {"destinationArn": "arn:l", "format": "f"},
             "methodSettings": {"*/*": {}, "~1pets/GET": {}}}
    api = {"stageVariables": {"a": 1, "b": True}, "methodSettings": {"/*/*": {"metricsEnabled": True}}}
    assert stage_setting_ops(stage, api) == [
        {"op": "replace", "path": "/variables/b", "value": "True"},
        {"op": "remove", "path": "/variables/gone"},
        {"op": "remove", "path": "/accessLogSettings"},
        {"op": "remove", "path": "/~1pets/GET"}]
    logging = {"accessLogging": {"destinationArn": "arn:l", "format": "g"}}
    assert stage_setting_ops(stage, {**logging, "stageVariables": {"a": "1", "gone": "x"},
                                     "methodSettings": {"/*/*": {}, "/pets/GET": {}}}) == [
        {"op": "replace", "path": "/accessLogSettings/format", "value": "g"}]
    assert stage_setting_ops(None, {}) == []


def test_usage_plan_limits_and_endpoint_and_certificate_region():
    config = {"throttle": {"burstLimit": 20, "rateLimit": 10}, "quota": {"limit": 100, "period": "DAY"}}
    assert usage_plan_limits(config) == config
    plan = {"throttle": {"burstLimit": 20, "rateLimit": 5.0}, "quota": {"limit": 100, "period": "DAY", "offset": 0}}
    assert usage_plan_limit_ops(plan, config) == [{"op": "replace", "path": "/throttle/rateLimit", "value": "10"}]
    assert usage_plan_limit_ops(plan, {"throttle": config["throttle"]})[-1] == {"op": "remove", "path": "/quota"}
    assert plan_endpoint({"endpointConfiguration": {"types": ["EDGE"]}}, {"name": "a"}, "id1") == ()
    [action] = plan_endpoint({}, {"name": "a", "endpointType": "REGIONAL"}, "id1")
    assert action.params["patch_ops"] == [{"op": "replace", "path": "/endpointConfiguration/types/EDGE",
                                           "value": "REGIONAL"}]
    edge = {"certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/x"}
    with pytest.raises(ConfigError, match="a EDGE custom domain needs a certificate in us-east-1"):
        check_domain_certificate(edge, "eu-west-1")
    check_domain_certificate({**edge, "endpointType": "REGIONAL"}, "eu-west-1")


# ---- end to end ------------------------------------------------------------------------------------------------
def test_endpoint_type_is_set_and_converted(api_project, api, apigw, apis_named):
    _set(endpointType="REGIONAL")
    result = api("deploy")
    assert result.exit_code == 0, result.stderr
    [found] = apis_named(NAME)
    assert apigw.get_rest_api(restApiId=found["id"])["endpointConfiguration"]["types"] == ["REGIONAL"]
    _set(endpointType="EDGE")
    result = api("deploy")
    assert result.exit_code == 0, result.stderr
    assert "from REGIONAL to EDGE" in result.stderr
    assert apigw.get_rest_api(restApiId=found["id"])["endpointConfiguration"]["types"] == ["EDGE"]
    assert "endpoint type" not in api("deploy").stderr  # unchanged: no change


def test_stage_variables_access_logging_and_removed_method_settings(api_project, api, apigw, apis_named):
    log_arn = "arn:aws:logs:eu-west-1:123456789012:log-group:api-access"
    _set(stageVariables={"backend": "a.example.com", "mode": "x"},
         accessLogging={"destinationArn": log_arn, "format": "$context.requestId"},
         methodSettings={"/hello/GET": {"metricsEnabled": True}})
    assert api("deploy").exit_code == 0
    [found] = apis_named(NAME)
    stage = apigw.get_stage(restApiId=found["id"], stageName="dev")
    assert stage["variables"] == {"backend": "a.example.com", "mode": "x"}
    assert stage["accessLogSettings"] == {"destinationArn": log_arn, "format": "$context.requestId"}
    _set(stageVariables={"backend": "b.example.com"}, accessLogging=None, methodSettings=None)
    awsclient = AWSClient()
    log = CallLog(awsclient)
    result = api("deploy", awsclient=awsclient)
    assert result.exit_code == 0, result.stderr
    stage = apigw.get_stage(restApiId=found["id"], stageName="dev")
    assert stage["variables"] == {"backend": "b.example.com"}
    assert not stage.get("accessLogSettings")
    [update] = log.params("apigateway", "UpdateStage")  # moto keeps removed method settings: check the request
    assert {"op": "remove", "path": "/~1hello/GET"} in update["patchOperations"]


def test_usage_plan_throttling_and_quota(api_project, api, apigw):
    key = apigw.create_api_key(name="fink-test-key", enabled=True)["id"]
    _set(apiKey=key, usagePlan={"throttle": {"burstLimit": 20, "rateLimit": 10},
                                "quota": {"limit": 1000, "period": "MONTH"}})
    assert api("deploy").exit_code == 0
    [plan] = apigw.get_usage_plans()["items"]
    assert plan["throttle"] == {"burstLimit": 20, "rateLimit": 10.0}
    assert plan["quota"]["limit"] == 1000 and plan["quota"]["period"] == "MONTH"
    _set(usagePlan={"throttle": {"burstLimit": 40, "rateLimit": 10}, "quota": {"limit": 1000, "period": "MONTH"}})
    result = api("deploy")
    assert result.exit_code == 0, result.stderr
    assert "Updating the throttling and quota of usage plan fink-test-api-dev" in result.stderr
    assert apigw.get_usage_plans()["items"][0]["throttle"]["burstLimit"] == 40


@pytest.fixture
def regional_certificate(aws):
    cert, key = _self_signed_cert(DOMAIN)
    return boto3.client("acm").import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]


def test_regional_custom_domain(api_project, api, apigw, apis_named, regional_certificate):
    zone = boto3.client("route53").create_hosted_zone(Name="fink-test.example.com", CallerReference="r")
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    path = Path("fink_dev.json")
    config = json.loads(path.read_text())
    config["api"]["customDomain"] = {"basePath": "", "certificateName": "regional", "domainName": DOMAIN,
                                     "certificateArn": regional_certificate, "hostedDomainZoneId": zone_id,
                                     "route53Record": RECORD}
    path.write_text(json.dumps(config))
    result = api("deploy")  # EDGE by default: the eu-west-1 certificate is refused before anything changes
    assert result.exit_code == 3 and "needs a certificate in us-east-1" in result.stderr
    assert apis_named(NAME) == []
    config["api"]["customDomain"]["endpointType"] = "REGIONAL"
    path.write_text(json.dumps(config))
    result = api("deploy")
    assert result.exit_code == 0, result.stderr
    domain = apigw.get_domain_name(domainName=DOMAIN)
    assert domain["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert domain["regionalCertificateArn"] == regional_certificate
    records = boto3.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    [record] = [r for r in records if r["Name"] == RECORD + "."]
    assert record["AliasTarget"]["DNSName"].rstrip(".") == domain["regionalDomainName"]
    assert api("deploy").exit_code == 0  # unchanged domain: recognised


def test_a_stage_variable_change_alone_is_deployed(api_project, api, apigw, apis_named):
    """deploy skips a stage that already serves the same definition and settings: the stage variables and the
    access logging are part of what it compares."""
    _set(stageVariables={"backend": "a"})
    assert api("deploy").exit_code == 0
    assert "already serves" in api("deploy").stderr
    _set(stageVariables={"backend": "b"})
    result = api("deploy")
    assert result.exit_code == 0 and "already serves" not in result.stderr
    [found] = apis_named(NAME)
    assert apigw.get_stage(restApiId=found["id"], stageName="dev")["variables"] == {"backend": "b"}
