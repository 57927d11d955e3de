"""What one fink process may reuse from the previous ones: small JSON files in the user's cache folder.

Every fink command pays a fixed start-up cost before its first AWS call: finding the installed tools and plugins
(importing ``importlib.metadata`` and reading every installed distribution's metadata), parsing the config schemas
(importing PyYAML) and validating the config (importing jsonschema). Their results depend only on the installed
distributions, the schema files and the config, so a run can reuse them from the last run as long as none of
these changed.

Rules: a cache only ever saves time, never changes an outcome. Each item records what it was derived from
(:func:`environment_fingerprint`, the digest of a file's content, the declarations it was read from) and is checked
against it; on any mismatch, and on any error reading or writing a file (no home folder, read-only disk, a corrupt
or concurrent write, a folder or file another user could have written: see :class:`JsonCache`), the caller
computes the answer as if there were no cache. Files are replaced atomically, so concurrent runs at worst redo
work. Nothing secret is written. ``FINK_NO_STARTUP_CACHE=1`` switches the caches off; the folder is
``$XDG_CACHE_HOME/fink`` (default ``~/.cache/fink``), shared with the update check.
"""
from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, Iterator, Mapping

__all__ = ["JsonCache", "UnsafeCache", "cache_dir", "enabled", "environment_fingerprint", "one_environment", "DISABLE_ENV"]

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


class UnsafeCache(Exception):
    """The cache folder or file may have been written by someone else: it is not used."""


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)
#: open the folder once and reach its files relative to that handle (POSIX), so a folder swapped between the check
#: and the use is not followed
_DIR_FD = {os.open, os.rename, os.unlink} <= os.supports_dir_fd and hasattr(os, "O_DIRECTORY")
_MAX_BYTES = 16 << 20  # far more than fink writes; a bigger file is not read


def _debug(message: str) -> None:
    import logging
    logging.getLogger(__name__).debug(message)


def _check_private(st: os.stat_result, what: str) -> None:
    """Raise :class:`UnsafeCache` unless ``st`` (of the cache folder or a file in it) belongs to the current user
    and only they can write it. Where there are no user ids (Windows) there is nothing to compare."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return
    if st.st_uid != getuid():
        raise UnsafeCache(f"{what} belongs to user id {st.st_uid}, not to you")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeCache(f"{what} is writable by other users (mode {stat.S_IMODE(st.st_mode):o})")


class JsonCache:
    """One JSON object in the cache folder, named ``<name>-<digest of this Python environment>.json`` (each
    virtual environment has its own files).

    Trust: the folder (created with mode 0700) and the file are used only when they belong to the current user and
    no one else can write them, and neither is a symbolic link; anything else is ignored (a debug message says
    why), so a cache folder shared with other users cannot feed fink anything. Writes go to a new, uniquely named
    file (never an existing one or a link) that then replaces the old one. Callers still check that each item
    matches what it was derived from."""

    def __init__(self, name: str, environ: Mapping[str, str] | None = None, *, per_environment: bool = True):
        """``per_environment=False``: one file for every environment, not switched off by
        ``FINK_NO_STARTUP_CACHE`` (the update check's answer, which has its own switch)."""
        import zlib
        environ = os.environ if environ is None else environ
        self.enabled = enabled(environ) or not per_environment
        where = f"{zlib.crc32(f'{sys.prefix}{os.sep}{sys.executable}'.encode()):08x}"  # a name, not a proof
        self.path = cache_dir(environ) / (f"{name}-{where}.json" if per_environment else f"{name}.json")

    def _open_folder(self, create: bool) -> int | None:
        """A handle on the checked cache folder (None where files are reached by path instead)."""
        folder = self.path.parent
        if create:
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.mkdir(folder, 0o700)
            except FileExistsError:
                pass
        if _DIR_FD:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW)
            try:
                _check_private(os.fstat(fd), f"cache folder {folder}")
            except BaseException:
                os.close(fd)
                raise
            return fd
        st = os.lstat(folder)
        if not stat.S_ISDIR(st.st_mode):
            raise UnsafeCache(f"{folder} is not a folder")
        _check_private(st, f"cache folder {folder}")
        return None

    def _at(self, name: str, fd: int | None) -> str:
        return name if fd is not None else str(self.path.parent / name)

    def load(self) -> dict[str, Any]:
        """The stored object, or ``{}`` when there is none, it cannot be read or is not trusted, or the cache is
        off. Never raises."""
        if not self.enabled:
            return {}
        fd = None
        try:
            fd = self._open_folder(create=False)
            handle = os.open(self._at(self.path.name, fd), os.O_RDONLY | _NOFOLLOW | _BINARY
                             | getattr(os, "O_NONBLOCK", 0), dir_fd=fd)
            try:
                st = os.fstat(handle)
                if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_BYTES:
                    raise UnsafeCache(f"{self.path} is not a regular file of a sensible size")
                _check_private(st, f"cache file {self.path}")
                with os.fdopen(handle, "rb", closefd=False) as fh:
                    raw = fh.read(_MAX_BYTES + 1)
            finally:
                os.close(handle)
            data = json.loads(raw)
        except FileNotFoundError:
            return {}
        except Exception as exc:  # unreadable, corrupt, too deep, someone else's: as if there were no cache
            _debug(f"start-up cache {self.path} ignored: {exc}")
            return {}
        finally:
            if fd is not None:
                os.close(fd)
        return data if isinstance(data, dict) else {}

    def save(self, data: Mapping[str, Any]) -> None:
        """Replace the stored object atomically; a failure is ignored (the next run computes it again)."""
        if not self.enabled:
            return
        fd = tmp = None
        try:
            text = json.dumps(data, separators=(",", ":")).encode("utf-8")
            fd = self._open_folder(create=True)
            name = self._at(f".{self.path.name}.{os.urandom(8).hex()}.tmp", fd)
            handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, 0o600, dir_fd=fd)
            tmp = name  # ours: removed again if anything below fails
            try:
                with os.fdopen(handle, "wb", closefd=False) as fh:
                    fh.write(text)
            finally:
                os.close(handle)
            os.replace(tmp, self._at(self.path.name, fd), src_dir_fd=fd, dst_dir_fd=fd)
            tmp = None
        except Exception as exc:
            _debug(f"start-up cache {self.path} not written: {exc}")
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp, dir_fd=fd)
                except OSError:
                    pass
            if fd is not None:
                os.close(fd)
