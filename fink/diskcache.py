"""What one fink process may reuse from the previous ones: small JSON files in the user's cache folder.

Every fink command pays a fixed start-up cost before its first AWS call: finding the installed tools and plugins
(importing ``importlib.metadata`` and reading every installed distribution's metadata), parsing the config schemas
(importing PyYAML) and validating the config (importing jsonschema). Their results depend only on the installed
distributions, the schema files and the config, so a run can reuse them from the last run as long as none of
these changed.

Rules: a cache only ever saves time, never changes an outcome. Each file records what its content was derived
from (:func:`environment_fingerprint`, a file's modification time and size, a digest); on any mismatch, and on any
error reading or writing a file (no home folder, read-only disk, a corrupt or concurrent write), the caller
computes the answer as if there were no cache. Files are replaced atomically, so concurrent runs at worst redo
work. Nothing secret is written. ``FINK_NO_STARTUP_CACHE=1`` switches the caches off; the folder is
``$XDG_CACHE_HOME/fink`` (default ``~/.cache/fink``), shared with the update check.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterator, Mapping

__all__ = ["JsonCache", "cache_dir", "enabled", "environment_fingerprint", "one_environment", "DISABLE_ENV"]

DISABLE_ENV = "FINK_NO_STARTUP_CACHE"

_METADATA_SUFFIXES = (".dist-info", ".egg-info", ".egg")


def enabled(environ: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(DISABLE_ENV, "")
    return value.strip().lower() in ("", "0", "false", "no")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fink"


def _stamp(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def _entry_fingerprint(entry: str) -> list:
    """The installed distributions one ``sys.path`` entry holds: each metadata folder's name and modification time
    and its ``entry_points.txt``'s (an entry that is a file, e.g. a zipped egg, by its own time and size).

    Installing, removing or upgrading a distribution creates or removes its metadata folder; rewriting the entry
    points in place changes the file's time. The folder's own time is not used: it changes whenever any file in it
    does (the working directory is on ``sys.path`` for ``python -c``)."""
    path = entry or "."
    try:
        names = sorted(n for n in os.listdir(path) if n.endswith(_METADATA_SUFFIXES))
    except NotADirectoryError:
        return [entry, _stamp(path)]
    except OSError:
        return [entry, None]
    found = [[n, _stamp(os.path.join(path, n)), _stamp(os.path.join(path, n, "entry_points.txt"))] for n in names]
    return [entry, found]


_PINNED: list[list] = []  # the fingerprint taken at the start of the current run (see one_environment)


def environment_fingerprint() -> list:
    """What decides which distributions (and which entry points) ``importlib.metadata`` finds: the interpreter,
    ``sys.path`` and the metadata of every distribution on it. Costs a listing of each ``sys.path`` folder and a
    few hundred ``stat`` calls (about a millisecond), instead of reading every distribution's metadata. Inside
    :func:`one_environment`, the fingerprint taken first."""
    if _PINNED:
        return _PINNED[0]
    return [sys.executable, sys.version, [_entry_fingerprint(entry) for entry in sys.path]]


@contextlib.contextmanager
def one_environment() -> Iterator[None]:
    """One run sees the installed distributions as they were when it started: the fingerprint is taken once
    (a run looks at it for its plugins, its tools and its schemas)."""
    if _PINNED:  # nested: the outer run's view
        yield
        return
    _PINNED.append(environment_fingerprint())
    try:
        yield
    finally:
        _PINNED.clear()


class JsonCache:
    """One JSON object in the cache folder, named ``<name>-<digest of this Python environment>.json`` (each
    virtual environment has its own files)."""

    def __init__(self, name: str, environ: Mapping[str, str] | None = None):
        import zlib
        environ = os.environ if environ is None else environ
        self.enabled = enabled(environ)
        where = f"{zlib.crc32(f'{sys.prefix}{os.sep}{sys.executable}'.encode()):08x}"  # a name, not a proof
        self.path = cache_dir(environ) / f"{name}-{where}.json"

    def load(self) -> dict[str, Any]:
        """The stored object, or ``{}`` when there is none, it cannot be read, or the cache is off."""
        if not self.enabled:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self, data: Mapping[str, Any]) -> None:
        """Replace the stored object atomically; a failure is ignored (the next run computes it again)."""
        if not self.enabled:
            return
        import threading
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, self.path)
        except (OSError, TypeError, ValueError):
            try:
                tmp.unlink()
            except OSError:
                pass
