"""The compressed-member cache: a re-bundle compresses only the files that changed.

Why it is safe: bundles are deterministic, so a member with the same content, name, mode and compression settings
compresses to the same bytes every time. The cache keeps those bytes (with their CRC and sizes) and the zip writer
copies them instead of compressing again; the result is byte-identical to a bundle built from scratch.

Where: ``<workdir>/.fink/zipcache/``. The compressed bytes are not stored twice: each finished bundle is hard-linked
into the cache as a *pack* (copied where a hard link is impossible), and ``index.json`` says where in which pack
each member's compressed bytes are. Every bundle moves the entries of its members to its own pack, so an older
pack stays only while entries of other content (an earlier version of a changed file) point into it.

Rules:

- the key is sha256 over the cache format, the member's content hash, its archive name, its mode and the compression
  settings; the index also records the fink-bundler version and the settings (including zlib's version): an index
  written by another version or with other settings is ignored and replaced, never trusted;
- a file's content hash is taken from the index when its size, mtime, ctime and inode are unchanged and it was not
  modified within two seconds of being recorded (the "racy" rule of git's index); otherwise it is hashed again;
- before cached bytes are used, their length and the CRC-32 of the compressed bytes are checked; a pack whose size
  changed is dropped; a bad entry is compressed afresh;
- the packs together stay below a limit (``DEFAULT_LIMIT``, or ``FINK_BUNDLE_CACHE_MB``; ``0`` switches the cache
  off); the least recently used packs are evicted first;
- the cache never fails a bundle: an unreadable or unwritable cache means compressing everything.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Any, Iterator

__all__ = ["MemberCache", "Hit", "open_cache", "FORMAT", "DEFAULT_LIMIT", "LIMIT_ENV", "CACHE_SUBDIR"]

FORMAT = 1                    #: version of the cache layout; part of every key and of the index header
DEFAULT_LIMIT = 1 << 30       #: 1 GiB of packs
LIMIT_ENV = "FINK_BUNDLE_CACHE_MB"
CACHE_SUBDIR = "zipcache"
INDEX = "index.json"
_RACY_NS = 2_000_000_000      #: a file changed this close to the run's start is hashed again next time
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Hit:
    """Where a member's compressed bytes are: ``csize`` bytes at ``offset`` of ``pack``."""

    method: int
    crc: int
    size: int
    csize: int
    pack: str
    offset: int
    ccrc: int  #: CRC-32 of the compressed bytes (detects a corrupt or overwritten pack)


def _bundler_version() -> str:
    """fink's version: a cache written by another release is not trusted (the format may have changed)."""
    from fink import __version__

    return __version__


def cache_limit() -> int:
    """The size limit of the packs in bytes, from ``FINK_BUNDLE_CACHE_MB`` (0: no cache) or ``DEFAULT_LIMIT``."""
    raw = os.environ.get(LIMIT_ENV, "").strip()
    try:
        return max(0, int(float(raw) * 2**20)) if raw else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT


def open_cache(fink_folder: str) -> "MemberCache | None":
    """The cache under ``<fink_folder>/zipcache``, or None when switched off."""
    limit = cache_limit()
    return MemberCache(os.path.join(fink_folder, CACHE_SUBDIR), limit) if limit > 0 else None


def stamp_of(info: os.stat_result) -> tuple[int, ...]:
    """What says a file is unchanged without reading it."""
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev


class MemberCache:
    """One bundle run's view of the cache: ``bind`` → ``content_hash``/``lookup``/``read`` (thread-safe) →
    ``commit``."""

    def __init__(self, folder: str, limit: int = DEFAULT_LIMIT, *, now_ns: int | None = None):
        self.folder, self.limit = folder, limit
        self.now_ns = time.time_ns() if now_ns is None else now_ns
        self.header: dict[str, Any] = {}
        self.entries: dict[str, list] = {}   #: key -> [pack, offset, csize, crc, size, method, ccrc, used]
        self.packs: dict[str, list] = {}     #: pack -> [size, used]
        self.stamps: dict[str, list] = {}    #: source path -> stamp + [content hash]
        self.seq = 0
        self._fds: dict[str, int] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self._noted: set[str] = set()

    # -- loading ---------------------------------------------------------------------------------------------
    def bind(self, settings: str) -> None:
        """Load the index if it was written by this cache format, this bundler version and these settings."""
        self.header = {"format": FORMAT, "fink": _bundler_version(), "settings": settings}
        try:
            with open(os.path.join(self.folder, INDEX), encoding="utf-8") as fh:
                data = json.load(fh)
            if data.get("header") != self.header:
                return
            self.seq = int(data["seq"])
            packs = {p: v for p, v in data["packs"].items() if self._pack_ok(p, v[0])}
            self.packs = packs
            self.entries = {k: v for k, v in data["entries"].items() if v[0] in packs}
            self.stamps = data["stamps"]
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            self.packs, self.entries, self.stamps, self.seq = {}, {}, {}, 0

    def _pack_ok(self, pack: str, size: int) -> bool:
        try:
            return os.path.getsize(os.path.join(self.folder, pack)) == size
        except OSError:
            return False

    # -- looking up ------------------------------------------------------------------------------------------
    def known_hash(self, source: str | None, stamp: tuple[int, ...]) -> str | None:
        """The content hash recorded for an unchanged file, else None."""
        if source is None or not stamp:
            return None
        record = self.stamps.get(source)
        if record is None or record[:-1] != list(stamp):
            return None
        self._noted.add(source)
        return record[-1]

    def note_hash(self, source: str | None, stamp: tuple[int, ...], content: str) -> None:
        if source is None or not stamp or max(stamp[1], stamp[2]) > self.now_ns - _RACY_NS:
            return  # racy: a change within the same clock tick would go unnoticed
        with self._lock:
            self.stamps[source] = [*stamp, content]
            self._noted.add(source)

    def key(self, name: str, executable: bool, content: str) -> str:
        text = "\0".join([str(FORMAT), self.header.get("settings", ""), name, "755" if executable else "644",
                          content])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]

    def lookup(self, key: str) -> Hit | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        pack, offset, csize, crc, size, method, ccrc = entry[:7]
        return Hit(method, crc, size, csize, pack, offset, ccrc)

    def _fd(self, pack: str) -> int:
        with self._lock:
            fd = self._fds.get(pack)
            if fd is None:
                fd = self._fds[pack] = os.open(os.path.join(self.folder, pack), os.O_RDONLY | getattr(os, "O_BINARY", 0))
            return fd

    def _pread(self, pack: str, length: int, offset: int) -> bytes:
        fd = self._fd(pack)
        if hasattr(os, "pread"):
            return os.pread(fd, length, offset)
        with self._lock:  # no pread (Windows): seek and read under the lock
            os.lseek(fd, offset, os.SEEK_SET)
            return os.read(fd, length)

    def blocks(self, hit: Hit) -> Iterator[bytes]:
        """The compressed bytes of ``hit`` in blocks of at most 1 MiB (unchecked)."""
        done = 0
        while done < hit.csize:
            block = self._pread(hit.pack, min(_BLOCK, hit.csize - done), hit.offset + done)
            if not block:
                return
            yield block
            done += len(block)

    def verify(self, hit: Hit) -> bool:
        """Length and CRC of the cached compressed bytes are what was recorded."""
        try:
            crc, length = 0, 0
            for block in self.blocks(hit):
                crc, length = zlib.crc32(block, crc), length + len(block)
            return length == hit.csize and crc == hit.ccrc
        except OSError:
            return False

    def read(self, hit: Hit) -> bytes | None:
        """The checked compressed bytes of ``hit``, or None when the entry is corrupt or truncated."""
        try:
            data = self._pread(hit.pack, hit.csize, hit.offset) if hit.csize else b""
        except OSError:
            return None
        return data if len(data) == hit.csize and zlib.crc32(data) == hit.ccrc else None

    def counted_hit(self) -> None:
        with self._lock:
            self.hits += 1

    # -- recording -------------------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()

    def commit(self, zip_path: str, written: list[tuple[str, int, int, int, int, int, int]]) -> None:
        """Record the members of the finished ``zip_path``: (key, offset, csize, crc, size, method, ccrc) each.

        The zip becomes the newest pack; packs nothing points into any more, and the least recently used ones
        beyond the limit, are removed. Errors only mean a colder cache next time.
        """
        self.close()
        try:
            os.makedirs(self.folder, exist_ok=True)
            self.seq += 1
            pack = f"pack-{self.seq:06d}-{os.urandom(4).hex()}.zip"
            _link_or_copy(zip_path, os.path.join(self.folder, pack))
            self.packs[pack] = [os.path.getsize(os.path.join(self.folder, pack)), self.seq]
            for key, offset, csize, crc, size, method, ccrc in written:
                self.entries[key] = [pack, offset, csize, crc, size, method, ccrc, self.seq]
            self._evict()
            self._save()
        except OSError:
            pass

    def _evict(self) -> None:
        used = {p: 0 for p in self.packs}
        for entry in self.entries.values():
            used[entry[0]] = max(used.get(entry[0], 0), entry[7])
        order = sorted((u, p) for p, u in used.items())
        total = sum(v[0] for v in self.packs.values())
        for last_used, pack in order:
            if last_used and total <= self.limit:
                continue
            total -= self.packs.pop(pack)[0]
        self.entries = {k: v for k, v in self.entries.items() if v[0] in self.packs}
        if len(self.stamps) > len(self.entries) + len(self._noted):
            self.stamps = {s: v for s, v in self.stamps.items() if s in self._noted}
        for name in os.listdir(self.folder):
            if name.startswith("pack-") and name not in self.packs:
                _remove(os.path.join(self.folder, name))

    def _save(self) -> None:
        data = {"header": self.header, "seq": self.seq, "packs": self.packs, "entries": self.entries,
                "stamps": self.stamps}
        tmp = os.path.join(self.folder, f"{INDEX}.{os.urandom(4).hex()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(data, separators=(",", ":")))  # dumps: the C encoder (dump is pure Python)
            os.replace(tmp, os.path.join(self.folder, INDEX))
        finally:
            _remove(tmp)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
