"""Which files go into a bundle, and under which names: folders, ignore patterns and the safety checks.

Kept apart from the zip writer so the rules (targets may not escape the bundle, missing sources and symlink loops are
errors, host noise such as ``__pycache__`` never gets in) can be read and tested on their own.
"""
from __future__ import annotations

import errno
import operator
import os
import posixpath
import re
import stat
from dataclasses import dataclass, field
from typing import Any, Iterable

from fink.errors import ConfigError, FinkError

from .membercache import stamp_of
from .zipwriter import Member

__all__ = ["Ignore", "Collector", "safe_target", "load_ignore_patterns", "NOISE_DIRS", "NOISE_SUFFIXES",
           "DEFAULT_EXCLUDES"]

#: Credentials and local state never bundled from the user's folders unless a ``!pattern`` in ``.finkignore``
#: re-includes them (installed dependencies are not filtered: certifi's ``cacert.pem`` must ship).
DEFAULT_EXCLUDES = (".env*", ".aws/", ".ssh/", "*.pem", "*.key", ".npmrc", ".pypirc", "credentials*.json", ".git*")

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
    against the path relative to it). ``defaults`` come first, so the user's ``!pattern`` re-includes; they apply to
    the user's files only."""

    def __init__(self, patterns: Iterable[str] = (), defaults: Iterable[str] = ()):
        self.patterns = list(patterns)
        self.defaults = list(defaults)
        self.spec = self._spec(self.patterns)
        self.full = self._spec(self.defaults + self.patterns) if self.defaults else self.spec

    @staticmethod
    def _spec(patterns: list[str]) -> Any:
        if not patterns:
            return None
        import pathspec  # only when there are patterns: keeps `<tool> --help` light
        return _Prefiltered(pathspec.GitIgnoreSpec.from_lines(patterns))

    def __call__(self, *paths: str | None, is_dir: bool = False, user_files: bool = True) -> bool:
        return self._match(self.full if user_files else self.spec, paths, is_dir)

    def by_default(self, *paths: str | None, is_dir: bool = False) -> bool:
        """Left out only because of :data:`DEFAULT_EXCLUDES` (the user's patterns alone would keep it)."""
        return self._match(self.full, paths, is_dir) and not self._match(self.spec, paths, is_dir)

    @staticmethod
    def _match(spec: Any, paths: tuple[str | None, ...], is_dir: bool) -> bool:
        if spec is None:
            return False
        suffix = "/" if is_dir else ""
        for path in paths:
            if path and spec.match_file(path + suffix):
                return True
        return False


class _Prefiltered:
    """A pathspec with one combined regex in front: a path that no pattern matches at all (nearly every file of a
    bundle) is answered with one regex search instead of one per pattern; any other path gets pathspec's own
    ordered evaluation (last matching pattern wins, ``!`` re-includes), so the answers are the same."""

    def __init__(self, spec: Any):
        from pathspec.util import NORMALIZE_PATH_SEPS, normalize_file
        self.spec, self.normalize = spec, normalize_file
        #: no separator to translate (POSIX): a path that does not start with "/" or "./" is already normalised
        self.plain = not NORMALIZE_PATH_SEPS
        regexes = [p.regex.pattern for p in spec.patterns if p.include is not None and p.regex is not None]
        try:  # pathspec's patterns carry a named group each; in one alternation they must be plain groups
            self.any = re.compile("|".join(f"(?:{re.sub(r'[(][?]P<[^>]+>', '(?:', r)})" for r in regexes))
        except re.error:
            self.any = None
        if not regexes:
            self.any = re.compile(r"(?!)")  # matches nothing

    def could_match(self, first: str | None, second: str | None) -> bool:
        """False when no pattern matches either path at all (then ``match_file`` is False for both): the walk's
        quick answer for the common case, one regex search per path."""
        if self.any is None:
            return True
        search, plain = self.any.search, self.plain
        for path in (first, second):
            if path and search(path if plain and not path.startswith(("/", "./")) else self.normalize(path)):
                return True
        return False

    def match_file(self, path: str) -> bool:
        if self.any is not None:
            norm = path if self.plain and not path.startswith(("/", "./")) else self.normalize(path)
            if self.any.search(norm) is None:
                return False
        return bool(self.spec.match_file(path))


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


_S_ISREG = stat.S_ISREG
_BY_NAME = operator.attrgetter("name")


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
    external_symlinks: bool = False  #: follow symlinks that leave the working folder (else an error)
    left_out: list[str] = field(default_factory=list)  #: user files left out by the default excludes
    listed_left_out: list[str] = field(default_factory=list)  #: ... of them named explicitly in the config
    temp_files: tuple[str, str, str] | None = None  #: (folder, prefix, suffix) of the zip's temporary files: left out

    def __post_init__(self) -> None:
        self.workdir = os.path.normpath(self.workdir)
        self._real_workdir = os.path.realpath(self.workdir)
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
        name = target if os.path.isdir(path) else _join(target, os.path.basename(path))
        rel = self._rel_to_workdir(path, user_files)
        if user_files and self.ignore.by_default(name or None, rel, is_dir=os.path.isdir(path)):
            self.listed_left_out.append(source)
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

    def _add_file(self, path: str, name: str, user_files: bool, info: os.stat_result | None = None,
                  is_link: bool | None = None, rel: str | None = "?") -> None:
        if rel == "?":  # not given by the walk
            rel = self._rel_to_workdir(path, user_files)
        if name.endswith(NOISE_SUFFIXES) or (name.endswith(".tmp") and self.temp_files is not None
                                             and self._is_temp(path)):
            return
        spec = self.ignore.full if user_files else self.ignore.spec
        if spec is not None and spec.could_match(name, rel) and self._ignored(name, rel, False, user_files):
            return
        if is_link is not False:  # the walk knows (from the directory entry, no system call)
            self._check_link(path, user_files)
        info = info or _stat(path)
        identity = (info.st_dev, info.st_ino)  # _identity, inline: this runs for every file
        if not _S_ISREG(info.st_mode) or identity in self._excluded_ids:
            return
        self.add(Member(name, path, None, bool(info.st_mode & 0o111), info.st_size, stamp_of(info)), path, identity)

    def _is_temp(self, path: str) -> bool:
        """A temporary file of a bundle writing the zip (this run's or a concurrent one's, which may appear at any
        time during the walk)."""
        folder, prefix, suffix = self.temp_files
        base = os.path.basename(path)
        if not (base.startswith(prefix) and base.endswith(suffix)):
            return False
        return os.path.realpath(os.path.dirname(os.path.abspath(path))) == os.path.realpath(folder)

    def _walk(self, folder: str, real: str, prefix: str, ancestors: set[str], user_files: bool) -> None:
        """Walk ``folder`` (whose resolved path is ``real``) once; only symlinked folders are resolved, which is
        all a loop check needs: a plain subfolder's resolved path is ``real/<name>``."""
        with os.scandir(folder) as it:
            entries = sorted(it, key=_BY_NAME)
        # the path relative to the working folder: the folder's, then each entry's (its path is folder/name)
        top = user_files and folder == self.workdir and not folder.endswith(os.sep)
        base = "" if top else self._rel_to_workdir(folder, user_files)
        for entry in entries:
            name = f"{prefix}/{entry.name}" if prefix else entry.name
            rel = None if base is None else f"{base}/{entry.name}" if base else entry.name
            if entry.name in NOISE_DIRS:
                continue
            try:  # a folder, or a link to one; a broken link or a link loop is not (``_stat`` names it later)
                is_dir = entry.is_dir()  # follows symlinks; no system call for a plain entry
            except OSError:
                is_dir = False
            if not is_dir:
                self._add_file(entry.path, name, user_files, None, entry.is_symlink(), rel)  # checks the patterns
                continue
            if self._ignored(name, rel, False, user_files):
                continue
            info = _stat(entry.path)
            if _identity(info) in self._excluded_ids or self._ignored(name, rel, True, user_files):
                continue
            child = os.path.join(real, entry.name)
            if entry.is_symlink():
                self._check_link(entry.path, user_files)
                child = os.path.realpath(entry.path)
                if child in ancestors or any(_contains(child, a) for a in ancestors):
                    raise FinkError(f"Symlink loop: {entry.path} points back to {child}.",
                                    hint="Remove the link or ignore it in .finkignore.")
            self._walk(entry.path, child, name, ancestors | {child}, user_files)

    def _ignored(self, name: str, rel: str | None, is_dir: bool, user_files: bool) -> bool:
        if not self.ignore(name, rel, is_dir=is_dir, user_files=user_files):
            return False
        if user_files and self.ignore.by_default(name, rel, is_dir=is_dir):
            self.left_out.append(name + ("/" if is_dir else ""))
        return True

    def _check_link(self, path: str, user_files: bool) -> None:
        """A symlink of the user's folders pointing outside the working folder is refused unless allowed."""
        if not user_files or self.external_symlinks or not os.path.islink(path):
            return
        real = os.path.realpath(path)
        if not _contains(self._real_workdir, real):
            raise ConfigError(f"{path} is a symlink to {real}, outside the project folder {self.workdir}.",
                              hint="Copy what you need into the project, ignore the link in .finkignore, or set "
                                   "bundling.allowExternalSymlinks to true to bundle it anyway.")
