"""The mutating commands under injected faults, through the fault proxy in front of moto.

At a 20% rate of each kind of fault (throttling, HTTP 500, dropped connection, response lost after moto did the
work) every command succeeds and leaves exactly the state a clean run leaves: nothing created twice, nothing left
behind. At 100% every command fails with one clear message, without a traceback, in a bounded number of attempts.
Retries wait on a FakeClock, so nothing sleeps.
"""
from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from fink.clock import FakeClock
from fink_testtools.faults import KINDS, FaultRule

from .scenarios import SCENARIOS, Scenario, differences, snapshot

RESOURCES = Path(__file__).parent.parent / "resources"
RATE = 0.2
SEED = 7
FIGURES = Counter()  # (scenario, kind, outcome) -> runs; faults injected per kind, written to FINK_FAULT_REPORT


def _run(scenario: Scenario, run_cli, proxy, retrying_awsclient, rules=(), seed=SEED):
    proxy.set_rules(rules, seed=seed)
    clock = FakeClock()
    awsclient = retrying_awsclient(clock, seed)
    result = run_cli(scenario.tool, *scenario.args, env={"ENV": "dev", "AWS_ENDPOINT_URL": proxy.url},
                     awsclient=awsclient, clock=clock)
    return result, awsclient, clock


def _prepared(scenario: Scenario, aws, folder: Path, run_cli, fake_clock) -> None:
    """A fresh emulator, the sample project in ``folder`` (made the working folder) and what the command needs;
    the ``first`` command runs cleanly."""
    aws.reset()
    shutil.copytree(RESOURCES / scenario.project, folder, dirs_exist_ok=True)
    os.chdir(folder)
    scenario.prepare(aws.url)
    aws.queue_lambda_results(["alive"] * 40)
    if scenario.first:
        first = run_cli(scenario.tool, *scenario.first, env={"ENV": "dev"}, clock=fake_clock)
        assert first.exit_code == 0, first.output
    if scenario.name == "cloud-deploy":  # the attacked deploy is an update
        Path("fink_dev.json").write_text(Path("fink_dev.json").read_text().replace('"Retention": 7', '"Retention": 9'))


def _record(scenario: Scenario, kind: str, proxy, awsclient, outcome: str) -> None:
    FIGURES[(scenario.name, kind, outcome)] += 1
    for (fault, _op), count in proxy.injected.items():
        FIGURES[("faults", fault, "injected")] += count
    FIGURES[("requests", kind, "sent")] += sum(proxy.requests.values())
    FIGURES[("adopted", kind, "lost responses adopted")] += sum(awsclient.retry_stats.adopted.values())
    report = os.environ.get("FINK_FAULT_REPORT")
    if report:
        Path(report).write_text(json.dumps(sorted([list(k) + [v] for k, v in FIGURES.items()]), indent=1))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_succeeds_at_a_fifth_of_each_fault_with_the_state_of_a_clean_run(
        scenario, aws, fault_proxy, run_cli, fake_clock, retrying_awsclient, temp_folder):
    def attempt(rules, folder):
        _prepared(scenario, aws, folder, run_cli, fake_clock)
        return _run(scenario, run_cli, fault_proxy, retrying_awsclient, rules)

    clean, _, _ = attempt([], temp_folder / "clean")
    assert clean.exit_code == 0, clean.output
    expected = snapshot(aws.url)
    for kind in KINDS:
        result, awsclient, _ = attempt([FaultRule(kind, "*", RATE)], temp_folder / kind)
        _record(scenario, kind, fault_proxy, awsclient, "ok" if result.exit_code == 0 else "failed")
        assert fault_proxy.total_injected > 0, f"{kind}: no fault was injected"
        assert result.exit_code == 0, f"{kind}: {result.output}"
        assert not differences(expected, snapshot(aws.url)), (
            f"{kind}: {differences(expected, snapshot(aws.url))}\nfaults: {dict(fault_proxy.injected)}\n"
            f"adopted: {dict(awsclient.retry_stats.adopted)}\n{result.output}")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_fails_clearly_and_in_bounded_time_when_every_call_fails(
        scenario, aws, fault_proxy, run_cli, fake_clock, retrying_awsclient, temp_folder):
    _prepared(scenario, aws, temp_folder / "project", run_cli, fake_clock)
    for kind in ("throttle", "lose_response"):
        result, awsclient, clock = _run(scenario, run_cli, fault_proxy, retrying_awsclient,
                                        [FaultRule(kind, f"{_service(scenario)}.*", 1.0)])
        _record(scenario, kind, fault_proxy, awsclient, "failed clearly" if result.exit_code else "exit 0")
        assert result.exit_code == 1, result.output
        assert "ERROR: " in result.stderr and "Traceback" not in result.output
        assert "Unexpected error" not in result.output
        assert sum(fault_proxy.requests.values()) <= 40, fault_proxy.requests  # bounded attempts
        assert sum(clock.sleeps) < 300, "retries must give up within minutes"


def _service(scenario: Scenario) -> str:
    """The service whose every call fails: the one the command changes."""
    return {"cloud": "cloudformation", "lambda": "lambda", "api": "apigateway", "code": "codedeploy"}[scenario.tool]
