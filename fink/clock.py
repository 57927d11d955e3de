"""Time, injected: the only place that calls ``time.sleep`` or reads the wall clock, plus the one poller.

Tests hand in a :class:`FakeClock`, so waiting code runs without sleeping.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional, TypeVar

from .errors import FinkTimeoutError

__all__ = ["Clock", "FakeClock", "Backoff", "Poller"]

T = TypeVar("T")


class Clock:
    """Real time. ``now()`` is timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock(Clock):
    """A clock for tests: ``sleep`` advances time instantly and is recorded."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._mono = 0.0
        self.sleeps: list[float] = []
        self.on_sleep: Optional[Callable[[float], None]] = None

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
        if self.on_sleep:
            self.on_sleep(seconds)


@dataclass(frozen=True)
class Backoff:
    """Polling intervals: start fast, grow by ``factor``, never beyond ``maximum``; give up after ``timeout``."""

    initial: float = 1.0
    factor: float = 1.5
    maximum: float = 15.0
    timeout: float = 3600.0

    def intervals(self):
        delay = self.initial
        while True:
            yield delay
            delay = min(delay * self.factor, self.maximum)


class Poller:
    """Calls ``step`` until it returns something other than ``None``; sleeps on the clock in between.

    ``step`` may raise to stop polling (a failed deployment, for example); SIGINT/SIGTERM arrive as
    :class:`fink.errors.GracefulExit` raised from within ``clock.sleep``.
    """

    def __init__(self, clock: Clock, backoff: Backoff = Backoff()):
        self.clock = clock
        self.backoff = backoff

    def poll(self, step: Callable[[], Optional[T]], *, what: str = "the operation") -> T:
        started = self.clock.monotonic()
        for delay in self.backoff.intervals():
            result = step()
            if result is not None:
                return result
            if self.clock.monotonic() - started + delay > self.backoff.timeout:
                raise FinkTimeoutError(
                    f"Timed out after {int(self.backoff.timeout)}s waiting for {what}.",
                    hint="The operation may still be running in AWS; check its state before retrying.")
            self.clock.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
