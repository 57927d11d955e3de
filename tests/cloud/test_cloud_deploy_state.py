"""The deploy state parameter (``FinkDeployState``): what fink remembers about a stack's last deploy, read with the
DescribeStacks every deploy makes. A changed template is known without reading the deployed one back; an unchanged
digest is still confirmed (someone may have updated the stack with another tool); a stack without the state (deployed
by another tool or a template at CloudFormation's 200-parameter limit) is handled by reading the template."""
from __future__ import annotations

import json

import boto3
import pytest

from fink.awsclient import AWSClient
from fink_cloud.deploy_state import (MAX_PARAMETERS, STATE_PARAMETER, add_state, deployed_state, template_digest,
                                     without_state)

STACK = "fink-test-simple"


@pytest.fixture(autouse=True)
def _env_dev(monkeypatch):
    monkeypatch.setenv("ENV", "dev")


def _deploy(run_cli, clock, *args):
    awsclient = AWSClient()
    result = run_cli("cloud", "deploy", *args, clock=clock, awsclient=awsclient)
    assert result.exit_code == 0, result.output
    return result, dict(awsclient.call_counts)


def _stack():
    return boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]


def _change_template(folder, old, new):
    path = folder / "cloudformation.py"
    path.write_text(path.read_text().replace(old, new))


def test_template_change_is_known_from_the_state_without_reading_the_template(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    _deploy(run_cli, fake_clock)
    state = deployed_state(_stack())
    assert state is not None and state["s"] == [] and len(state["t"]) == 32
    _change_template(folder, 'TopicName=Sub("${Prefix}-events")', 'TopicName=Sub("${Prefix}-news")')
    _, calls = _deploy(run_cli, fake_clock)
    assert "cloudformation.GetTemplate" not in calls and calls["cloudformation.ExecuteChangeSet"] == 1
    assert deployed_state(_stack())["t"] != state["t"]
    body = boto3.client("cloudformation").get_template(StackName=STACK)["TemplateBody"]
    body = json.loads(body) if isinstance(body, str) else body
    assert "${Prefix}-news" in json.dumps(body) and STATE_PARAMETER in body["Parameters"]
    result, calls = _deploy(run_cli, fake_clock)  # unchanged: the equal digest is confirmed by one template read
    assert "is up to date" in result.stderr
    assert calls == {"cloudformation.DescribeStacks": 1, "cloudformation.GetTemplate": 1}


def test_equal_digest_is_confirmed_so_an_update_by_another_tool_is_not_missed(aws, project, run_cli, fake_clock):
    project("cloud_simple")
    _deploy(run_cli, fake_clock)
    cfn = boto3.client("cloudformation")
    body = cfn.get_template(StackName=STACK)["TemplateBody"]
    body = json.loads(body) if isinstance(body, str) else body
    body["Resources"]["EventTopic"]["Properties"]["TopicName"] = {"Fn::Sub": "${Prefix}-by-hand"}
    cfn.update_stack(StackName=STACK, TemplateBody=json.dumps(body),  # the state parameter keeps its value
                     Parameters=[{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
                                 for p in _stack()["Parameters"]])
    result, calls = _deploy(run_cli, fake_clock)
    assert "is up to date" not in result.stderr and calls["cloudformation.ExecuteChangeSet"] == 1
    assert "${Prefix}-events" in json.dumps(cfn.get_template(StackName=STACK)["TemplateBody"])  # ours again


def test_stack_without_state_is_compared_by_its_template(aws, project, run_cli, fake_clock):
    """Deployed by another tool (or an earlier fink): no state parameter, the deployed template decides; the same
    template with fink's state parameter added counts as unchanged."""
    project("cloud_simple")
    _deploy(run_cli, fake_clock)
    cfn = boto3.client("cloudformation")
    body = cfn.get_template(StackName=STACK)["TemplateBody"]
    body = json.loads(body) if isinstance(body, str) else body
    del body["Parameters"][STATE_PARAMETER]
    params = [{"ParameterKey": k, "ParameterValue": v}
              for k, v in {"Prefix": "fink-test-one", "Retention": "7", "Zones": "a,b"}.items()]
    cfn.delete_stack(StackName=STACK)  # the same stack, created by another tool
    cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(body), Parameters=params)
    assert deployed_state(_stack()) is None
    result, calls = _deploy(run_cli, fake_clock)
    assert "is up to date" in result.stderr and calls["cloudformation.GetTemplate"] == 1


def test_state_is_left_out_of_parameter_diffs(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    _deploy(run_cli, fake_clock)
    _change_template(folder, 'TopicName=Sub("${Prefix}-events")', 'TopicName=Sub("${Prefix}-news")')
    preview = run_cli("cloud", "preview", "--json", clock=fake_clock)
    assert preview.exit_code == 0, preview.output
    assert json.loads(preview.stdout)["ParameterChanges"] == []
    assert STATE_PARAMETER not in preview.stdout + preview.stderr


def test_reserved_name_and_parameter_limit():
    from fink.errors import ConfigError
    with pytest.raises(ConfigError, match="reserves that name"):
        add_state({"Parameters": {STATE_PARAMETER: {"Type": "String"}}, "Resources": {}}, set())
    full = {"Parameters": {f"P{i}": {"Type": "String"} for i in range(MAX_PARAMETERS)}, "Resources": {}}
    assert add_state(full, set()) is None and STATE_PARAMETER not in full["Parameters"]


def test_digest_ignores_the_state_parameter_and_an_empty_parameters_section():
    plain = {"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}
    empty = {**plain, "Parameters": {}}
    entry = add_state(empty, {"Secret"})
    assert json.loads(entry["ParameterValue"]) == {"v": 1, "t": template_digest(plain), "s": ["Secret"]}
    assert without_state(empty) == plain and template_digest(empty) == template_digest(plain)
    assert deployed_state({"Parameters": [{"ParameterKey": STATE_PARAMETER, "ParameterValue": "not json"}]}) is None
