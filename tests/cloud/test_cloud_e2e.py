"""End-to-end: the real `cloud` commands against moto, each result checked with independent botocore calls."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import boto3
import pytest

from fink.awsclient import AWSClient
from fink_testtools.golden import assert_golden
from fink_testtools.programs import requires_program

STACK = "fink-test-simple"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True)
def _env_dev(monkeypatch):
    monkeypatch.setenv("ENV", "dev")


def _cfn():
    return boto3.client("cloudformation")


def _set_params(folder: Path, **params):
    path = folder / "fink_dev.json"
    config = json.loads(path.read_text())
    config["cloud"]["parameters"].update(params)
    path.write_text(json.dumps(config))


def _deploy(run_cli, fake_clock, *args, **kwargs):
    result = run_cli("cloud", "deploy", *args, clock=fake_clock, **kwargs)
    assert result.exit_code == 0, result.output
    return result


def test_deploy_creates_stack_with_outputs_for_hooks(aws, project, run_cli, fake_clock):
    project("cloud_simple")
    result = _deploy(run_cli, fake_clock)
    stack = _cfn().describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Prefix"] == "fink-test-one"
    assert "fink-test-one-artifacts" in [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert "CREATE_COMPLETE" in result.stderr and "Stack 'fink-test-simple' is CREATE_COMPLETE." in result.stderr
    assert "BucketName  fink-test-one-artifacts" in result.stdout
    # the command_finalized hook in cloudformation.py saw the outputs
    assert "hook saw outputs: [('BucketArn', 'arn:aws:s3:::fink-test-one-artifacts')" in result.stderr
    # the default stack policy is in place
    policy = json.loads(_cfn().get_stack_policy(StackName=STACK)["StackPolicyBody"])
    assert policy["Statement"][1] == {"Effect": "Deny", "Action": ["Update:Replace", "Update:Delete"],
                                      "Principal": "*", "Resource": "*"}


def test_no_change_deploy_is_cheap_and_leaves_nothing(aws, project, run_cli, fake_clock):
    project("cloud_simple")
    _deploy(run_cli, fake_clock)
    awsclient = AWSClient()
    result = _deploy(run_cli, fake_clock, awsclient=awsclient)
    assert "No changes: stack 'fink-test-simple' is up to date." in result.stderr
    assert awsclient.total_calls <= 5, awsclient.call_counts
    assert awsclient.call_counts["cloudformation.ExecuteChangeSet"] == 0
    assert _cfn().list_change_sets(StackName=STACK)["Summaries"] == []
    assert "BucketName  fink-test-one-artifacts" in result.stdout  # outputs are shown and handed to hooks
    assert "hook saw outputs: [('BucketArn'" in result.stderr


def test_update_with_changed_parameters(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    _deploy(run_cli, fake_clock)
    _set_params(folder, Prefix="fink-test-two", Retention=14)
    result = _deploy(run_cli, fake_clock, "--override-stack-policy")
    assert "Prefix     fink-test-one  fink-test-two" in result.stderr
    assert "Retention  7              14" in result.stderr
    assert "Zones" not in result.stderr  # a list in the config equals the comma-joined value deployed
    stack = _cfn().describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Retention"] == "14"
    assert "every update action allowed" in result.stderr
    # after the update the normal policy is back (the override held for that update only)
    policy = json.loads(_cfn().get_stack_policy(StackName=STACK)["StackPolicyBody"])
    assert [s["Effect"] for s in policy["Statement"]] == ["Allow", "Deny"]
    # AWS drops executed change sets; moto keeps them as EXECUTE_COMPLETE: nothing else may be left
    leftovers = _cfn().list_change_sets(StackName=STACK)["Summaries"]
    assert [c["ExecutionStatus"] for c in leftovers] == ["EXECUTE_COMPLETE"]


def test_parameters_are_checked_before_anything_is_sent(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    config = json.loads((folder / "fink_dev.json").read_text())
    del config["cloud"]["parameters"]["Prefix"]
    config["cloud"]["parameters"]["Prefx"] = "typo"
    (folder / "fink_dev.json").write_text(json.dumps(config))
    awsclient = AWSClient()
    result = run_cli("cloud", "deploy", clock=fake_clock, awsclient=awsclient)
    assert result.exit_code == 3
    assert "missing in cloud.parameters (no default in the template): Prefix" in result.stderr
    assert "not parameters of the template: Prefx" in result.stderr
    assert not [op for op in awsclient.call_counts if op.startswith("cloudformation.")]


def test_preview_of_a_new_stack_leaves_nothing_behind(aws, project, run_cli, fake_clock):
    project("cloud_simple")
    result = run_cli("cloud", "preview", clock=fake_clock)
    assert result.exit_code == 0, result.output
    assert "Stack 'fink-test-simple' (new stack):" in result.stdout
    assert "Add     ArtifactBucket  AWS::S3::Bucket  -" in result.stdout
    names = [s["StackName"] for s in _cfn().list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert STACK not in names


def test_preview_of_an_existing_stack_json(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    _deploy(run_cli, fake_clock)
    _set_params(folder, Prefix="fink-test-three")
    result = run_cli("cloud", "preview", "--json", clock=fake_clock)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ChangeSetType"] == "UPDATE"
    assert data["ParameterChanges"] == [{"ParameterKey": "Prefix", "OldValue": "fink-test-one",
                                         "NewValue": "fink-test-three"}]
    assert _cfn().list_change_sets(StackName=STACK)["Summaries"] == []
    stack = _cfn().describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"  # nothing was executed


def test_list_shows_all_live_stacks(aws, project, run_cli, fake_clock):
    project("cloud_simple")
    _deploy(run_cli, fake_clock)
    cfn = _cfn()
    for i in range(3):
        cfn.create_stack(StackName=f"other-{i}", TemplateBody=json.dumps(
            {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}))
    cfn.delete_stack(StackName="other-2")
    result = run_cli("cloud", "list", "--json", clock=fake_clock)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["StackName"] for r in rows] == ["fink-test-simple", "other-0", "other-1"]
    assert rows[0]["StackStatus"] == "CREATE_COMPLETE"
    table = run_cli("cloud", "list", clock=fake_clock)
    assert table.stdout.splitlines()[0].split() == ["Stack", "Status", "Last", "change", "(UTC)"]
    assert "other-1" in table.stdout and "other-2" not in table.stdout


def test_list_needs_no_config(aws, temp_folder, run_cli, fake_clock):
    _cfn().create_stack(StackName="lonely", TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}))
    result = run_cli("cloud", "list", env={"ENV": None}, clock=fake_clock)
    assert result.exit_code == 0, result.output
    assert "lonely" in result.stdout


def test_delete_with_force(aws, project, run_cli, fake_clock):
    project("cloud_simple")
    _deploy(run_cli, fake_clock)
    refused = run_cli("cloud", "delete", clock=fake_clock)
    assert refused.exit_code == 2  # -f is required by the usage
    assert _cfn().describe_stacks(StackName=STACK)["Stacks"]
    result = run_cli("cloud", "delete", "-f", clock=fake_clock)
    assert result.exit_code == 0, result.output
    assert "DELETE_COMPLETE" in result.stderr and "Stack 'fink-test-simple' deleted." in result.stderr
    live = [s["StackName"] for s in _cfn().list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert live == []
    again = run_cli("cloud", "delete", "-f", clock=fake_clock)
    assert again.exit_code == 0 and "does not exist; nothing to delete" in again.stderr


def test_generate_writes_the_template(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    result = run_cli("cloud", "generate", clock=fake_clock)
    assert result.exit_code == 0, result.output
    path = folder / "fink-test-simple-generated-cf-template.json"
    assert result.stdout.strip() == str(path)
    template = json.loads(path.read_text())
    assert sorted(template["Resources"]) == ["ArtifactBucket", "EventTopic"]
    assert template["Parameters"]["Prefix"] == {"Type": "String"}


def test_dot_draws_the_same_svg_on_any_machine_without_system_graphviz(aws, project, run_cli, fake_clock,
                                                                       tmp_path_factory):
    """graphviz-pure (a dependency of fink-cloud) draws the picture: no `dot` on PATH is needed, and its output is
    the same bytes on every platform, so the SVG is a golden file."""
    folder = project("cloud_simple")
    empty = tmp_path_factory.mktemp("nobin")
    result = run_cli("cloud", "dot", env={"ENV": "dev", "PATH": str(empty)}, clock=fake_clock)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(folder / "cloudformation.svg")
    assert_golden(GOLDEN / "cloud_simple.dot", (folder / "cloudformation.dot").read_text())
    assert_golden(GOLDEN / "cloud_simple.svg", (folder / "cloudformation.svg").read_text())


def test_dot_with_system_dot_missing_says_what_to_install(aws, project, run_cli, fake_clock, tmp_path_factory):
    folder = project("cloud_simple")
    empty = tmp_path_factory.mktemp("nobin")
    result = run_cli("cloud", "dot", "--system-dot", env={"ENV": "dev", "PATH": str(empty)}, clock=fake_clock)
    assert result.exit_code == 1
    assert "--system-dot: the graphviz program `dot` was not found on PATH" in result.stderr
    assert "Install graphviz" in result.stderr and "Traceback" not in result.output
    assert (folder / "cloudformation.dot").exists() and not (folder / "cloudformation.svg").exists()


@requires_program("dot", "for --system-dot (the default renderer graphviz-pure is tested above)")
def test_dot_with_system_dot_uses_it(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    result = run_cli("cloud", "dot", "--system-dot", clock=fake_clock)
    assert result.exit_code == 0, result.output
    svg = (folder / "cloudformation.svg").read_text()
    assert "ArtifactBucket" in svg and "graphviz-pure" not in svg


def test_missing_stack_section_is_a_config_error(aws, temp_folder, run_cli, fake_clock):
    (temp_folder / "fink_dev.json").write_text(json.dumps({"cloud": {"parameters": {}}}))
    result = run_cli("cloud", "deploy", clock=fake_clock)
    assert result.exit_code == 3
    assert "cloud: 'stack' is a required property" in result.stderr


@pytest.mark.parametrize("body, message", [
    ("def generate_template(a):\n    return '{}'\n", "generate_template in cloudformation.py takes 1 argument(s)"),
    ("def generate_template():\n    return 42\n", "generate_template() returned a int"),
    ("def generate_template(:\n", "cloudformation.py, line 1"),
])
def test_broken_templates_are_clear_errors(aws, temp_folder, run_cli, fake_clock, body, message):
    (temp_folder / "fink_dev.json").write_text(json.dumps({"cloud": {"stack": {"StackName": "x"}}}))
    (temp_folder / "cloudformation.py").write_text(body)
    result = run_cli("cloud", "generate", clock=fake_clock)
    assert result.exit_code == 3, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_template_as_dict_with_context_and_config_and_artifact_bucket(aws, temp_folder, run_cli, fake_clock):
    boto3.client("s3").create_bucket(Bucket="fink-artifacts",
                                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    (temp_folder / "fink_dev.json").write_text(json.dumps({"cloud": {
        "stack": {"StackName": "big-one", "artifactBucket": "fink-artifacts"}}}))
    (temp_folder / "cloudformation.py").write_text(
        "def generate_template(context, config):\n"
        "    topics = {f'Topic{i}': {'Type': 'AWS::SNS::Topic', 'Properties': {'DisplayName': 'x' * 200}}\n"
        "              for i in range(300)}\n"
        "    topics['Topic0']['Properties']['TopicName'] = config['stack']['StackName'] + '-' + context['env']\n"
        "    return {'Resources': topics}\n")
    result = _deploy(run_cli, fake_clock)
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="fink-artifacts")["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("cloud/eu-west-1/big-one/")
    topics = [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]]
    assert "arn:aws:sns:eu-west-1:123456789012:big-one-dev" in topics
    assert "CREATE_COMPLETE" in result.stderr


def test_big_template_without_bucket_is_refused(aws, temp_folder, run_cli, fake_clock):
    (temp_folder / "fink_dev.json").write_text(json.dumps({"cloud": {"stack": {"StackName": "big-one"}}}))
    (temp_folder / "cloudformation.py").write_text(
        "def generate_template():\n"
        "    return {'Resources': {f'T{i}': {'Type': 'AWS::SNS::Topic', 'Properties': {'DisplayName': 'x' * 200}}\n"
        "                          for i in range(300)}}\n")
    result = run_cli("cloud", "deploy", clock=fake_clock)
    assert result.exit_code == 3
    assert "more than CloudFormation accepts inline (51200)" in result.stderr
    assert "Set cloud.stack.artifactBucket" in result.stderr


def test_notification_arns_and_custom_policy(aws, project, run_cli, fake_clock):
    folder = project("cloud_simple")
    topic = boto3.client("sns").create_topic(Name="stack-events")["TopicArn"]
    config = json.loads((folder / "fink_dev.json").read_text())
    config["cloud"]["stack"]["NotificationARNs"] = [topic]
    (folder / "fink_dev.json").write_text(json.dumps(config))
    with open(folder / "cloudformation.py", "a") as fh:
        fh.write("\n\ndef get_stack_policy():\n    return {'Statement': [{'Effect': 'Allow', 'Action': 'Update:*',"
                 " 'Principal': '*', 'Resource': '*'}]}\n")
    _deploy(run_cli, fake_clock)
    stack = _cfn().describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["NotificationARNs"] == [topic]
    policy = json.loads(_cfn().get_stack_policy(StackName=STACK)["StackPolicyBody"])
    assert policy["Statement"] == [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]


def test_example_infrastructure_provides_the_contract_outputs(aws, temp_folder, run_cli, fake_clock, request):
    shutil.copytree(Path(str(request.config.rootpath)) / "examples" / "infrastructure", temp_folder,
                    dirs_exist_ok=True)
    _deploy(run_cli, fake_clock)
    stack = _cfn().describe_stacks(StackName="fink-example-infra")["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    role = boto3.client("iam").get_role(RoleName=outputs["LambdaRoleArn"].rsplit("/", 1)[1])["Role"]
    assert role["Arn"] == outputs["LambdaRoleArn"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": ["lambda.amazonaws.com"]}
    boto3.client("s3").head_bucket(Bucket=outputs["ArtifactBucket"])
    assert outputs["EventTopicArn"] in [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]]
    unchanged = _deploy(run_cli, fake_clock)
    assert "No changes" in unchanged.stderr
