"""Stack groups: running one cloud command for many members, in dependency order and in parallel.

A member starts as soon as every member it waits for has succeeded (so independent members run side by side, at
most ``max_parallel`` at a time); a member whose prerequisite failed, was skipped or was interrupted is skipped
with the reason. Each member runs as its own process (see :mod:`fink_cloud.group_member`): the single-stack code
path, unchanged. The runner gets its member processes from ``start``: forked by a preloaded zygote
(:class:`fink_cloud.group_zygote.Zygote`, what ``cloud group`` uses on Linux) or started by
:func:`member_process` as ``python -m fink_cloud.group_member``; both give the same process-like object
(``stderr``, ``wait()``, ``send_signal()``).

Output: a reader thread per member turns the member's stderr into queue items; only the main thread writes to the
UI. In CI each line is printed prefixed with the member's folder; on a TTY failures and warnings are printed and
the other lines update one live line per running member.

SIGINT/SIGTERM: members run in their own sessions, so a Ctrl-C at the terminal reaches only the group. The group
passes the signal on to every running member once (each cancels its update and follows the rollback, as
``cloud deploy`` does), starts nothing new and waits for them; a second signal is passed on as well, which makes
the members exit at once.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from fink.errors import GracefulExit

from .group_member import RESULT_ENV

__all__ = ["MemberResult", "Job", "GroupRunner", "SUCCESS_OUTCOMES", "member_process"]

SUCCESS_OUTCOMES = frozenset({"deployed", "no changes", "deleted", "not deployed", "previewed"})
_IMPORTANT = ("ERROR", "WARNING", "_FAILED", "Received SIG")


@dataclass
class MemberResult:
    folder: str
    stack: str
    outcome: str                 # deployed / no changes / failed / skipped / interrupted / deleted / ...
    detail: str = ""             # why it failed or was skipped
    seconds: float | None = None
    data: Any = None             # what the member printed on stdout (e.g. its preview as JSON), parsed if JSON

    @property
    def succeeded(self) -> bool:
        return self.outcome in SUCCESS_OUTCOMES


@dataclass(frozen=True)
class Job:
    """One member to run: its folder, stack, the cloud arguments and the folders it waits for."""

    folder: str
    stack: str
    argv: tuple[str, ...]
    waits_for: frozenset[str] = frozenset()
    skip: str | None = None      # a reason to report instead of running (nothing to do, cannot run yet)
    skip_outcome: str = "skipped"


def member_process(root: str, job: Job, result_path: str) -> subprocess.Popen:
    """Start ``cloud <argv>`` for one member in its folder, in its own session (signals come from the group)."""
    env = {**os.environ, RESULT_ENV: result_path, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "fink_cloud.group_member", *job.argv],
                            cwd=os.path.join(root, job.folder), env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            errors="replace", bufsize=1, start_new_session=True)


@dataclass
class _Running:
    job: Job
    process: Any
    result_path: str
    started: float
    last_line: str = ""
    lines: list[str] = field(default_factory=list)


def _read(process: Any, folder: str, events: "queue.Queue[tuple[str, str, Any]]") -> None:
    stream = process.stderr
    for line in stream:
        events.put(("line", folder, line.rstrip("\n")))
    if hasattr(stream, "close"):
        stream.close()
    events.put(("exit", folder, process.wait()))


class GroupRunner:
    """Runs ``jobs`` (in the folders under ``root``) and returns one :class:`MemberResult` per job."""

    def __init__(self, root: str, jobs: list[Job], ui: Any, clock: Any, max_parallel: int,
                 start: Callable[[str, Job, str], Any] = member_process):
        self.root, self.ui, self.clock, self.max_parallel, self._start_process = root, ui, clock, max_parallel, start
        self.jobs = {job.folder: job for job in jobs}
        self.order = [job.folder for job in jobs]
        self.results: dict[str, MemberResult] = {}
        self.running: dict[str, _Running] = {}
        self.events: queue.Queue[tuple[str, str, Any]] = queue.Queue()
        self.interrupted: GracefulExit | None = None
        self._saved_handlers: dict[int, Any] = {}
        self.width = max((len(f) for f in self.order), default=0)
        self._tmp = tempfile.mkdtemp(prefix="fink-group-")

    # ---- the loop -----------------------------------------------------------------------------------------------
    def run(self) -> list[MemberResult]:
        try:
            while True:
                try:
                    if not self._step():
                        break
                except GracefulExit as exc:
                    self._interrupt(exc)
        except BaseException:  # a bug in the group itself: no member may carry on unwatched
            self._abort()
            raise
        finally:
            self._restore()
            self.ui.end_status()
            self._cleanup()
        return [self.results[f] for f in self.order]

    def _step(self) -> bool:
        """Start what can start, then handle one event; False when everything has ended."""
        self._settle_pending()
        if not self.running:
            return False
        try:
            kind, folder, value = self.events.get(timeout=0.5)
        except queue.Empty:
            self._redraw()
            return True
        if kind == "line":
            self._line(folder, value)
        else:
            self._finished(folder, value)
        return True

    def _settle_pending(self) -> None:
        for folder in self.order:
            if folder in self.results or folder in self.running:
                continue
            job = self.jobs[folder]
            reason = self._blocked(job)
            if reason is not None:
                self._record(MemberResult(folder, job.stack, "skipped", reason))
            elif job.skip is not None and self._ready(job):
                self._record(MemberResult(folder, job.stack, job.skip_outcome, job.skip))
            elif self._ready(job) and len(self.running) < self.max_parallel and not self.interrupted:
                self._launch(job)

    def _ready(self, job: Job) -> bool:
        return all(f in self.results and self.results[f].succeeded for f in job.waits_for)

    def _blocked(self, job: Job) -> str | None:
        if self.interrupted is not None:
            return f"not started: interrupted by {self.interrupted.signal_name}"
        for folder in sorted(job.waits_for):
            result = self.results.get(folder)
            if result is not None and not result.succeeded:
                return f"{folder} ({result.stack}) {result.outcome}"
        return None

    # ---- members ------------------------------------------------------------------------------------------------
    def _launch(self, job: Job) -> None:
        path = os.path.join(self._tmp, job.folder.replace("/", "__") + ".json")
        process = self._start_process(self.root, job, path)
        self.running[job.folder] = _Running(job, process, path, self.clock.monotonic())
        threading.Thread(target=_read, args=(process, job.folder, self.events), daemon=True).start()
        self._message(job.folder, f"started: cloud {' '.join(job.argv)}")

    def _line(self, folder: str, line: str) -> None:
        member = self.running[folder]
        member.lines.append(line)
        if line.strip():
            member.last_line = line.strip()
        if not self.ui.is_tty or any(marker in line for marker in _IMPORTANT):
            self._message(folder, line)
        else:
            self._redraw()

    def _finished(self, folder: str, exit_code: int) -> None:
        member = self.running.pop(folder)
        seconds = self.clock.monotonic() - member.started
        result = _interpret(member, exit_code, seconds)
        self._record(result)

    def _record(self, result: MemberResult) -> None:
        self.results[result.folder] = result
        text = result.outcome + (f": {result.detail}" if result.detail else "")
        style = "green" if result.succeeded else ("yellow" if result.outcome in ("skipped", "waiting") else "red")
        self._message(result.folder, self.ui.style(text, style))

    # ---- output -------------------------------------------------------------------------------------------------
    def _message(self, folder: str, text: str) -> None:
        self.ui.info(f"{folder:<{self.width}} | {text}")
        self._redraw()

    def _redraw(self) -> None:
        if not self.ui.is_tty or not self.running:
            return
        import shutil
        from fink.render import duration
        now = self.clock.monotonic()
        width = shutil.get_terminal_size((160, 24)).columns - 1  # a wrapped line would break the redraw
        lines = [f"{f:<{self.width}} | {duration(now - m.started):>6}  {m.last_line or 'starting'}"[:width]
                 for f, m in sorted(self.running.items())]
        self.ui.status_block(lines)

    # ---- signals ------------------------------------------------------------------------------------------------
    def _interrupt(self, exc: GracefulExit) -> None:
        if self.interrupted is None:
            self.interrupted = exc
            names = ", ".join(sorted(self.running)) or "none"
            self.ui.warn(f"Received {exc.signal_name}: passing it on to the running members ({names}); they cancel "
                         "their updates and follow the rollbacks. No further member starts (send the signal again "
                         "to make the running members exit at once).")
            self._pass_on_later_signals()
        self._forward(getattr(signal, exc.signal_name, signal.SIGINT))

    def _forward(self, signum: int) -> None:
        for member in self.running.values():
            try:
                member.process.send_signal(signum)
            except (OSError, ProcessLookupError):  # it has just ended
                pass

    def _abort(self) -> None:
        """Stop every running member the way Ctrl-C would, and wait until each has ended."""
        self._forward(signal.SIGINT)
        for member in self.running.values():
            try:
                member.process.wait()
            except BaseException:  # a second interrupt while waiting: the members have the signal already
                pass

    def _pass_on_later_signals(self) -> None:
        """The first signal came as GracefulExit from the run's handler; later ones go to the members."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._saved_handlers[signum] = signal.signal(signum, lambda number, _frame: self._forward(number))

    def _restore(self) -> None:
        for signum, handler in self._saved_handlers.items():
            signal.signal(signum, handler)
        self._saved_handlers.clear()

    def _cleanup(self) -> None:
        import shutil
        shutil.rmtree(self._tmp, ignore_errors=True)


def _interpret(member: _Running, exit_code: int, seconds: float) -> MemberResult:
    job = member.job
    report = _load(member.result_path)
    stdout = report.get("stdout") or ""
    data: Any = stdout
    if stdout.strip().startswith(("{", "[")):
        try:
            data = json.loads(stdout)
        except ValueError:
            pass
    if exit_code == 0:
        outcome = report.get("result") or _DEFAULT_SUCCESS.get(job.argv[0], "done")
        return MemberResult(job.folder, job.stack, outcome, "", seconds, data)
    # cloud's exit code after Ctrl-C, or killed by SIGINT (how python ends after an uncaught KeyboardInterrupt)
    if exit_code in (130, -signal.SIGINT):
        return MemberResult(job.folder, job.stack, "interrupted", _first_line(report.get("error")), seconds, data)
    detail = _first_line(report.get("error")) or _last_error_line(member.lines) or f"exit code {exit_code}"
    return MemberResult(job.folder, job.stack, "failed", detail, seconds, data)


_DEFAULT_SUCCESS = {"deploy": "deployed", "delete": "deleted", "preview": "previewed"}


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {}


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _last_error_line(lines: list[str]) -> str:
    errors = [line for line in lines if line.startswith("ERROR:")]
    return errors[-1][len("ERROR:"):].strip() if errors else (lines[-1].strip() if lines else "")
