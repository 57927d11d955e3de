"""Unit tests of the pure parts: swagger filling, stage patch operations, permission and DNS planning, schema."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fink.config import fill_defaults, load_schema, validation_errors
from fink.errors import ConfigError
from fink_api import plan as p
from fink_api import swagger
from fink_api.cli import TOOL

SAMPLE = Path(__file__).parents[1] / "resources" / "api_sample"
ALIAS = "arn:aws:lambda:eu-west-1:123456789012:function:fink-test-hello:ACTIVE"


def _sample_config() -> dict:
    return json.loads((SAMPLE / "fink_dev.json").read_text())["api"]


def test_openapi3_filled_without_custom_domain(golden):
    doc = swagger.load_definition((SAMPLE / "swagger.yaml").read_text())
    values = swagger.fill_values(_sample_config()["api"], None, "abc123.execute-api.eu-west-1.amazonaws.com",
                                 {"hello": swagger.lambda_uri("eu-west-1", ALIAS)})
    golden("openapi3_filled.json", swagger.dump(swagger.fill(doc, values)))


def test_openapi3_filled_with_custom_domain(golden):
    doc = swagger.load_definition((SAMPLE / "swagger.yaml").read_text())
    domain = {"domainName": "api.example.com", "basePath": ""}
    values = swagger.fill_values(_sample_config()["api"], domain, None, {"hello": "URI"})
    filled = swagger.fill(doc, values)
    assert filled["servers"] == [{"url": "https://api.example.com/"}]
    assert filled["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"]["uri"] == "URI"


def test_placeholders_in_keys_and_text_and_non_strings_untouched():
    doc = {"a {{ api.stage }} b": ["x{{api.name}}y", 3, True, None], "n": 1.5}
    values = {"api.stage": "dev", "api.name": "n"}
    assert swagger.fill(doc, values) == {"a dev b": ["xny", 3, True, None], "n": 1.5}


def test_every_unknown_reference_is_named():
    doc = {"x": "{{ lambda.a }}", "y": ["{{ api.host }}", "{{ nonsense }}"]}
    with pytest.raises(ConfigError) as err:
        swagger.fill(doc, {"api.name": "n", "lambda.b": "u"})
    assert "{{ api.host }}, {{ lambda.a }}, {{ nonsense }}" in err.value.message
    assert "Available: api.name, lambda.b" in str(err.value)


def test_unquoted_placeholder_gets_a_hint():
    with pytest.raises(ConfigError) as err:
        swagger.load_definition("openapi: 3.0.1\ninfo:\n  title: {{ api.name }}\n")
    assert 'Quote values that start with a placeholder' in str(err.value)


@pytest.mark.parametrize("text, kind", [('swagger: "2.0"\n', "swagger"), ("openapi: 3.0.1\n", "oas30")])
def test_spec_kind(text, kind):
    assert swagger.spec_kind(swagger.load_definition(text)) == kind


def test_neither_swagger_nor_openapi():
    with pytest.raises(ConfigError, match="neither Swagger 2.0 nor OpenAPI 3"):
        swagger.load_definition("info: {}\n")


def test_method_setting_ops():
    ops = p.method_setting_ops({"/a/b/POST": {"throttlingBurstLimit": 5, "dataTraceEnabled": False},
                                "/GET": {"cachingEnabled": True}})
    assert ops == [
        {"op": "replace", "path": "/~1/GET/caching/enabled", "value": "true"},
        {"op": "replace", "path": "/~1a~1b/POST/logging/dataTrace", "value": "false"},
        {"op": "replace", "path": "/~1a~1b/POST/throttling/burstLimit", "value": "5"},
    ]


def test_stage_ops_cache_off_sends_no_size():
    assert p.stage_ops({"cacheClusterEnabled": False, "cacheClusterSize": "6.1"}) == [
        {"op": "replace", "path": "/cacheClusterEnabled", "value": "false"}]


ARN = "arn:aws:execute-api:eu-west-1:1:api/*/*"


@pytest.mark.parametrize("statement, granted", [
    ({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Principal": {"Service": "apigateway.amazonaws.com"},
      "Condition": {"ArnLike": {"AWS:SourceArn": ARN}}}, True),
    ({"Effect": "Allow", "Action": ["lambda:*"], "Principal": "apigateway.amazonaws.com",
      "Condition": {"ArnLike": {"aws:SourceArn": ARN}}}, True),
    ({"Effect": "Deny", "Action": "lambda:InvokeFunction", "Principal": {"Service": "apigateway.amazonaws.com"},
      "Condition": {"ArnLike": {"AWS:SourceArn": ARN}}}, False),
    ({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Principal": {"Service": "apigateway.amazonaws.com"},
      "Condition": {"ArnLike": {"AWS:SourceArn": ARN.replace("api", "other")}}}, False),
    ({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Principal": {"Service": "sns.amazonaws.com"},
      "Condition": {"ArnLike": {"AWS:SourceArn": ARN}}}, False),
])
def test_has_invoke_permission(statement, granted):
    assert p.has_invoke_permission({"Statement": [statement]}, ARN) is granted


def test_plan_usage_plan_adds_missing_stage_and_key_only():
    plan = {"id": "p1", "apiStages": [{"apiId": "old", "stage": "dev"}]}
    kinds = [a.kind for a in p.plan_usage_plan(plan, [], name="n", api_id="new", stage="dev", key_id="k")]
    assert kinds == ["add_plan_stage", "add_plan_key"]
    plan["apiStages"].append({"apiId": "new", "stage": "dev"})
    assert p.plan_usage_plan(plan, ["k"], name="n", api_id="new", stage="dev", key_id="k") == ()


def test_plan_base_path_and_record():
    mapped = [{"basePath": "(none)", "restApiId": "a1", "stage": "dev"}]
    assert p.plan_base_path(mapped, "d.example", "", "a1", "dev") == ()
    [action] = p.plan_base_path(mapped, "d.example", "", "a1", "prod")
    assert action.params["patch_ops"] == [{"op": "replace", "path": "/stage", "value": "prod"}]
    wanted = p.record_for("x.example", {"distributionDomainName": "d1.cloudfront.net",
                                        "distributionHostedZoneId": "Z2"})
    current = {**wanted, "AliasTarget": {**wanted["AliasTarget"], "DNSName": "d1.cloudfront.net"}}
    assert p.plan_record(current, wanted, "Z") == ()
    cname = p.record_for("x.example", {"distributionDomainName": "d1.cloudfront.net"})
    assert cname["Type"] == "CNAME" and cname["ResourceRecords"] == [{"Value": "d1.cloudfront.net"}]


def test_schema_defaults_and_non_config_commands():
    schema = load_schema(*TOOL.schema)
    defaults = fill_defaults({"api": {"name": "n", "description": "d", "targetStage": "dev"}}, schema)
    assert set(defaults["defaults"]["non_config_commands"]) == set(TOOL.non_config_commands)
    assert defaults["api"]["cacheClusterEnabled"] is False
    assert validation_errors(defaults, schema, "api") == []


def test_schema_rejects_bad_values():
    config = {"api": {"name": "n", "description": "d", "targetStage": "dev", "cacheClusterSize": "0.7",
                      "methodSettings": {"/x/GET": {"cachingEnabld": True}, "nomethod": {}}},
              "lambda": {"entries": [{"name": "f"}]}}
    errors = "\n".join(validation_errors(config, load_schema(*TOOL.schema), "api"))
    for expected in ("api.api.cacheClusterSize", "'cachingEnabld'", "'nomethod'", "'alias' is a required property"):
        assert expected in errors
