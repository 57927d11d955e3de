"""Tells when a newer fink is on PyPI, without ever failing or delaying a command.

The check runs in a daemon thread with a short timeout, its answer is cached for a day, and it is switched off
with ``FINK_NO_UPDATE_CHECK=1``. Offline, the command goes on as if nothing happened.

fink's core is published as ``fink-core`` (the name ``fink`` belongs to an unrelated project, see
docs/design-decisions.md). An index answer counts only when it is fink's own: its normalised name is
``fink-core`` and its summary is fink's (:data:`SUMMARY`, the same text as the core's ``setup.py``). Anything else
(a squatter, a mirror serving another project under the name, an odd answer) says nothing.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path

__all__ = ["UpdateCheck", "newer", "fink_release", "DISTRIBUTION", "UPDATE_COMMAND", "SUMMARY"]

#: the core distribution's name on the package index, and the command that updates it
DISTRIBUTION = "fink-core"
UPDATE_COMMAND = f"pip install -U {DISTRIBUTION}"
#: the core distribution's summary (setup.py's ``description``): how the index answer proves it is fink's
SUMMARY = "fink: infrastructure-as-code deployment tools for AWS (core)"
PYPI_URL = f"https://pypi.org/pypi/{DISTRIBUTION}/json"
CACHE_SECONDS = 24 * 3600
TIMEOUT = 1.5


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
        return self._latest if isinstance(self._latest, str) else None  # an odd answer or cache says nothing

    def _read_cache(self) -> str | None:
        try:
            data = json.loads(_cache_file(self.environ).read_text())
            if data.get("distribution") != DISTRIBUTION:
                return None  # written by a fink that asked about another name: not trusted
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
                latest = fink_release(json.load(response))
        except Exception:
            return  # offline, PyPI down, odd answer: say nothing
        self._latest = latest
        try:
            path = _cache_file(self.environ)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"checked": self.now(), "distribution": DISTRIBUTION, "latest": latest}))
        except OSError:
            pass
