"""Tells when a newer fink is on PyPI, without ever failing or delaying a command.

The check runs in a daemon thread with a short timeout, its answer is cached for a day, and it is switched off
with ``FINK_NO_UPDATE_CHECK=1``. Offline, the command goes on as if nothing happened.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

__all__ = ["UpdateCheck", "newer"]

PYPI_URL = "https://pypi.org/pypi/fink/json"
CACHE_SECONDS = 24 * 3600
TIMEOUT = 1.5


def _version_tuple(version: str) -> tuple:
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def newer(latest: str | None, current: str) -> bool:
    return bool(latest) and _version_tuple(latest) > _version_tuple(current)


def _cache_file(environ) -> Path:
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fink" / "update-check.json"


class UpdateCheck:
    """Start it early, ask ``latest()`` late: the answer is whatever arrived by then."""

    def __init__(self, environ=None, now=time.time):
        self.environ = os.environ if environ is None else environ
        self.now = now
        self._latest: str | None = None
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.environ.get("FINK_NO_UPDATE_CHECK", "").lower() not in ("1", "true", "yes")

    def start(self) -> "UpdateCheck":
        if not self.enabled:
            return self
        cached = self._read_cache()
        if cached is not None:
            self._latest = cached
            return self
        self._thread = threading.Thread(target=self._fetch, name="fink-update-check", daemon=True)
        self._thread.start()
        return self

    def latest(self, wait: float = 0.3) -> str | None:
        if self._thread is not None:
            self._thread.join(wait)
        return self._latest

    def _read_cache(self) -> str | None:
        try:
            data = json.loads(_cache_file(self.environ).read_text())
            if self.now() - float(data["checked"]) < CACHE_SECONDS:
                return data.get("latest")
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def _fetch(self) -> None:
        import urllib.request
        url = self.environ.get("FINK_PYPI_URL", PYPI_URL)
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (https or a test URL)
                latest = json.load(response)["info"]["version"]
        except Exception:
            return  # offline, PyPI down, odd answer: say nothing
        self._latest = latest
        try:
            path = _cache_file(self.environ)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"checked": self.now(), "latest": latest}))
        except OSError:
            pass
