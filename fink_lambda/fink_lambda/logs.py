"""``lambda logs``: the function's log events over a time range, or followed (``--tail``) until Ctrl-C.

Times are UTC: absolute (``2017-06-28 14:23``) or relative to now (``1m``, ``2h``, ``3d``, ``5w``). Following
polls on the injected clock; Ctrl-C arrives as GracefulExit from the clock's sleep and ends the run cleanly.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

from fink.clock import Backoff, Poller
from fink.errors import GracefulExit, UsageError
from fink.ui import UI

from .seam_logs import LogsSeam, log_group_name

__all__ = ["parse_time", "event_lines", "show_logs", "TAIL_INTERVAL", "LOOKBACK_MS"]

TAIL_INTERVAL = 2.0
LOOKBACK_MS = 60_000  #: how far back each --tail poll reads again for late events
_RELATIVE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def parse_time(value: str, now: datetime, option: str = "--start") -> datetime:
    """A UTC datetime from an absolute UTC time or a relative ``<n>m|h|d|w`` (before ``now``)."""
    text = value.strip()
    match = _RELATIVE.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise UsageError(f"{option}={value!r} is neither a UTC time like '2017-06-28 14:23' nor a relative time "
                     "like '1m', '2h', '3d' or '5w'.")


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def event_lines(events: Iterable[Mapping[str, Any]], last_day: str | None = None) -> tuple[list[str], str | None]:
    """Render events: a date line whenever the UTC day changes, then ``HH:MM:SS  message`` lines."""
    lines = []
    for event in events:
        stamp = datetime.fromtimestamp(event["timestamp"] / 1000, tz=timezone.utc)
        day = stamp.strftime("%Y-%m-%d")
        if day != last_day:
            lines.append(day)
            last_day = day
        lines.append(f"{stamp:%H:%M:%S}  {str(event.get('message', '')).rstrip()}")
    return lines, last_day


def _range(args: Mapping[str, Any], now: datetime) -> tuple[datetime, datetime | None]:
    default = "5m" if args.get("--tail") else "1d"
    start = parse_time(args.get("--start") or default, now, "--start")
    end = parse_time(args["--end"], now, "--end") if args.get("--end") else None
    if end is not None and end <= start:
        raise UsageError(f"--end ({end:%Y-%m-%d %H:%M:%S}) must be after --start ({start:%Y-%m-%d %H:%M:%S}).")
    return start, end


def show_logs(context: Mapping[str, Any], config: Mapping[str, Any]) -> int:
    ui: UI = context["_ui"]
    args = context["_arguments"]
    clock = context["_clock"]
    start, end = _range(args, clock.now())
    seam = LogsSeam(context["_awsclient"], (config.get("deployment") or {}).get("region"))
    group = log_group_name(args["<lambda>"])
    if not args.get("--tail"):
        ui.lines(event_lines(seam.events(group, _ms(start), _ms(end) if end else None))[0])
        return 0
    ui.info(f"Following {group} - use Ctrl-C to stop.")
    follower = _Follower(ui, seam, group, _ms(start))
    try:
        Poller(clock, Backoff(initial=TAIL_INTERVAL, factor=1.0, maximum=TAIL_INTERVAL, timeout=float("inf"))).poll(
            follower.step, what="new log events")
    except GracefulExit as exc:
        ui.info(f"Received {exc.signal_name} - stopped following {group}.")
    return 0


def _event_key(event: Mapping[str, Any]) -> str:
    return event.get("eventId") or f"{event['timestamp']}:{event.get('logStreamName')}:{event.get('message')}"


class _Follower:
    """One poll of ``--tail``: the events since a little before the newest one shown, each shown once.

    Events reach CloudWatch Logs late and out of order (several log streams, ingestion delay), so each poll reads
    back ``LOOKBACK_MS`` before the newest event shown and skips the event ids it has already printed."""

    def __init__(self, ui: UI, seam: LogsSeam, group: str, start_ms: int):
        self.ui, self.seam, self.group = ui, seam, group
        self.start_ms, self.newest = start_ms, start_ms
        self.seen: dict[str, int] = {}
        self.day: str | None = None
        self.missing_told = False

    def step(self) -> None:
        since = max(self.start_ms, self.newest - LOOKBACK_MS)
        events = self.seam.events(self.group, since, missing_ok=True)
        if events is None:
            if not self.missing_told:
                self.ui.info(f"{self.group} does not exist yet (the function has not logged) - waiting for it.")
                self.missing_told = True
            return None
        fresh = [e for e in events if _event_key(e) not in self.seen]
        self.seen = {key: ts for key, ts in self.seen.items() if ts >= since}
        for event in fresh:
            self.seen[_event_key(event)] = event["timestamp"]
            self.newest = max(self.newest, event["timestamp"])
        lines, self.day = event_lines(fresh, self.day)
        self.ui.lines(lines)
        return None
