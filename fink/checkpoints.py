"""Named checkpoints in long-running commands, where interrupt tests stop a real fink process deterministically.

A command calls :func:`checkpoint` at the moments an interrupt matters (waiting for a change set, between "change
set ready" and its execution, while a stack changes, while code is uploaded). Normally this is one environment
lookup and nothing else. When ``FINK_TEST_PAUSE_AT`` names the checkpoint, the process writes
``fink-checkpoint: <name>`` on the real stderr and waits there for a signal; the SIGINT/SIGTERM handler then raises
:class:`fink.errors.GracefulExit` at exactly that point. Tests read the line instead of sleeping.
"""
from __future__ import annotations

import os
import signal
import sys

__all__ = ["checkpoint", "PAUSE_ENV", "MARKER"]

PAUSE_ENV = "FINK_TEST_PAUSE_AT"
MARKER = "fink-checkpoint: "


def checkpoint(name: str) -> None:
    """Pause here for a signal when a test asked for it (``FINK_TEST_PAUSE_AT=<name>``); otherwise do nothing."""
    if os.environ.get(PAUSE_ENV) != name:
        return
    stream = sys.__stderr__
    if stream is not None:
        stream.write(f"{MARKER}{name}\n")
        stream.flush()
    while True:  # the signal handler raises out of here; anything else wakes us up for nothing
        signal.pause()
