"""What a command has changed so far, so that a failure or an interrupt half-way is never silent.

A mutating command that cannot undo its earlier steps records each change it made; when it stops early (an AWS
error, SIGINT/SIGTERM, a bug) :func:`changes_so_far` ends with one warning listing exactly what was changed in this
run, what was not done, and the command that finishes the job. Nothing is said when nothing was changed yet (the
error alone is then the whole story) or when the command completed.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

__all__ = ["Changes", "changes_so_far"]


class Changes:
    """The changes of one run, in order, and the steps still planned."""

    def __init__(self, pending: list[str] | None = None) -> None:
        self.done: list[str] = []
        self.pending: list[str] = list(pending or [])

    def record(self, text: str, completes: str | None = None) -> None:
        """``text`` was changed; ``completes`` names the pending step it finished (default: ``text`` itself)."""
        self.done.append(text)
        step = completes or text
        if step in self.pending:
            self.pending.remove(step)

    def complete(self, step: str) -> None:
        """The pending ``step`` is finished (whether or not it had to change anything)."""
        if step in self.pending:
            self.pending.remove(step)

    def summary(self, finish: str) -> str:
        lines = ["The command stopped after changing: " + "; ".join(self.done) + "."]
        if self.pending:
            lines.append("Not done: " + "; ".join(self.pending) + ".")
        lines.append(f"Run `{finish}` again to finish (it is safe to repeat).")
        return " ".join(lines)


@contextlib.contextmanager
def changes_so_far(ui: Any, finish: str, pending: list[str] | None = None) -> Iterator[Changes]:
    """Yield a :class:`Changes`; if the block raises after recording a change, warn with the summary."""
    changes = Changes(pending)
    try:
        yield changes
    except BaseException:
        if changes.done:
            ui.warn(changes.summary(finish))
        raise
