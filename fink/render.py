"""Pure renderers shared by the tools: tables, durations, timestamps. They return text; the UI writes it."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Sequence

__all__ = ["table", "duration", "iso_utc"]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain left-aligned text table with a header underline; cells are converted with ``str``."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def duration(seconds: float) -> str:
    """``75.2`` -> ``1m15s``; ``3.4`` -> ``3s``."""
    seconds = int(round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def iso_utc(value: datetime | None) -> str:
    """A datetime as ``YYYY-MM-DD HH:MM:SS`` in UTC (naive values are taken as UTC)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
