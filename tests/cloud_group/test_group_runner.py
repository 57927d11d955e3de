"""The group runner with fake member processes: scheduling (dependencies, --max-parallel), failure propagation,
interrupts passed on to the running members, and the CI / TTY renderings of parallel output.

The member processes are fakes here because the runner's decisions are what is tested; the real member processes
against moto are in test_group_e2e.py.
"""
from __future__ import annotations

import io
import json
import signal
import threading

import pytest

from fink.clock import FakeClock
from fink.errors import GracefulExit
from fink.ui import UI
from fink_cloud.group_runner import GroupRunner, Job
from fink_testtools.helpers import TTYStringIO


class FakeProcess:
    """Prints ``lines`` on stderr, then ends with ``code``; with ``block`` it waits for a signal first."""

    def __init__(self, lines: list[str], code: int, block: bool = False):
        self.lines, self.code, self.signals = lines, code, []
        self._released = threading.Event()
        if not block:
            self._released.set()

    @property
    def stderr(self):
        yield from (line + "\n" for line in self.lines)
        self._released.wait(10)

    def wait(self) -> int:
        self._released.wait(10)
        return self.code

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)
        self.code = 130
        self._released.set()


class Members:
    """The start function handed to the runner: writes each member's result file like group_member does."""

    def __init__(self, plans: dict[str, tuple[list[str], int, dict]], blocking: set[str] = frozenset()):
        self.plans, self.blocking = plans, blocking
        self.started: list[str] = []
        self.processes: dict[str, FakeProcess] = {}
        self.peak = 0
        self.runner: GroupRunner | None = None

    def __call__(self, root: str, job: Job, path: str) -> FakeProcess:
        lines, code, report = self.plans[job.folder]
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"exit_code": code, "stdout": "", **report}, fh)
        self.started.append(job.folder)
        self.peak = max(self.peak, len(self.runner.running) + 1)
        self.processes[job.folder] = FakeProcess(lines, code, job.folder in self.blocking)
        return self.processes[job.folder]


def run(jobs: list[Job], members: Members, ui: UI | None = None, max_parallel: int = 10):
    ui = ui or UI(io.StringIO(), io.StringIO(), environ={})
    runner = GroupRunner("/nowhere", jobs, ui, FakeClock(), max_parallel, start=members)
    members.runner = runner
    return runner, runner.run()


def job(folder: str, *waits: str) -> Job:
    return Job(folder, f"s-{folder}", ("deploy",), frozenset(waits))


def ok(result: str = "deployed") -> tuple[list[str], int, dict]:
    return ["Creating stack ...", "CREATE_COMPLETE"], 0, {"result": result}


def test_dependencies_order_the_start_and_max_parallel_bounds_it():
    jobs = [job(f"i{n}") for n in range(5)] + [job("a"), job("b", "a"), job("c", "b")]
    members = Members({j.folder: ok() for j in jobs})
    _, results = run(jobs, members, max_parallel=2)
    assert members.peak <= 2
    assert members.started.index("a") < members.started.index("b") < members.started.index("c")
    assert [r.outcome for r in results] == ["deployed"] * 8


def test_a_failed_member_skips_its_dependents_and_lets_the_others_finish():
    jobs = [job("a"), job("b", "a"), job("c", "b"), job("d"), job("e", "d")]
    error = ("Stack 's-b' ended in ROLLBACK_COMPLETE. First failure: Bucket (AWS::S3::Bucket) CREATE_FAILED: denied"
             "\nhint")
    members = Members({"a": ok(), "b": (["ERROR: boom"], 1, {"error": error}), "c": ok(), "d": ok("no changes"),
                       "e": ok()})
    _, results = run(jobs, members)
    summary = {r.folder: (r.outcome, r.detail) for r in results}
    assert summary == {
        "a": ("deployed", ""),
        "b": ("failed", "Stack 's-b' ended in ROLLBACK_COMPLETE. First failure: Bucket (AWS::S3::Bucket) "
                        "CREATE_FAILED: denied"),
        "c": ("skipped", "b (s-b) failed"),
        "d": ("no changes", ""), "e": ("deployed", "")}
    assert "c" not in members.started


def test_a_member_that_dies_without_a_report_names_its_last_error_line():
    members = Members({"a": (["ERROR: Unexpected error: KeyError: 'x'"], 1, {})})
    _, results = run([job("a")], members)
    assert (results[0].outcome, results[0].detail) == ("failed", "Unexpected error: KeyError: 'x'")


class InterruptingUI(UI):
    """Raises GracefulExit (as the run's SIGINT handler does) when a given line is shown."""

    def __init__(self, trigger: str):
        super().__init__(io.StringIO(), io.StringIO(), environ={})
        self.trigger, self.fired = trigger, False

    def info(self, text: str) -> None:
        super().info(text)
        if self.trigger in text and not self.fired:
            self.fired = True
            raise GracefulExit("SIGINT")


def test_an_interrupt_is_passed_on_once_to_each_running_member_and_nothing_new_starts():
    jobs = [job("slow1"), job("slow2"), job("after", "slow1")]
    members = Members({"slow1": (["waiting"], 0, {}), "slow2": (["waiting too"], 0, {}), "after": ok()},
                      blocking={"slow1", "slow2"})
    ui = InterruptingUI("waiting too")
    runner, results = run(jobs, members, ui)
    assert runner.interrupted is not None
    assert members.processes["slow1"].signals == [signal.SIGINT]
    assert members.processes["slow2"].signals == [signal.SIGINT]
    assert members.started == ["slow1", "slow2"]
    assert {r.folder: r.outcome for r in results} == {"slow1": "interrupted", "slow2": "interrupted",
                                                      "after": "skipped"}
    assert results[2].detail == "not started: interrupted by SIGINT"
    assert "passing it on to the running members (slow1, slow2)" in ui.err.getvalue()
    assert signal.getsignal(signal.SIGINT) is not None  # handlers restored (not left forwarding)


def test_ci_output_prefixes_every_line_with_the_member_and_tty_output_keeps_a_live_block():
    jobs = [job("net"), job("services/app", "net")]
    members = Members({"net": (["Creating stack 'n' ...", "  0s  CREATE_FAILED  X  denied"], 0, {}),
                       "services/app": ok()})
    err = io.StringIO()
    run(jobs, members, UI(io.StringIO(), err, environ={}))
    lines = err.getvalue().splitlines()
    assert "net          | Creating stack 'n' ..." in lines
    assert "services/app | CREATE_COMPLETE" in lines
    assert all(" | " in line for line in lines)
    tty = TTYStringIO()
    run(jobs, Members({j.folder: members.plans[j.folder] for j in jobs}), UI(io.StringIO(), tty, environ={}))
    text = tty.getvalue()
    assert "net          |     0s  Creating stack 'n' ..." in text        # the live line of the member
    assert "net          |   0s  CREATE_FAILED  X  denied\n" in text      # failures are kept on screen
    assert "CREATE_COMPLETE\n" not in text                                # ordinary events only in the block


class BrokenUI(UI):
    """A UI that fails on a member's line: stands for any bug in the group while members are running."""

    def __init__(self):
        super().__init__(io.StringIO(), io.StringIO(), environ={})

    def info(self, text: str) -> None:
        if "in flight" in text:
            raise RuntimeError("bug")
        super().info(text)


def test_a_bug_in_the_group_stops_the_running_members_and_waits_for_them():
    members = Members({"a": (["in flight"], 0, {})}, blocking={"a"})
    runner = GroupRunner("/nowhere", [job("a")], BrokenUI(), FakeClock(), 10, start=members)
    members.runner = runner
    with pytest.raises(RuntimeError, match="bug"):
        runner.run()
    assert members.processes["a"].signals == [signal.SIGINT]
