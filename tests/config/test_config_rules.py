"""Unit tests of the pure config rules: merge precedence, defaults, multi-error validation, the lookup walker."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fink.config import SectionSchema, deep_merge, fill_defaults, validate_sections, validation_errors
from fink.errors import ConfigError
from fink_lookups.lookups import strict_path
from fink_lookups.walker import MISSING, best_certificate, find_lookups, host_covered, parse_lookup, substitute

LAMBDA_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "lambda": {"type": "object", "additionalProperties": False, "required": ["name"],
                   "properties": {"name": {"type": "string"}, "memorySize": {"type": "integer", "default": 128},
                                  "timeout": {"type": "integer"}}},
        "defaults": {"type": "object", "properties": {"validate": {"type": "boolean", "default": True},
                                                      "keep": {"type": "boolean", "default": False}}},
    },
}


def test_deep_merge_override_wins_dicts_merge_lists_replace():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": "base", "c": {"keep": True}}
    override = {"a": {"y": [3]}, "b": "env"}
    assert deep_merge(base, override) == {"a": {"x": 1, "y": [3]}, "b": "env", "c": {"keep": True}}
    assert base["a"]["y"] == [1, 2]  # inputs untouched


def test_defaults_are_filled_in_and_the_users_values_win():
    filled = fill_defaults({"lambda": {"name": "f", "memorySize": 256}, "defaults": {"keep": True}}, LAMBDA_SCHEMA)
    assert filled == {"lambda": {"name": "f", "memorySize": 256},
                      "defaults": {"validate": True, "keep": True}}
    assert fill_defaults({"lambda": {"name": "f"}}, LAMBDA_SCHEMA)["lambda"]["memorySize"] == 128


def test_validation_reports_every_error_with_its_path():
    config = {"lambda": {"lambda": {"memorySize": "128", "timeout": "15", "handler": "x"}}}
    with pytest.raises(ConfigError) as info:
        validate_sections(config, [SectionSchema(("lambda",), LAMBDA_SCHEMA, "lambda")])
    message = str(info.value)
    assert "Configuration is invalid (4 errors)" in message
    assert "lambda.lambda.memorySize: '128' is not of type 'integer'" in message
    assert "lambda.lambda.timeout: '15' is not of type 'integer'" in message
    assert "lambda.lambda: 'name' is a required property" in message
    assert "lambda.lambda: unknown key 'handler' (allowed: memorySize, name, timeout)" in message
    assert info.value.exit_code == 3


def test_validation_can_be_switched_off_per_section():
    config = {"lambda": {"lambda": {"memorySize": "128"}, "defaults": {"validate": False}}}
    validate_sections(config, [SectionSchema(("lambda",), LAMBDA_SCHEMA, "lambda")])
    assert validation_errors({"lambda": {"name": "f"}}, LAMBDA_SCHEMA, "lambda") == []


def test_parse_lookup_grammar():
    assert parse_lookup("plain") is None and parse_lookup(42) is None
    stack = parse_lookup("lookup:stack:infra:Vpc:optional")
    assert (stack.kind, stack.args, stack.tolerant) == ("stack", ("infra", "Vpc"), True)
    param = parse_lookup("lookup:parameter:/a/b:CONTINUE_IF_NOT_FOUND")
    assert (param.args, param.tolerant, param.problem) == (("/a/b",), True, None)
    assert parse_lookup("lookup:acm:a.com:*.b.com:").args == ("a.com", "*.b.com")
    assert "unknown lookup type 'ssl'" in parse_lookup("lookup:ssl:x").problem
    assert parse_lookup("lookup:secret").problem == "missing name after the lookup type"


def test_walker_finds_and_substitutes_in_nested_dicts_and_lists():
    config = {"a": ["lookup:stack:s:o", {"b": "lookup:secret:x:CONTINUE_IF_NOT_FOUND"}, 3], "c": "keep"}
    assert [(p, lk.kind) for p, lk in find_lookups(config)] == [(("a", 0), "stack"), (("a", 1, "b"), "secret")]
    values = {"stack": "out", "secret": MISSING}
    result = substitute(config, lambda path, lk: values[lk.kind])
    assert result == {"a": ["out", {}, 3], "c": "keep"}
    assert config["a"][0] == "lookup:stack:s:o"  # the input is not changed
    assert substitute(["lookup:secret:x", 1], lambda p, lk: MISSING) == [1]


def test_failure_policy_strict_for_running_tool_top_level_and_plugins():
    tools = {"cloud", "lambda"}
    assert strict_path(("cloud", "x"), {"cloud"}, tools)
    assert not strict_path(("lambda", "x"), {"cloud"}, tools)
    assert strict_path(("team",), {"cloud"}, tools) and strict_path(("plugins", "p"), {"cloud"}, tools)
    assert strict_path(("lambda", "x"), None, tools)  # `fink config` without a tool prints everything


def test_acm_matching_rules():
    names = {"example.com", "*.example.com"}
    assert host_covered("api.example.com", names) and host_covered("example.com", names)
    assert not host_covered("a.b.example.com", names)  # a wildcard covers one label
    assert not host_covered("*.other.com", {"x.other.com"})
    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    cert = lambda arn, days, status="ISSUED", sans=("*.example.com",): {  # noqa: E731
        "CertificateArn": arn, "DomainName": "example.com", "SubjectAlternativeNames": list(sans),
        "Status": status, "NotAfter": now + timedelta(days=days)}
    certs = [cert("short", 10), cert("long", 90), cert("revoked", 900, "REVOKED"), cert("expired", -1),
             cert("other", 999, sans=("x.org",))]
    assert best_certificate(certs, ["a.example.com", "example.com"], now) == "long"
    assert best_certificate(certs, ["a.example.com", "x.org"], now) is None


def test_defaults_follow_refs_into_list_items():
    schema = {"type": "object", "$defs": {"event": {"type": "object", "properties": {
                  "enabled": {"type": "boolean", "default": True}}}},
              "properties": {"events": {"type": "array", "items": {"$ref": "#/$defs/event"}}}}
    assert fill_defaults({"events": [{"arn": "x"}, {"enabled": False}]}, schema) == {
        "events": [{"arn": "x", "enabled": True}, {"enabled": False}]}
