"""Tells when a newer fink is on PyPI, without ever failing or delaying a command.

The answer is cached for a day. Without a fresh cache a detached background process (``python -m
fink.update_check``) asks the index and caches the answer for the next run, so the command itself never waits
(starting that process costs a few milliseconds). ``FINK_UPDATE_CHECK_WAIT=<seconds>`` asks in a daemon thread
instead and waits that long for the answer (the background process takes over when it is late). The check is
off with ``FINK_NO_UPDATE_CHECK=1`` and in CI (``CI`` set, as CI services do). Offline, the command goes on as if
nothing happened.

fink's core is published as ``fink-core`` (the name ``fink`` belongs to an unrelated project, see
docs/design-decisions.md). An index answer counts only when it is fink's own: its normalised name is
``fink-core`` and its summary is fink's (:data:`SUMMARY`, the same text as the core's ``setup.py``). Anything else
(a squatter, a mirror serving another project under the name, an odd answer) says nothing.
"""
from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from typing import TYPE_CHECKING, Callable, Mapping

if TYPE_CHECKING:
    from .diskcache import JsonCache

__all__ = ["UpdateCheck", "newer", "fink_release", "refresh", "DISTRIBUTION", "UPDATE_COMMAND", "SUMMARY",
           "WAIT_BUDGET"]

#: the core distribution's name on the package index, and the command that updates it
DISTRIBUTION = "fink-core"
UPDATE_COMMAND = f"pip install -U {DISTRIBUTION}"
#: the core distribution's summary (setup.py's ``description``): how the index answer proves it is fink's
SUMMARY = "fink: infrastructure-as-code deployment tools for AWS (core)"
PYPI_URL = f"https://pypi.org/pypi/{DISTRIBUTION}/json"
CACHE_SECONDS = 24 * 3600
TIMEOUT = 1.5
#: how long a command waits for an answer that is not cached (``FINK_UPDATE_CHECK_WAIT`` overrides it, in seconds)
WAIT_BUDGET = 0.0


_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)(.*)", re.IGNORECASE)
_PRE_RELEASE = re.compile(r"[.\-_]?(a|b|c|rc|alpha|beta|pre|preview|dev)\d*", re.IGNORECASE)
_POST_RELEASE = re.compile(r"[.\-_]?(post|rev|r)\d*", re.IGNORECASE)


def _version_key(version: str) -> tuple:
    """A sort key for PEP 440-style versions: the release numbers, then pre-release < final < post-release."""
    match = _VERSION.match(version.strip())
    if not match:
        return (), 0
    release = [int(part) for part in match.group(1).split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()  # 1.0 == 1.0.0
    suffix = match.group(2)
    return tuple(release), 0 if _PRE_RELEASE.match(suffix) else 2 if _POST_RELEASE.match(suffix) else 1


def newer(latest: str | None, current: str) -> bool:
    return bool(latest) and _version_key(latest) > _version_key(current)


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def fink_release(answer: object) -> str | None:
    """The latest version in a PyPI JSON answer, or None unless the answer describes fink's own core."""
    info = answer.get("info") if isinstance(answer, dict) else None
    if not isinstance(info, dict):
        return None
    name, summary, version = info.get("name"), info.get("summary"), info.get("version")
    if not all(isinstance(v, str) for v in (name, summary, version)):
        return None
    if _normalised(name) != DISTRIBUTION or summary.strip() != SUMMARY:
        return None
    return version


def _cache(environ: Mapping[str, str]) -> "JsonCache":
    """``update-check.json`` in fink's cache folder, read and written with the start-up cache's checks (a private
    folder and file of this user, no symbolic links, replaced atomically)."""
    from .diskcache import JsonCache
    return JsonCache("update-check", environ, per_environment=False)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no")


def refresh(environ, now: Callable[[], float] = time.time) -> str | None:
    """Ask the index and cache the answer for a day (what the background process runs); returns the version, or
    None offline (nothing cached) or for an answer that is not fink's (cached: it says nothing)."""
    import urllib.request
    url = environ.get("FINK_PYPI_URL", PYPI_URL)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (https or a test URL)
            latest = fink_release(json.load(response))
    except Exception:
        return None  # offline, PyPI down, odd answer: say nothing
    _cache(environ).save({"checked": now(), "distribution": DISTRIBUTION, "latest": latest})  # never raises
    return latest


def _spawn_refresh(environ) -> None:
    """Refresh the cache in a detached process that outlives this command (its output goes nowhere)."""
    import subprocess
    try:
        subprocess.Popen([sys.executable, "-m", "fink.update_check"], env=dict(environ), start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        pass


class UpdateCheck:
    """Start it early, ask ``latest()`` late: the answer is the cached one, or whatever arrived within the wait
    budget."""

    def __init__(self, environ=None, now=time.time, monotonic=time.monotonic,
                 spawn: Callable[[dict], None] = _spawn_refresh):
        self.environ = os.environ if environ is None else environ
        self.now, self.monotonic, self.spawn = now, monotonic, spawn
        self._latest: str | None = None
        self._thread: threading.Thread | None = None
        self._started = 0.0

    @property
    def enabled(self) -> bool:
        return not _truthy(self.environ.get("FINK_NO_UPDATE_CHECK")) and not _truthy(self.environ.get("CI"))

    @property
    def budget(self) -> float:
        try:
            return max(0.0, float(self.environ.get("FINK_UPDATE_CHECK_WAIT", WAIT_BUDGET)))
        except ValueError:
            return WAIT_BUDGET

    def start(self) -> "UpdateCheck":
        if not self.enabled:
            return self
        cached = self._read_cache()
        if cached is not None:
            self._latest = cached
            return self
        if not self.budget:
            self.spawn(self.environ)  # the answer shows from the next run on
            return self
        self._started = self.monotonic()
        self._thread = threading.Thread(target=self._fetch, name="fink-update-check", daemon=True)
        self._thread.start()
        return self

    def latest(self) -> str | None:
        if self._thread is not None:
            self._thread.join(max(0.0, self.budget - (self.monotonic() - self._started)))
            if self._thread.is_alive():  # too slow for this run: the next run reads the answer from the cache
                self.spawn(self.environ)
            self._thread = None
        return self._latest if isinstance(self._latest, str) else None  # an odd answer or cache says nothing

    def _read_cache(self) -> str | None:
        try:
            data = _cache(self.environ).load()  # {} when absent, unreadable or not this user's private file
            if data.get("distribution") != DISTRIBUTION:
                return None  # written by a fink that asked about another name: not trusted
            if self.now() - float(data["checked"]) < CACHE_SECONDS:
                return data.get("latest")
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def _fetch(self) -> None:
        self._latest = refresh(self.environ, self.now)


if __name__ == "__main__":  # the detached background refresh
    refresh(os.environ)
