"""Which files go into a bundle, and under which names: folders, ignore patterns and the safety checks.

Kept apart from the zip writer so the rules (targets may not escape the bundle, missing sources and symlink loops are
errors, host noise such as ``__pycache__`` never gets in) can be read and tested on their own.
"""
from __future__ import annotations

import errno
import os
import posixpath
import stat
from dataclasses import dataclass, field
from typing import Any, Iterable

from fink.errors import ConfigError, FinkError

from .membercache import stamp_of
from .zipwriter import Member

__all__ = ["Ignore", "Collector", "safe_target", "load_ignore_patterns", "NOISE_DIRS", "NOISE_SUFFIXES"]

#: Directory names never bundled: byte-code caches and version-control metadata.
NOISE_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn"})
#: File suffixes never bundled: compiled byte-code differs between interpreters and runs.
NOISE_SUFFIXES = (".pyc", ".pyo")


def load_ignore_patterns(config: dict, workdir: str) -> list[str]:
    """``config['finkignore']`` (from the config reader) or else the lines of ``<workdir>/.finkignore``."""
    patterns = config.get("finkignore") if isinstance(config, dict) else None
    if patterns is None:
        path = os.path.join(workdir, ".finkignore")
        if not os.path.isfile(path):
            return []
        with open(path, encoding="utf-8") as fh:
            patterns = fh.read().splitlines()
    if isinstance(patterns, str):
        patterns = patterns.splitlines()
    return [p for p in patterns if isinstance(p, str) and p.strip() and not p.lstrip().startswith("#")]


class Ignore:
    """gitignore-style patterns matched against the path inside the bundle (and, for files of the working folder,
    against the path relative to it)."""

    def __init__(self, patterns: Iterable[str] = ()):
        self.patterns = list(patterns)
        self.spec = None
        if self.patterns:
            import pathspec  # only when there are patterns: keeps `<tool> --help` light

            self.spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)

    def __call__(self, *paths: str | None, is_dir: bool = False) -> bool:
        if self.spec is None:
            return False
        suffix = "/" if is_dir else ""
        return any(p and self.spec.match_file(p + suffix) for p in paths)


def safe_target(target: str | None, what: str) -> str:
    """Normalise a folder target to a relative posix path ('' = bundle root); ``../`` or absolute is an error."""
    raw = (target or "").replace("\\", "/").strip()
    norm = posixpath.normpath(raw) if raw else ""
    if raw.startswith("/") or norm == ".." or norm.startswith("../"):
        raise ConfigError(f"The bundle target '{target}' of {what} lies outside the bundle.",
                          hint="Use a path inside the bundle, e.g. 'lib' or '' for the root.")
    return "" if norm in ("", ".") else norm


def _stat(path: str) -> os.stat_result:
    """``os.stat`` following links; broken links and link loops become clear errors."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise FinkError(f"{path} is a broken symlink.", hint="Remove it or ignore it in .finkignore.") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FinkError(f"Symlink loop: {path} points back to itself.",
                            hint="Remove the link or ignore it in .finkignore.") from None
        raise FinkError(f"Cannot read {path}: {exc.strerror}.") from None


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _contains(parent: str, path: str) -> bool:
    return path == parent or path.startswith(parent.rstrip(os.sep) + os.sep)


def _join(target: str, rel: str) -> str:
    return f"{target}/{rel}" if target else rel


@dataclass
class Collector:
    """Gathers members by name; two different files for the same name are an error, never a silent overwrite."""

    workdir: str
    ignore: Ignore = field(default_factory=Ignore)
    excluded: Iterable[str] = ()  #: paths never bundled (``.fink/``, the zip itself), compared by file identity
    members: dict[str, Member] = field(default_factory=dict)
    origins: dict[str, tuple[Any, str]] = field(default_factory=dict)  #: name -> (file identity, path shown)

    def __post_init__(self) -> None:
        self.workdir = os.path.normpath(self.workdir)
        self._excluded_ids = {_identity(os.stat(p)) for p in self.excluded if os.path.exists(p)}

    def add(self, member: Member, origin: str, identity: Any = None) -> None:
        """Add ``member``; the same name from another file (``identity``, default ``origin``) is an error."""
        identity = origin if identity is None else identity
        existing = self.origins.get(member.name)
        if existing is not None and existing[0] != identity:
            raise ConfigError(f"Two files would become '{member.name}' in the bundle: {existing[1]} and {origin}.",
                              hint="Change a folder's target or ignore one of them in .finkignore.")
        self.members[member.name] = member
        self.origins[member.name] = (identity, origin)

    def add_data(self, name: str, data: bytes) -> None:
        self.add(Member(name, data=data), f"<generated {name}>")

    def add_path(self, source: str, target: str, what: str, *, user_files: bool = True) -> None:
        """Add a file (as ``target/<basename>``) or a folder's tree (under ``target``)."""
        path = os.path.normpath(os.path.join(self.workdir, source))
        if not os.path.lexists(path):
            raise ConfigError(f"The source '{source}' of {what} does not exist (in {self.workdir}).",
                              hint="Fix the path in the configuration (paths are relative to the working folder).")
        target = safe_target(target, what)
        if os.path.isdir(path):
            real = os.path.realpath(path)
            self._walk(path, real, target, {real}, user_files)
        else:
            self._add_file(path, _join(target, os.path.basename(path)), user_files)

    def sorted_members(self) -> list[Member]:
        return [self.members[name] for name in sorted(self.members)]

    def _rel_to_workdir(self, path: str, user_files: bool) -> str | None:
        prefix = self.workdir + os.sep
        if not user_files or not path.startswith(prefix):
            return None
        return path[len(prefix):].replace(os.sep, "/")

    def _add_file(self, path: str, name: str, user_files: bool, info: os.stat_result | None = None) -> None:
        rel = self._rel_to_workdir(path, user_files)
        if name.endswith(NOISE_SUFFIXES) or self.ignore(name, rel):
            return
        info = info or _stat(path)
        if not stat.S_ISREG(info.st_mode) or _identity(info) in self._excluded_ids:
            return
        executable = bool(info.st_mode & 0o111)
        self.add(Member(name, source=path, executable=executable, size=info.st_size, stamp=stamp_of(info)), path,
                 _identity(info))

    def _walk(self, folder: str, real: str, prefix: str, ancestors: set[str], user_files: bool) -> None:
        """Walk ``folder`` (whose resolved path is ``real``) once; only symlinked folders are resolved, which is
        all a loop check needs: a plain subfolder's resolved path is ``real/<name>``."""
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            name = _join(prefix, entry.name)
            rel = self._rel_to_workdir(entry.path, user_files)
            if entry.name in NOISE_DIRS or self.ignore(name, rel):
                continue
            info = _stat(entry.path)  # follows symlinks
            if not stat.S_ISDIR(info.st_mode):
                self._add_file(entry.path, name, user_files, info)
                continue
            if _identity(info) in self._excluded_ids or self.ignore(name, rel, is_dir=True):
                continue
            child = os.path.join(real, entry.name)
            if entry.is_symlink():
                child = os.path.realpath(entry.path)
                if child in ancestors or any(_contains(child, a) for a in ancestors):
                    raise FinkError(f"Symlink loop: {entry.path} points back to {child}.",
                                    hint="Remove the link or ignore it in .finkignore.")
            self._walk(entry.path, child, name, ancestors | {child}, user_files)
