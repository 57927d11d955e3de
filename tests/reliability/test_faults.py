"""The mutating commands run twice, and under injected faults through the fault proxy in front of moto.

* Idempotency: run a second time with nothing changed, a command leaves the state exactly as the first run left
  it and makes no mutating call (counted by the AWSClient per operation). ``code deploy`` is the exception by
  design: a CodeDeploy deployment is an action on the instances (running it again is how a user re-deploys the
  same revision), so the second run creates a deployment again, but uploads nothing.
* At a 20% rate of each kind of fault (throttling, HTTP 500, dropped connection, response lost after moto did the
  work) every command succeeds and leaves exactly the state a clean run leaves: nothing created twice, nothing
  left behind.
* At 100% every command fails with one clear message, without a traceback, in a bounded number of attempts.

Retries wait on a FakeClock, so nothing sleeps. ``FINK_FAULT_REPORT=path`` writes the figures of the run
(faults injected, outcomes) as JSON; docs/reliability.md quotes them.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from fink.awsclient import AWSClient
from fink.clock import FakeClock
from fink.retrying import READ_PREFIXES
from fink_testtools.faults import KINDS, FaultRule

from .scenarios import SCENARIOS, Scenario, differences, prepared, snapshot

RATE = 0.2
SEED = 7
PING = "lambda.Invoke"  # lambda deploy's health check of the active version: it changes nothing
CLEAN: dict[str, dict] = {}  # scenario -> the state after one clean run (shared by the tests of this module)
FIGURES: Counter = Counter()


def mutating_calls(awsclient: AWSClient) -> dict[str, int]:
    return {op: n for op, n in awsclient.call_counts.items()
            if not op.split(".")[1].startswith(READ_PREFIXES) and op != PING}


def _run(scenario: Scenario, run_cli, proxy, retrying_awsclient, rules=(), seed=SEED):
    proxy.set_rules(rules, seed=seed)
    clock = FakeClock()
    awsclient = retrying_awsclient(clock, seed)
    result = run_cli(scenario.tool, *scenario.args, env={"ENV": "dev", "AWS_ENDPOINT_URL": proxy.url},
                     awsclient=awsclient, clock=clock)
    return result, awsclient, clock


def _record(rate: str, kind: str, proxy, awsclient, ok: bool) -> None:
    """Adds one run to the figures; written to ``FINK_FAULT_REPORT`` when that is set."""
    stats = awsclient.retry_stats
    FIGURES[(rate, kind, "runs")] += 1
    FIGURES[(rate, kind, "succeeded" if ok else "failed with a clear message")] += 1
    FIGURES[(rate, kind, "requests")] += sum(proxy.requests.values())
    FIGURES[(rate, kind, "faults injected")] += proxy.total_injected
    FIGURES[(rate, kind, "resent by botocore")] += sum(stats.resent.values())
    FIGURES[(rate, kind, "lost responses adopted")] += sum(stats.adopted.values())
    FIGURES[(rate, kind, "sent again after finding nothing")] += sum(stats.recreated.values())
    report = os.environ.get("FINK_FAULT_REPORT")
    if report:
        Path(report).write_text(json.dumps([list(k) + [v] for k, v in sorted(FIGURES.items())], indent=1))


def _clean_state(scenario: Scenario, aws, folder: Path, run_cli, fake_clock) -> dict:
    if scenario.name not in CLEAN:
        prepared(scenario, aws, folder, run_cli, fake_clock)
        result = run_cli(scenario.tool, *scenario.args, env={"ENV": "dev"}, clock=fake_clock)
        assert result.exit_code == 0, result.output
        CLEAN[scenario.name] = snapshot(aws.url)
    return CLEAN[scenario.name]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_second_run_changes_nothing_and_makes_no_mutating_call(scenario, aws, run_cli, fake_clock, temp_folder):
    CLEAN.pop(scenario.name, None)
    once = _clean_state(scenario, aws, temp_folder / "project", run_cli, fake_clock)
    awsclient = AWSClient()
    second = run_cli(scenario.tool, *scenario.args, env={"ENV": "dev"}, clock=fake_clock, awsclient=awsclient)
    assert second.exit_code == 0, second.output
    if scenario.tool == "code":
        assert mutating_calls(awsclient) == {"codedeploy.CreateDeployment": 1}
        assert len(snapshot(aws.url)["deployments"]["sample-app"]) == 2
        return
    assert not differences(once, snapshot(aws.url)), differences(once, snapshot(aws.url))
    assert mutating_calls(awsclient) == {}, second.output


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_succeeds_at_a_fifth_of_each_fault_with_the_state_of_a_clean_run(
        scenario, aws, fault_proxy, run_cli, fake_clock, retrying_awsclient, temp_folder):
    expected = _clean_state(scenario, aws, temp_folder / "clean", run_cli, fake_clock)
    for kind in KINDS:
        prepared(scenario, aws, temp_folder / kind, run_cli, fake_clock)
        result, awsclient, _ = _run(scenario, run_cli, fault_proxy, retrying_awsclient, [FaultRule(kind, "*", RATE)])
        _record("20%", kind, fault_proxy, awsclient, result.exit_code == 0)
        assert fault_proxy.total_injected > 0, f"{kind}: no fault was injected"
        assert result.exit_code == 0, f"{kind}: {result.output}"
        found = snapshot(aws.url)
        assert not differences(expected, found), (f"{kind}: {differences(expected, found)}\n"
                                                  f"faults: {dict(fault_proxy.injected)}\n{result.output}")


# every scenario with its responses lost (nothing may be resent blindly), one also throttled (botocore's resends)
FULL_FAULTS = [(s, "lose_response") for s in SCENARIOS] + [(SCENARIOS[0], "throttle")]


@pytest.mark.parametrize("scenario, kind", FULL_FAULTS, ids=lambda v: str(v))
def test_fails_clearly_and_in_bounded_time_when_every_call_fails(
        scenario, kind, aws, fault_proxy, run_cli, fake_clock, retrying_awsclient, temp_folder):
    prepared(scenario, aws, temp_folder / "project", run_cli, fake_clock)
    service = {"cloud": "cloudformation", "lambda": "lambda", "api": "apigateway", "code": "codedeploy"}[scenario.tool]
    result, awsclient, clock = _run(scenario, run_cli, fault_proxy, retrying_awsclient,
                                    [FaultRule(kind, f"{service}.*", 1.0)])
    _record("100%", kind, fault_proxy, awsclient, result.exit_code == 0)
    assert result.exit_code == 1, result.output
    assert "ERROR: " in result.stderr and "Traceback" not in result.output
    assert "Unexpected error" not in result.output
    assert sum(fault_proxy.requests.values()) <= 40, fault_proxy.requests  # bounded attempts
    assert sum(clock.sleeps) < 300, "retries must give up within minutes"


# ---- lookups: `fink config` resolving stack outputs, SSM parameters (one a SecureString) and a credstash secret ----
LOOKUP_REGION = "eu-west-1"
LOOKUP_CONFIG = {"cloud": {"defaults": {"validate": False}, "parameters": {
    "Vpc": "lookup:stack:infra:VpcId", "Outputs": "lookup:stack:infra",
    "Plain": "lookup:parameter:/app/plain", "Token": "lookup:parameter:/app/token",
    "Password": "lookup:secret:db.password"}}}


@pytest.fixture
def lookups_project(aws, temp_folder) -> Path:
    import boto3
    import credstash
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {"VpcId": {"Value": "vpc-123"}, "Bucket": {"Value": "my-bucket"}}}
    boto3.client("cloudformation", region_name=LOOKUP_REGION).create_stack(StackName="infra",
                                                                           TemplateBody=json.dumps(template))
    ssm = boto3.client("ssm", region_name=LOOKUP_REGION)
    ssm.put_parameter(Name="/app/plain", Value="plain-value", Type="String")
    ssm.put_parameter(Name="/app/token", Value="secure-value", Type="SecureString")
    kms = boto3.client("kms", region_name=LOOKUP_REGION)
    kms.create_alias(AliasName="alias/credstash", TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])
    credstash.createDdbTable(region=LOOKUP_REGION)
    credstash.putSecret("db.password", "credstash-value", region=LOOKUP_REGION)
    (temp_folder / "fink_dev.json").write_text(json.dumps(LOOKUP_CONFIG))
    return temp_folder


def _lookups(run_cli, retrying_awsclient, proxy=None, rules=()):
    clock = FakeClock()
    awsclient = retrying_awsclient(clock, SEED)
    env = {"ENV": "dev"}
    if proxy is not None:
        proxy.set_rules(rules, seed=SEED)
        env["AWS_ENDPOINT_URL"] = proxy.url
    result = run_cli("fink", "config", "cloud", env=env, awsclient=awsclient, clock=clock)
    return result, awsclient, clock


def test_lookups_resolve_at_a_fifth_of_each_fault_as_in_a_clean_run(lookups_project, fault_proxy, run_cli,
                                                                   retrying_awsclient):
    clean, awsclient, _ = _lookups(run_cli, retrying_awsclient)
    assert clean.exit_code == 0, clean.output
    resolved = json.loads(clean.stdout)["parameters"]
    assert resolved["Vpc"] == "vpc-123" and resolved["Plain"] == "plain-value"
    assert resolved["Outputs"] == {"VpcId": "vpc-123", "Bucket": "my-bucket"}
    assert (resolved["Token"], resolved["Password"]) == ("****", "****")  # resolved, and masked when shown
    # credstash reads through fink's seam: counted (and so retried by fink's policy on fink's clock)
    assert {"dynamodb.Query", "kms.Decrypt"} <= set(awsclient.call_counts)
    for kind in KINDS:
        result, awsclient, _ = _lookups(run_cli, retrying_awsclient, fault_proxy, [FaultRule(kind, "*", RATE)])
        _record("20%", f"lookups {kind}", fault_proxy, awsclient, result.exit_code == 0)
        assert result.exit_code == 0, f"{kind}: {result.output}"
        assert result.stdout == clean.stdout, kind
    assert fault_proxy.total_injected > 0


@pytest.mark.parametrize("service", ["cloudformation", "ssm", "dynamodb", "kms"])
@pytest.mark.parametrize("kind", ["drop", "throttle"])
def test_lookups_fail_clearly_and_in_bounded_time_when_a_service_is_unreachable(
        kind, service, lookups_project, fault_proxy, run_cli, retrying_awsclient):
    result, awsclient, clock = _lookups(run_cli, retrying_awsclient, fault_proxy, [FaultRule(kind, f"{service}.*")])
    _record("100%", f"lookups {kind}", fault_proxy, awsclient, result.exit_code == 0)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("ERROR: ") == 1, result.stderr
    what = {"cloudformation": "Describing stack 'infra' failed", "ssm": "Reading SSM parameters /app/plain, /app/token",
            "dynamodb": "Reading secret 'db.password' from credstash failed",
            "kms": "Reading secret 'db.password' from credstash failed"}[service]
    assert f"ERROR: {what}" in result.stderr and "Lookup failed" not in result.stderr, result.stderr
    assert ("could not connect to AWS" if kind == "drop" else "(Throttling)") in result.stderr, result.stderr
    assert "Traceback" not in result.output and "Unexpected error" not in result.output
    assert sum(fault_proxy.requests.values()) <= 20, fault_proxy.requests  # 8 attempts of one read, a few others
    assert sum(clock.sleeps) < 300, "retries must give up within minutes"
