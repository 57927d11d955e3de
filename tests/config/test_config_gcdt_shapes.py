"""gcdt's config shapes: converted with a warning that names the new shape, or refused with the replacement;
gcdt's config files (gcdt_<env>.*, HOCON *.conf) are named, never silently ignored."""
from __future__ import annotations

import json

import pytest

from fink.errors import ConfigError
from fink.legacy_config import convert_old_shapes, events_from_gcdt_dict


def test_cloudformation_section_is_split_like_gcdt_did():
    config = {"cloud": {"cloudformation": {"StackName": "my-stack", "RoleARN": "arn:aws:iam::1:role/x",
                                           "InstanceType": "t2.micro"}}}
    warnings = convert_old_shapes(config)
    assert config == {"cloud": {"stack": {"StackName": "my-stack", "RoleARN": "arn:aws:iam::1:role/x"},
                                "parameters": {"InstanceType": "t2.micro"}}}
    assert warnings == ['cloud.cloudformation is gcdt\'s deprecated shape: read as {"parameters": {"InstanceType": '
                        '"t2.micro"}, "stack": {"RoleARN": "arn:aws:iam::1:role/x", "StackName": "my-stack"}}. '
                        'Write the cloud section like that (`fink migrate-gcdt` does it).']
    only_stack = {"cloud": {"cloudformation": {"StackName": "s"}}}
    convert_old_shapes(only_stack)
    assert only_stack == {"cloud": {"stack": {"StackName": "s"}}}
    new_shape = {"cloud": {"stack": {"StackName": "s"}, "parameters": {"A": 1}}}
    assert convert_old_shapes(new_shape) == [] and new_shape == {"cloud": {"stack": {"StackName": "s"},
                                                                          "parameters": {"A": 1}}}
    with pytest.raises(ConfigError, match="both the old 'cloudformation' section and 'stack'"):
        convert_old_shapes({"cloud": {"cloudformation": {"StackName": "a"}, "stack": {"StackName": "b"}}})


def test_tool_and_plugin_names_of_gcdt_and_of_the_guide_are_read_with_a_warning():
    config = {"kumo": {"stack": {"StackName": "s"}},
              "plugins": {"fink.slack_integration": {"channel": "#ops"}, "gcdt_lookups": {}, "other.thing": {}}}
    warnings = convert_old_shapes(config, ["fink_slack_integration", "fink_lookups"])
    assert config == {"cloud": {"stack": {"StackName": "s"}},
                      "plugins": {"fink_slack_integration": {"channel": "#ops"}, "fink_lookups": {},
                                  "other.thing": {}}}
    assert len(warnings) == 3 and "plugins.'fink.slack_integration' is read as plugins.fink_slack_integration" \
        in warnings[1]
    ignores = {"gcdtignore": ["*.log"], "finkignore": ["tests/"]}
    assert "'gcdtignore' is gcdt's name of 'finkignore'" in convert_old_shapes(ignores)[0]
    assert ignores == {"finkignore": ["tests/", "*.log"]}
    with pytest.raises(ConfigError, match="both 'kumo' .* and 'cloud'"):
        convert_old_shapes({"kumo": {}, "cloud": {}})


def test_old_event_dict_is_refused_with_the_list_to_write():
    events = {"s3Sources": [{"bucket": "b", "type": "s3:ObjectCreated:*", "suffix": ".gz"},
                            {"bucket": "gone", "type": "s3:ObjectCreated:*", "ensure": "absent"}],
              "timeSchedules": [{"ruleName": "tick", "ruleDescription": "every 5", "scheduleExpression":
                                 "rate(5 minutes)", "ensure": "exists"}]}
    converted, left_out = events_from_gcdt_dict(events)
    assert converted == [{"event_source": {"arn": "arn:aws:s3:::b", "events": ["s3:ObjectCreated:*"],
                                           "suffix": ".gz"}},
                         {"event_source": {"name": "tick", "schedule": "rate(5 minutes)", "description": "every 5"}}]
    assert left_out == ["s3 bucket gone"]
    config = {"lambda": {"lambda": {"events": events}}}
    with pytest.raises(ConfigError) as info:
        convert_old_shapes(config, tool="lambda")
    assert "gcdt's old format (s3Sources/timeSchedules)" in info.value.message
    assert json.dumps(converted) in info.value.hint and "ensure: absent (s3 bucket gone)" in info.value.hint
    warnings = convert_old_shapes({"lambda": {"lambda": {"events": events}}}, tool="cloud")
    assert "gcdt's old format" in warnings[0]  # another tool's section does not stop e.g. cloud deploy
    empty = {"lambda": {"lambda": {"events": {}}}}  # common in gcdt configs: no sources at all
    assert "is read as the empty list" in convert_old_shapes(empty, tool="lambda")[0]
    assert empty == {"lambda": {"lambda": {"events": []}}}


@pytest.fixture
def folder(temp_folder, monkeypatch):
    monkeypatch.setenv("ENV", "dev")
    return temp_folder


def test_old_shapes_reach_the_tools_converted(folder, run_cli):
    (folder / "fink_dev.json").write_text(json.dumps({
        "cloud": {"cloudformation": {"StackName": "old-style", "InstanceType": "t3.micro"}},
        "plugins": {"fink.slack_integration": {"channel": "#deploys"}}}))
    result = run_cli("fink", "config")
    assert result.exit_code == 0, result.output
    config = json.loads(result.stdout)
    assert config["cloud"]["stack"]["StackName"] == "old-style"
    assert config["cloud"]["parameters"] == {"InstanceType": "t3.micro"}
    assert config["plugins"]["fink_slack_integration"]["channel"] == "#deploys"
    assert "WARNING: cloud.cloudformation is gcdt's deprecated shape" in result.stderr
    assert "plugins.fink_slack_integration, the plugin's section name" in result.stderr


def test_lambda_with_old_events_stops_before_anything(folder, run_cli):
    (folder / "fink_dev.json").write_text(json.dumps({"lambda": {"lambda": {
        "name": "f", "events": {"timeSchedules": [{"ruleName": "r", "scheduleExpression": "rate(1 minute)"}]}}}}))
    result = run_cli("lambda", "deploy")
    assert result.exit_code == 3, result.output
    assert 'Write it as a list: "events": [{"event_source": {"name": "r", "schedule": "rate(1 minute)"}}]' \
        in result.stderr


def test_gcdt_config_files_are_named_not_ignored(folder, run_cli):
    (folder / "gcdt_dev.json").write_text(json.dumps({"kumo": {"stack": {"StackName": "s"}}}))
    (folder / "lambda_dev.conf").write_text("lambda { name = f }\n")
    (folder / ".gcdtignore").write_text("*.log\n")
    result = run_cli("cloud", "generate")
    assert result.exit_code == 3
    assert "gcdt_dev.json is gcdt's config file and is not read: rename it to fink_dev.json" in result.stderr
    assert "lambda_dev.conf: HOCON config files (gcdt 0.1) are not read by fink" in result.stderr
    assert ".gcdtignore is gcdt's ignore file and is not read: rename it to .finkignore." in result.stderr
    assert "Configuration missing for 'cloud'" in result.stderr
