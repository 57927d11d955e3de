"""Helpers for tests: captured CLI runs and log capture."""
from __future__ import annotations

import io
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

__all__ = ["CliResult", "TTYStringIO", "run_cli", "LogCapture", "patched_environ"]


class TTYStringIO(io.StringIO):
    """A StringIO that says it is a terminal (for TTY renderings)."""

    def isatty(self) -> bool:
        return True


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@contextmanager
def patched_environ(changes: dict[str, str | None]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in changes}
    for key, value in changes.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_cli(tool: str, *args: str, env: dict[str, str | None] | None = None, awsclient: Any = None,
            clock: Any = None, tty: bool = False) -> CliResult:
    """Run ``<tool> <args>`` in-process (``tool`` may be ``fink``) and capture exit code, stdout and stderr."""
    from fink.cli import dispatch_fink, run
    from fink.ui import UI
    out = TTYStringIO() if tty else io.StringIO()
    err = TTYStringIO() if tty else io.StringIO()
    with patched_environ(env or {}):
        ui = UI(out, err, environ=dict(os.environ))
        if tool == "fink":
            code = dispatch_fink(list(args), awsclient=awsclient, clock=clock, ui=ui)
        else:
            code = run(tool, list(args), awsclient=awsclient, clock=clock, ui=ui)
    return CliResult(code, out.getvalue(), err.getvalue())


class LogCapture(logging.Handler):
    """Collects log records as ``(logger name, level name, message)`` tuples."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def actual(self) -> list[tuple[str, str, str]]:
        return [(r.name, r.levelname, r.getMessage()) for r in self.records]

    def check(self, *expected: tuple[str, str, str]) -> None:
        assert self.actual() == list(expected), self.actual()

    def clear(self) -> None:
        self.records.clear()
