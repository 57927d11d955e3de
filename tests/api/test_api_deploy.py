"""End-to-end: `api deploy` against moto, checked with independent botocore calls."""
from __future__ import annotations

import json
from pathlib import Path

import boto3

NAME = "fink-test-api"


def _paths(apigw, api_id):
    return {r["path"]: sorted(r.get("resourceMethods", {})) for r in apigw.get_resources(restApiId=api_id)["items"]}


def test_deploy_creates_api_and_prints_url(api_project, api, apigw, apis_named, hello_alias):
    result = api("deploy")
    assert result.exit_code == 0, result.stderr
    [found] = apis_named(NAME)
    assert result.stdout.strip() == f"https://{found['id']}.execute-api.eu-west-1.amazonaws.com/dev"
    resources = apigw.get_resources(restApiId=found["id"])["items"]
    hello = next(r for r in resources if r["path"] == "/hello")
    uri = hello["resourceMethods"]["GET"]["methodIntegration"]["uri"]
    assert uri == f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{hello_alias}/invocations"
    assert apigw.get_stage(restApiId=found["id"], stageName="dev")["deploymentId"]
    assert "Creating REST API fink-test-api" in result.stderr


def test_redeploy_updates_resources(api_project, api, apigw, apis_named):
    assert api("deploy").exit_code == 0
    swagger = Path("swagger.yaml").read_text()
    Path("swagger.yaml").write_text(swagger.replace("/pets:", "/owners:"))
    result = api("deploy")
    assert result.exit_code == 0, result.stderr
    [found] = apis_named(NAME)  # updated in place, not a second API
    paths = _paths(apigw, found["id"])
    assert "/owners" in paths and "/pets" not in paths and paths["/hello"] == ["GET"]
    assert f"Updating REST API {NAME} ({found['id']})" in result.stderr
    assert len(apigw.get_deployments(restApiId=found["id"])["items"]) == 2


def test_permission_added_once(api_project, api, apis_named):
    assert api("deploy").exit_code == 0
    second = api("deploy")
    assert second.exit_code == 0
    assert "Allowing API Gateway" not in second.stderr
    [found] = apis_named(NAME)
    policy = json.loads(boto3.client("lambda").get_policy(FunctionName="fink-test-hello", Qualifier="ACTIVE")["Policy"])
    statements = [s for s in policy["Statement"] if s["Principal"] == {"Service": "apigateway.amazonaws.com"}]
    assert len(statements) == 1
    assert statements[0]["Condition"]["ArnLike"]["AWS:SourceArn"] == \
        f"arn:aws:execute-api:eu-west-1:123456789012:{found['id']}/*/*"


def test_stage_cache_and_method_settings(api_project, api, apigw, apis_named, edit_config):
    edit_config({"api": {"cacheClusterEnabled": True, "methodSettings": {
        "/hello/GET": {"cachingEnabled": False, "loggingLevel": "INFO", "throttlingRateLimit": 50}}}})
    assert api("deploy").exit_code == 0
    [found] = apis_named(NAME)
    stage = apigw.get_stage(restApiId=found["id"], stageName="dev")
    assert stage["cacheClusterEnabled"] is True and stage["cacheClusterSize"] == "0.5"
    settings = stage["methodSettings"]["~1hello/GET"]
    assert (settings["cachingEnabled"], settings["loggingLevel"], settings["throttlingRateLimit"]) == (False, "INFO", 50)
    edit_config({"api": {"cacheClusterEnabled": False}})
    assert api("deploy").exit_code == 0  # applied on every deploy, not only the first
    assert apigw.get_stage(restApiId=found["id"], stageName="dev")["cacheClusterEnabled"] is False


def test_api_key_through_usage_plan(api_project, api, apigw, apis_named, edit_config):
    key = apigw.create_api_key(name="fink-test-key", enabled=True)["id"]
    edit_config({"api": {"apiKey": key}})
    assert api("deploy").exit_code == 0
    second = api("deploy")
    assert second.exit_code == 0 and "usage plan" not in second.stderr
    [found] = apis_named(NAME)
    plans = [p for p in apigw.get_usage_plans()["items"] if p["name"] == f"{NAME}-dev"]
    assert len(plans) == 1
    assert plans[0]["apiStages"] == [{"apiId": found["id"], "stage": "dev"}]
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plans[0]["id"])["items"]] == [key]


def test_unknown_api_key_is_a_config_error(api_project, api, edit_config):
    edit_config({"api": {"apiKey": "nosuchkey"}})
    result = api("deploy")
    assert result.exit_code == 3
    assert "API key nosuchkey (api.apiKey) does not exist" in result.stderr


def test_unknown_reference_is_named_before_anything_changes(api_project, api, apis_named):
    Path("swagger.yaml").write_text(Path("swagger.yaml").read_text()
                                    .replace("{{ lambda.hello }}", "{{ lambda.goodbye }}", 1)
                                    .replace("{{ api.name }}", "{{ apiName }}"))
    result = api("deploy")
    assert result.exit_code == 3
    assert "refers to values fink cannot fill: {{ apiName }}, {{ lambda.goodbye }}" in result.stderr
    assert apis_named(NAME) == []


def test_missing_alias_names_the_function(api_project, api, edit_config):
    edit_config({"lambda": {"entries": [{"name": "fink-test-hello", "alias": "NOPE", "swaggerRef": "hello"}]}})
    result = api("deploy")
    assert result.exit_code == 1
    assert "Reading alias NOPE of Lambda function fink-test-hello failed" in result.stderr


def test_two_apis_with_the_same_name(api_project, api, apigw):
    ids = sorted(apigw.create_rest_api(name=NAME)["id"] for _ in range(2))
    result = api("deploy")
    assert result.exit_code == 1
    assert f"There are 2 REST APIs named '{NAME}': {ids[0]}, {ids[1]}." in result.stderr


def test_find_by_name_over_all_pages(api_project, api, apigw, apis_named):
    for i in range(30):  # more than one page of get_rest_apis (25)
        apigw.create_rest_api(name=f"other-{i:02d}")
    assert api("deploy").exit_code == 0
    first = apis_named(NAME)[0]["id"]
    assert api("deploy").exit_code == 0
    assert [a["id"] for a in apis_named(NAME)] == [first]


def test_missing_swagger_file(api_project, api):
    Path("swagger.yaml").unlink()
    result = api("deploy")
    assert result.exit_code == 3 and "No swagger.yaml in" in result.stderr


def test_new_api_without_host_reference_is_imported(api_project, api, apigw, apis_named):
    text = Path("swagger.yaml").read_text()
    Path("swagger.yaml").write_text(text.replace('servers:\n  - url: "https://{{ api.host }}/{{ api.basePath }}"\n', ""))
    result = api("deploy")
    assert result.exit_code == 0, result.stderr
    assert f"Creating REST API {NAME} from swagger.yaml" in result.stderr
    [found] = apis_named(NAME)
    assert found["description"] == "fink test API: says hello"
    assert sorted(_paths(apigw, found["id"])) == ["/", "/hello", "/pets"]


def test_unknown_api_key_is_found_before_anything_changes(api_project, api, apis_named, edit_config):
    assert api("deploy").exit_code == 0
    [before] = apis_named(NAME)
    apigw = boto3.client("apigateway")
    deployments = apigw.get_deployments(restApiId=before["id"])["items"]
    edit_config({"api": {"apiKey": "nosuchkey"}})
    Path("swagger.yaml").write_text(Path("swagger.yaml").read_text().replace("/hello", "/hello2"))
    result = api("deploy")
    assert result.exit_code == 3, result.output
    assert "API key nosuchkey (api.apiKey) does not exist" in result.stderr
    assert "The command stopped after changing" not in result.stderr
    assert apigw.get_deployments(restApiId=before["id"])["items"] == deployments
    assert "/hello2" not in _paths(apigw, before["id"])


def test_a_new_api_whose_definition_is_refused_is_not_left_behind(api_project, api, apis_named, monkeypatch):
    # the host reference makes fink create the API empty first; the overwrite that follows is refused
    text = Path("swagger.yaml").read_text()
    Path("swagger.yaml").write_text(text.replace("info:", "x-host: \"{{ api.host }}\"\ninfo:", 1))
    from fink.errors import AWSError

    def refused(self, api_id, body):
        raise AWSError("Updating REST API failed: Invalid swagger (BadRequestException)")
    monkeypatch.setattr("fink_api.apigateway.ApiGateway.overwrite_api", refused)
    result = api("deploy")
    assert result.exit_code == 1, result.output
    assert "Deleted the empty REST API" in result.stderr
    assert apis_named(NAME) == []


def test_a_failure_after_the_definition_lists_what_changed(api_project, api, apis_named, monkeypatch):
    from fink.errors import AWSError

    def refused(self, api_id, stage, ops):
        raise AWSError("Updating the settings of stage dev failed: boom (BadRequestException)")
    monkeypatch.setattr("fink_api.apigateway.ApiGateway.update_stage", refused)
    result = api("deploy")
    assert result.exit_code == 1, result.output
    [found] = apis_named(NAME)
    assert (f"The command stopped after changing: created REST API {NAME} ({found['id']}); "
            "allowing API Gateway to invoke fink-test-hello:ACTIVE; deployed to stage dev. Not done: apply the stage settings. "
            "Run `api deploy` again to finish") in result.stderr, result.stderr
