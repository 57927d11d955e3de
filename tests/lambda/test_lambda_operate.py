"""rollback, ping, invoke, delete, list, info and metrics end-to-end against moto."""
import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest

NAME = "fink-test-function"


@pytest.fixture
def deployed(aws, role, project, bundler, run_cli, fake_clock):
    project("lambda_python")
    aws.queue_lambda_results(["alive"])
    assert run_cli("lambda", "deploy", env={"ENV": "dev"}, clock=fake_clock).exit_code == 0
    return bundler


def cli(run_cli, fake_clock, *args, env=None):
    return run_cli("lambda", *args, env=env or {"ENV": "dev"}, clock=fake_clock)


def active():
    return boto3.client("lambda").get_alias(FunctionName=NAME, Name="ACTIVE")["FunctionVersion"]


def test_rollback_to_previous_and_to_given_version(deployed, aws, run_cli, fake_clock):
    for n in range(2):
        deployed.files["handler.py"] += f"# change {n}\n"
        aws.queue_lambda_results(["alive"])
        assert cli(run_cli, fake_clock, "deploy").exit_code == 0
    assert active() == "3"
    result = cli(run_cli, fake_clock, "rollback", NAME, env={"ENV": None})
    assert result.exit_code == 0 and "ACTIVE 3 -> version 2" in result.stderr
    assert active() == "2"
    assert cli(run_cli, fake_clock, "rollback", NAME, "3").exit_code == 0
    assert active() == "3"
    missing = cli(run_cli, fake_clock, "rollback", NAME, "9")
    assert missing.exit_code == 2 and "Published versions: 1, 2, 3" in missing.stderr


def test_rollback_without_older_version_fails(deployed, run_cli, fake_clock):
    result = cli(run_cli, fake_clock, "rollback", NAME)
    assert result.exit_code == 1 and "no version before 1" in result.stderr
    assert active() == "1"


def test_ping_alive_and_not_alive(deployed, aws, run_cli, fake_clock):
    aws.queue_lambda_results(["alive"])
    ok = cli(run_cli, fake_clock, "ping", NAME)
    assert ok.exit_code == 0 and f"'{NAME}:ACTIVE' is alive" in ok.stderr
    aws.queue_lambda_results(["sleeping"])
    bad = cli(run_cli, fake_clock, "ping", NAME, "1")
    assert bad.exit_code == 1 and "did not answer the ping" in bad.stderr and "sleeping" in bad.stderr


def test_invoke_prints_or_writes_the_answer_and_reads_file_payloads(deployed, aws, run_cli, fake_clock, temp_folder):
    aws.queue_lambda_results(['{"answer": 42}'])
    result = cli(run_cli, fake_clock, "invoke", NAME, '--payload={"question": "?"}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"answer": 42}
    (temp_folder / "input.json").write_text('{"from": "file"}')
    # docker-less moto echoes the payload when no answer is queued: proof that the file's content was sent
    result = cli(run_cli, fake_clock, "invoke", NAME, "--payload=file://input.json", "--outfile=out.json")
    assert result.exit_code == 0, result.output
    assert json.loads((temp_folder / "out.json").read_text()) == {"from": "file"}


def test_invoke_defaults_to_active_like_ping(deployed, aws, run_cli, fake_clock):
    """$LATEST may hold code no ping tested: invoke without a version runs ACTIVE, the version ping checks."""
    calls = []
    client = boto3.client("lambda")

    def record(params, **_):
        calls.append(params.get("Qualifier"))
    from fink.awsclient import AWSClient
    awsclient = AWSClient()
    awsclient.get_client("lambda").meta.events.register("provide-client-params.lambda.Invoke", record)
    result = run_cli("lambda", "invoke", NAME, "--payload={}", env={"ENV": "dev"}, clock=fake_clock,
                     awsclient=awsclient)
    assert result.exit_code == 0, result.output
    assert calls == ["ACTIVE"]
    client.delete_alias(FunctionName=NAME, Name="ACTIVE")
    missing = cli(run_cli, fake_clock, "invoke", NAME, "--payload={}")
    assert missing.exit_code == 1 and "has no ACTIVE alias" in missing.stderr and "$LATEST" in missing.stderr


def test_metrics_of_a_missing_function_is_an_error(aws, run_cli, fake_clock):
    result = run_cli("lambda", "metrics", "no-such-function", clock=fake_clock)
    assert result.exit_code == 1 and "Function 'no-such-function' does not exist" in result.stderr
    assert result.stdout == ""


def test_invoke_with_missing_payload_file_is_a_usage_error(deployed, run_cli, fake_clock):
    result = cli(run_cli, fake_clock, "invoke", NAME, "--payload=file://nope.json")
    assert result.exit_code == 2 and "nope.json not found" in result.stderr


def test_delete_with_logs_removes_function_and_log_group(deployed, run_cli, fake_clock):
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=f"/aws/lambda/{NAME}")
    result = cli(run_cli, fake_clock, "delete", "-f", NAME, "--delete-logs", env={"ENV": None})
    assert result.exit_code == 0, result.output
    assert NAME not in [f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]]
    assert logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{NAME}")["logGroups"] == []


def test_delete_unwires_the_configured_events_first(deployed, run_cli, fake_clock, edit_config):
    edit_config(lambda d: d["lambda"]["lambda"].update(
        events=[{"event_source": {"name": "fink-tick", "schedule": "rate(5 minutes)"}}]))
    assert cli(run_cli, fake_clock, "wire").exit_code == 0
    result = cli(run_cli, fake_clock, "delete", "-f", NAME)
    assert result.exit_code == 0, result.output
    assert "fink-tick" not in [r["Name"] for r in boto3.client("events").list_rules()["Rules"]]


def test_delete_of_a_missing_function_fails(aws, run_cli, fake_clock, temp_folder):
    result = cli(run_cli, fake_clock, "delete", "-f", "nope", env={"ENV": None})
    assert result.exit_code == 1 and "'nope' does not exist" in result.stderr


def test_list_shows_all_pages_with_active_version(deployed, role, run_cli, fake_clock):
    lam = boto3.client("lambda")
    code = open("bundle.zip", "rb").read()
    for n in range(55):  # list_functions pages hold 50
        lam.create_function(FunctionName=f"other-{n:02d}", Runtime="python3.12", Role=role, Handler="h.h",
                            Code={"ZipFile": code})
    result = cli(run_cli, fake_clock, "list", "--json", env={"ENV": None})
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 56
    ours = [r for r in rows if r["name"] == NAME][0]
    assert ours["active_version"] == "1" and ours["memory"] == 128 and ours["timeout"] == 30
    text = cli(run_cli, fake_clock, "list", env={"ENV": None}).stdout
    assert text.splitlines()[0].split() == ["Name", "Memory", "Timeout", "Role", "Active", "version", "Last",
                                            "modified", "CodeSha256"]
    assert any(line.startswith(NAME) and "  1  " in line for line in text.splitlines())


def test_info_shows_alias_versions_policy_and_events(deployed, run_cli, fake_clock, edit_config):
    edit_config(lambda d: d["lambda"]["lambda"].update(
        events=[{"event_source": {"name": "fink-tick", "schedule": "rate(5 minutes)"}},
                {"event_source": {"name": "fink-tock", "schedule": "rate(7 minutes)"}}]))
    edit_config(lambda d: d["lambda"]["lambda"]["events"].pop())
    assert cli(run_cli, fake_clock, "wire").exit_code == 0
    edit_config(lambda d: d["lambda"]["lambda"]["events"].append(
        {"event_source": {"name": "fink-tock", "schedule": "rate(7 minutes)"}}))
    result = cli(run_cli, fake_clock, "info")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"function:   {NAME}" in lines and "ACTIVE:     version 1" in lines and "versions:   1" in lines
    assert any("events.amazonaws.com from arn:aws:events:eu-west-1:123456789012:rule/fink-tick" in l for l in lines)
    assert "  rule fink-tick: wired" in lines and "  rule fink-tock: not wired" in lines


def test_metrics_sum_the_last_day(deployed, run_cli):
    from fink.clock import FakeClock
    now = datetime.now(timezone.utc).replace(microsecond=0)
    cloudwatch = boto3.client("cloudwatch")
    for metric, value, age in (("Invocations", 7, 1), ("Invocations", 5, 3), ("Errors", 2, 2),
                               ("Invocations", 100, 30), ("Duration", 1234.5, 1)):
        cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[{
            "MetricName": metric, "Dimensions": [{"Name": "FunctionName", "Value": NAME}],
            "Timestamp": now - timedelta(hours=age), "Value": value}])
    result = run_cli("lambda", "metrics", NAME, clock=FakeClock(now))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [NAME, "    Duration 1234 ms", "    Errors 2", "    Invocations 12",
                                          "    Throttles 0"]
