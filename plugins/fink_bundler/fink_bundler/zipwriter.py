"""Deterministic zip writing that uses every core.

Why not ``zipfile.ZipFile.write``: it stores file mtimes and modes and compresses on one core. Here the bytes depend
only on (name, content, executable bit): fixed timestamps (1980-01-01 00:00), modes normalised to 0644/0755, no
directory entries, no extra fields, a fixed compression level, members in the order given (the caller sorts them).

Speed: members are compressed in a thread pool (zlib releases the GIL while it deflates and computes CRCs); large
files are split into 1 MiB chunks compressed in parallel, each chunk primed with the previous 32 KiB as preset
dictionary and ended with a sync flush, so the concatenation is one valid deflate stream (the method of ``pigz``).
The chunk size is fixed, so the output does not depend on the number of cores. The main thread writes the finished
members in order and hashes the zip as it writes it; the bytes in flight are bounded (``_IN_FLIGHT``, and a large
member's compressed chunks wait in a spool beyond ``_SPOOL_MEMORY``), so memory does not grow with the tree.

With a member cache (``membercache``), a member whose content, name, mode and settings are cached is copied from
the cache instead of compressed; the bytes written are the same. Cached members whose records (local header, name,
compressed bytes) follow each other in a pack form a *run* and are copied as one byte range (``_plan``,
``_copy_range``); local headers hold no offsets, so only the central directory is built. ``prepare`` starts, before
the files are collected, a background hash (``_Prehash``) of the newest pack — the previous bundle — that also
copies it into the new zip's temporary file: when the new zip starts with the same bytes, they are in place and
hashed before the plan is made. Ranges of that pack are vouched for by its recorded SHA-256, ranges of older packs
are checked record by record (``_Hasher``); a mismatch means writing the zip again without ranges.

Byte-identical output across machines assumes the same deflate implementation (zlib 1.2.x/1.3.x all produce the same
stream for the same level; zlib-ng does not).
"""
from __future__ import annotations

import base64
import hashlib
import os
import queue
import struct
import tempfile
import threading
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from fink.errors import FinkError

if TYPE_CHECKING:
    from .membercache import MemberCache

__all__ = ["Member", "ZipStats", "write_zip", "prepare", "compression_settings", "COMPRESS_LEVEL", "FILE_MODE",
           "EXEC_MODE"]

#: zlib level: fixed, part of the bundle's identity. 5, not zip's default 6: on real site-packages it costs 0.7 x the
#: CPU of level 6 for a zip within 1 % of ``zip -qrX``'s size (level 4 would be 3 % larger).
COMPRESS_LEVEL = 5
FILE_MODE = 0o644
EXEC_MODE = 0o755
CHUNK = 1 << 20              #: chunk size of the parallel compression of large members (fixed: output depends on it)
_DICT = 32 * 1024            #: deflate window: the preset dictionary of each chunk
_SPOOL_MEMORY = 4 << 20      #: compressed bytes of one large member kept in memory; the rest waits in a temp file
_IN_FLIGHT = 8 << 20         #: uncompressed bytes of small members submitted but not yet written (bounds memory)
_DOS_DATE = (0 << 9) | (1 << 5) | 1   # 1980-01-01
_DOS_TIME = 0
_STORED, _DEFLATED = 0, 8
_MADE_BY = (3 << 8) | 20     # unix, spec 2.0 (so unzip applies the unix permissions)
_NEEDED = 20
_MAX32 = 0xFFFFFFFF
_LOCAL = struct.Struct("<IHHHHHIIIHH")            #: local file header (30 bytes; the name follows)
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")    #: central directory entry (46 bytes; the name follows)
_FILE_ATTR = (0o100000 | FILE_MODE) << 16
_EXEC_ATTR = (0o100000 | EXEC_MODE) << 16
_RANGE_BLOCK = CHUNK                              #: block size in which the hasher reads a copied range


@dataclass(frozen=True, slots=True)
class Member:
    """One file of the archive: ``name`` is its posix path inside the archive; content from ``source`` or ``data``."""

    name: str
    source: str | None = None
    data: bytes | None = None
    executable: bool = False
    size: int = 0  #: size on disk (used to choose chunked compression); ``data`` members use ``len(data)``
    stamp: tuple = ()  #: (size, mtime_ns, ctime_ns, inode, device) of ``source``: lets the member cache skip hashing

    def read(self, start: int = 0, length: int = -1) -> bytes:
        if self.data is not None:
            return self.data[start:] if length < 0 else self.data[start:start + length]
        with open(self.source, "rb") as fh:
            fh.seek(start)
            return fh.read(length)

    @property
    def length(self) -> int:
        return len(self.data) if self.data is not None else self.size


@dataclass(frozen=True)
class ZipStats:
    files: int
    unzipped_size: int
    zipped_size: int
    sha256: str = ""  #: base64(sha256(zip bytes)), computed while writing (the zip is never read back)
    reused: int = 0   #: members whose compressed bytes came from the member cache


@dataclass
class _Done:
    chunks: Iterable[bytes]
    crc: int
    size: int
    method: int
    key: bytes | None = None  #: member-cache key, recorded once written
    csize: int | None = None  #: known compressed size when ``chunks`` is a lazy iterator (a cached large member)
    ccrc: int | None = None   #: for bytes from the member cache: the CRC they must have (checked again when written)


def compression_settings(level: int) -> str:
    """Everything besides the content that decides the compressed bytes (the member cache's settings key)."""
    return f"deflate-{level}/chunk-{CHUNK}/dict-{_DICT}/zlib-{zlib.ZLIB_RUNTIME_VERSION}"


def _compress_whole(member: Member, level: int, data: bytes | None = None) -> _Done:
    data = member.read() if data is None else data
    if not data:
        return _Done([], 0, 0, _STORED)
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    return _Done([comp.compress(data) + comp.flush()], zlib.crc32(data), len(data), _DEFLATED)


def _compress_chunk(member: Member, index: int, last: bool, level: int) -> bytes:
    start = index * CHUNK
    dict_start = max(0, start - _DICT)
    raw = member.read(dict_start, CHUNK + (start - dict_start))
    zdict, data = raw[:start - dict_start], raw[start - dict_start:]
    comp = zlib.compressobj(level, zlib.DEFLATED, -15, zdict=zdict) if zdict else zlib.compressobj(
        level, zlib.DEFLATED, -15)
    return comp.compress(data) + (comp.flush() if last else comp.flush(zlib.Z_SYNC_FLUSH))


def _crc_and_size(member: Member, cache: "MemberCache | None" = None) -> tuple[int, int, bytes | None]:
    """CRC and size of a large member (and its content hash when there is a cache)."""
    crc, size = 0, 0
    digest = hashlib.sha256() if cache is not None else None
    with open(member.source, "rb") as fh:
        while block := fh.read(8 * CHUNK):
            crc, size = zlib.crc32(block, crc), size + len(block)
            if digest is not None:
                digest.update(block)
    return crc, size, digest.digest() if digest is not None else None


def _is_large(member: Member) -> bool:
    return member.data is None and member.length > 2 * CHUNK


def _content_key(member: Member, cache: "MemberCache") -> tuple[bytes, bytes | None]:
    """The member's cache key, and its bytes when they had to be read to hash them."""
    data = None
    content = cache.known_hash(member.source, member.stamp)
    if content is None:
        data = member.read()
        content = hashlib.sha256(data).digest()
        cache.note_hash(member.source, member.stamp, content)
    return cache.key(member.name, member.executable, content), data


def _cached_or_compressed(members: list[Member], level: int, cache: "MemberCache") -> list[_Done]:
    """Small members from the cache where their checked bytes are there, the others compressed (and keyed)."""
    keyed = [_content_key(m, cache) for m in members]
    hits = {i: hit for i, (m, (key, _)) in enumerate(zip(members, keyed))
            if (hit := cache.lookup(key)) is not None and hit.size == m.length}
    raws = dict(zip(hits, cache.read_many(list(hits.values()))))
    out = []
    for index, (member, (key, data)) in enumerate(zip(members, keyed)):
        raw = raws.get(index)
        if raw is not None:
            hit = hits[index]
            out.append(_Done([raw] if raw else [], hit.crc, hit.size, hit.method, key, len(raw), hit.ccrc))
            continue
        done = _compress_whole(member, level, data)
        done.key = key
        out.append(done)
    cache.counted_hit(sum(raw is not None for raw in raws.values()))
    return out


def _compress_batch(members: list[Member], level: int, cache: "MemberCache | None" = None) -> list[_Done]:
    if cache is None:
        return [_compress_whole(m, level) for m in members]
    return _cached_or_compressed(members, level, cache)


def _file_hash(member: Member) -> bytes:
    digest = hashlib.sha256()
    with open(member.source, "rb") as fh:
        while block := fh.read(8 * CHUNK):
            digest.update(block)
    return digest.digest()


def _large_hit(member: Member, cache: "MemberCache | None") -> _Done | None:
    """A large member whose checked bytes are in the cache, streamed from its pack. Its content is hashed first
    (unless its stamp is known): hashing costs a small part of compressing."""
    if cache is None or not cache.entries:
        return None
    content = cache.known_hash(member.source, member.stamp)
    if content is None:
        content = _file_hash(member)
        cache.note_hash(member.source, member.stamp, content)
    key = cache.key(member.name, member.executable, content)
    hit = cache.lookup(key)
    if hit is None or hit.size != member.length or not cache.verify(hit):
        return None
    cache.counted_hit()
    return _Done(cache.blocks(hit), hit.crc, hit.size, hit.method, key, hit.csize, hit.ccrc)


def _batches(members: Iterable["Member | _Run"]) -> Iterator["list[Member] | _Run"]:
    """Small members grouped up to ~CHUNK bytes (fewer, larger tasks); each large member alone; runs as they are."""
    batch, size = [], 0
    for member in members:
        if isinstance(member, _Run) or _is_large(member):
            if batch:
                yield batch
                batch, size = [], 0
            yield member if isinstance(member, _Run) else [member]
            continue
        batch.append(member)
        size += member.length
        if size >= CHUNK or len(batch) >= 256:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _done_future(done: _Done) -> Future:
    future: Future = Future()
    future.set_result([done])
    return future


def _submit(pool: ThreadPoolExecutor, batch: list[Member], level: int,
            cache: "MemberCache | None" = None) -> list[Future]:
    """Futures of one batch: one task for small members, or a CRC task and one task per chunk of a large one (none
    for a run: it is copied when its turn comes)."""
    if isinstance(batch, _Run):
        return []
    member = batch[0]
    if not _is_large(member):
        return [pool.submit(_compress_batch, batch, level, cache)]
    hit = _large_hit(member, cache)
    if hit is not None:
        return [_done_future(hit)]
    return [pool.submit(_crc_and_size, member, cache)]  # the chunks follow when the writer gets to it


def _compress_large(pool: ThreadPoolExecutor, member: Member, level: int, ahead: int) -> tuple[Any, int]:
    """Compress a large member's chunks in parallel, at most ``ahead`` at a time, into a spool (memory up to
    ``_SPOOL_MEMORY``, then a temporary file): memory stays bounded whatever the size of one file."""
    count = -(-member.length // CHUNK)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)
    pending: deque[Future] = deque()
    submitted, size = 0, 0
    try:
        while submitted < count or pending:
            while submitted < count and len(pending) < ahead:
                pending.append(pool.submit(_compress_chunk, member, submitted, submitted == count - 1, level))
                submitted += 1
            data = pending.popleft().result()
            spool.write(data)
            size += len(data)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, size


def _spooled(spool: Any) -> Iterator[bytes]:
    with spool:
        while block := spool.read(CHUNK):
            yield block


def _collect(futures: list[Future], batch: list[Member], cache: "MemberCache | None" = None,
             pool: ThreadPoolExecutor | None = None, level: int = COMPRESS_LEVEL, ahead: int = 4) -> list[_Done]:
    result = futures[0].result()
    if not _is_large(batch[0]) or not isinstance(result, tuple):
        return result
    member = batch[0]
    spool, csize = _compress_large(pool, member, level, ahead)
    crc, size, content = result
    if size != member.length:
        spool.close()
        raise FinkError(f"{member.source} changed while it was being bundled.", hint="Run the command again.")
    key = None
    if cache is not None and content is not None:
        cache.note_hash(member.source, member.stamp, content)
        key = cache.key(member.name, member.executable, content)
    return [_Done(_spooled(spool), crc, size, _DEFLATED, key, csize)]


class _StaleCache(Exception):
    """Bytes copied from a pack were not what the cache recorded: the attempt is redone without range copies."""


def _write_out(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _pread(fd: int, length: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, length, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows: the descriptor is this thread's own
    return os.read(fd, length)


def _read_block(fd: int, view: memoryview, want: int, pos: int) -> memoryview:
    """Up to ``want`` bytes of ``fd`` at ``pos`` (into ``view`` where ``preadv`` exists); empty at the end."""
    if hasattr(os, "preadv"):
        return view[:os.preadv(fd, [view[:want]], pos)]
    return memoryview(_pread(fd, want, pos))


class _Prehash(threading.Thread):
    """Hashes the newest pack (the previous bundle) from its start while the caller collects the files, keeping the
    SHA-256 state at every block boundary, and checks it against the digest recorded for it (``ok``).

    A re-bundle usually starts with a long run of the previous bundle's bytes (everything before the first change):
    the hash of that part is then ready, and only the rest of the new zip is hashed after the plan. The check also
    vouches for every byte of the pack, so ranges copied from it need no record-by-record CRC check.

    With a ``target`` (this run's own temporary file for the new zip, see ``_Temp``), the blocks are also written
    there, until the writer takes the file over (``hand_over``): the new zip's unchanged start is then in place
    before the plan is made. No other run writes to that file, so what was copied is still there."""

    def __init__(self, path: str, length: int, expected: bytes, target: "_Temp | None" = None):
        super().__init__(name="fink-zip-prehash", daemon=True)
        self.path, self.length, self.expected = path, length, expected
        self.states: list[tuple[int, Any]] = [(0, hashlib.sha256())]  #: (offset, SHA-256 state there)
        self.ok = False
        self._target_fd = None
        if target is not None:
            try:
                self._target_fd = os.dup(target.fd)  # its own descriptor: this thread closes it when done
            except OSError:
                target = None
        self.target = target.path if target is not None else None
        self.copied, self._writing = 0, target is not None
        self._halt, self._handed, self._lock = False, False, threading.Lock()
        self._progress, self._ended = threading.Condition(), False

    def run(self) -> None:
        digest, pos, view = hashlib.sha256(), 0, memoryview(bytearray(CHUNK))
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            try:
                while pos < self.length and not self._halt:
                    block = _read_block(fd, view, min(CHUNK, self.length - pos), pos)
                    if not block:
                        return
                    digest.update(block)
                    self._copy(block, pos)
                    pos += len(block)
                    with self._progress:
                        self.states.append((pos, digest.copy()))
                        self._progress.notify_all()
            finally:
                os.close(fd)
        except OSError:
            return
        finally:
            with self._lock:
                self._writing = False
                if self._target_fd is not None:
                    os.close(self._target_fd)
                    self._target_fd = None
            with self._progress:
                self._ended = True
                self._progress.notify_all()
        self.ok = pos == self.length and digest.digest() == self.expected

    def _copy(self, block: memoryview, pos: int) -> None:
        with self._lock:
            if not self._writing:
                return
            try:
                if hasattr(os, "pwrite"):
                    view = block
                    while view:
                        view = view[os.pwrite(self._target_fd, view, pos + len(block) - len(view)):]
                else:  # Windows: no other thread uses the file (or its offset) until ``hand_over``
                    os.lseek(self._target_fd, pos, os.SEEK_SET)
                    _write_out(self._target_fd, block)
            except OSError:  # e.g. a full disk: the writer copies the rest (and says what is wrong)
                self._writing = False
                return
            self.copied = pos + len(block)

    def hand_over(self, target: str) -> int:
        """Stop writing to ``target``; returns how many of the pack's first bytes are there (0: not this file)."""
        if target != self.target:
            return 0
        with self._lock:
            self._writing, self._handed = False, True
            return self.copied

    def state_at(self, offset: int) -> tuple[int, Any]:
        """The last state at or before ``offset``, once the hash got there (or ended): the rest of the pack is
        hashed on while the caller goes on from there."""
        with self._progress:
            self._progress.wait_for(lambda: self.states[-1][0] >= offset or self._ended)
            best = self.states[0]
            for state in self.states:
                if state[0] > offset:
                    break
                best = state
            return best[0], best[1].copy()

    def stop(self) -> None:
        self._halt = True
        if self.is_alive():
            self.join()


class _Temp:
    """One run's own temporary file for the zip: ``<zip>.<random>.tmp`` in the zip's folder, created exclusively
    (``mkstemp``: ``O_EXCL``, so a file or symlink planted there is never followed or overwritten) and written
    through this descriptor only. Concurrent bundles of one project each have their own (``temp_pattern`` keeps
    them all out of the walk). ``discard`` removes it unless it became the zip."""

    def __init__(self, zip_path: str):
        folder, name = os.path.split(os.path.abspath(zip_path))
        self.fd, self.path = tempfile.mkstemp(prefix=name + ".", suffix=".tmp", dir=folder)
        if hasattr(os, "fchmod"):
            os.fchmod(self.fd, 0o644)  # the zip is not a private file
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)

    def discard(self) -> None:
        self.close()
        try:
            os.remove(self.path)
        except OSError:
            pass


def temp_pattern(zip_path: str) -> tuple[str, str, str]:
    """(folder, prefix, suffix) of the temporary files of bundles writing ``zip_path`` (``<zip>.*.tmp``; the
    ``<zip>.tmp`` of earlier fink versions matches too): never bundled. The suffix is always ``.tmp`` (the
    collector tests it first, cheaply)."""
    folder, name = os.path.split(os.path.abspath(zip_path))
    return folder, name + ".", ".tmp"


def prepare(cache: "MemberCache", level: int = COMPRESS_LEVEL, target: str | None = None) -> None:
    """Bind ``cache`` to the compression settings and start hashing its newest pack in the background (and copying
    it into a temporary file of its own for the zip ``target``, created before this returns: ``cache.temp``);
    called before the files are collected, so that work overlaps the walk (``write_zip`` does it itself
    otherwise)."""
    cache.bind(compression_settings(level))
    cache.sweep()
    newest = cache.newest_pack()
    if cache.prehash is None and newest is not None:
        name, size, digest = cache.packs[newest][:3]
        if digest:
            if target is not None and cache.temp is None:
                try:
                    cache.temp = _Temp(target)
                except OSError:
                    pass  # the writer reports what is wrong with the folder
            cache.prehash = _Prehash(cache.pack_path(newest), size, digest, cache.temp)
            cache.prehash.start()


class _Hasher(threading.Thread):
    """Hashes the zip in order: bytes the writer wrote on the caller's thread as they come, ranges of a pack copied
    without passing through Python on this thread (started with the first range; hashlib and zlib release the GIL
    on large buffers, so hashing a range overlaps copying it and what follows). Bytes written while a range is
    being hashed queue behind it (at most a few blocks: the queue is bounded).

    A range of the pack the ``prehash`` checked needs no further check, and when the zip starts with that pack's
    first bytes, their hash is taken from the prehash. A range of another pack is checked record by record against
    the CRCs the cache recorded. On a mismatch (or a pack the prehash found changed) ``bad`` is set; the writer then
    redoes the bundle without range copies."""

    def __init__(self, prehash: _Prehash | None = None):
        super().__init__(name="fink-zip-hash", daemon=True)
        self.digest, self.queue, self.bad, self.error = hashlib.sha256(), queue.Queue(4), False, None
        self.prehash, self.relied, self.hashed = prehash, False, 0
        self._fds: dict[str, int] = {}
        self._buffer: bytearray | None = None

    def update(self, data) -> None:
        if not self.queue.unfinished_tasks:  # nothing queued or being hashed: hash here, in order
            self.digest.update(data)
            self.hashed += len(data)
        else:
            self.queue.put(data)

    def add_range(self, item: tuple) -> None:
        if not self.is_alive():
            self.start()
        self.queue.put(item)

    def run(self) -> None:
        while (item := self.queue.get()) is not None:
            try:
                if self.bad or self.error is not None:
                    continue  # keep draining: the writer must never block on a full queue
                if isinstance(item, tuple):
                    self._range(*item)
                else:
                    self.digest.update(item)
                    self.hashed += len(item)
            except OSError:
                self.bad = True  # a pack that cannot be read: written again without range copies
            except BaseException as exc:  # reported by ``result``
                self.error = exc
            finally:
                self.queue.task_done()
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def _fd(self, path: str) -> int:
        fd = self._fds.get(path)
        if fd is None:
            fd = self._fds[path] = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        return fd

    def _range(self, path: str, start: int, length: int, spans: list[tuple[int, int]]) -> None:
        """Hash ``length`` bytes of ``path`` at ``start``; ``spans`` are the (length, CRC) of its records."""
        pre = self.prehash
        if pre is not None and path == pre.path:
            self.relied = True  # the pack's check is the prehash's (see ``result``)
            skip = 0
            if start == 0 and self.hashed == 0:  # this zip starts with the pack's bytes: their hash is done
                skip, self.digest = pre.state_at(length)
            self._hash(path, start + skip, length - skip, None)
        else:
            self._hash(path, start, length, spans)
        self.hashed += length

    def _hash(self, path: str, start: int, length: int, spans: list[tuple[int, int]] | None) -> None:
        if self._buffer is None:
            self._buffer = bytearray(_RANGE_BLOCK)
        fd, view, crc32 = self._fd(path), memoryview(self._buffer), zlib.crc32
        records = iter(spans or ())
        left, expected = next(records, (start + length + 1, None))  # no spans: nothing to check
        crc, pos, end = 0, start, start + length
        while pos < end:
            block = _read_block(fd, view, min(_RANGE_BLOCK, end - pos), pos)
            got = len(block)
            if not got:
                self.bad = True
                return
            self.digest.update(block)
            pos += got
            if spans is None:
                continue
            at = 0
            while at < got:
                take = min(left, got - at)
                crc = crc32(block[at:at + take], crc)
                at, left = at + take, left - take
                if not left:
                    if crc != expected:
                        self.bad = True
                        return
                    left, expected = next(records, (end, None))
                    crc = 0

    def result(self) -> bytes:
        self.stop(bad=False)
        if self.error is not None:
            raise self.error
        if self.relied:
            self.prehash.join()
            self.bad = self.bad or not self.prehash.ok
        if self.bad:
            raise _StaleCache()
        return self.digest.digest()

    def stop(self, bad: bool = True) -> None:
        if self.is_alive():
            self.bad = self.bad or bad
            self.queue.put(None)
            self.join()


class _Output:
    """Unbuffered file plus the hasher: every byte written is hashed, so the finished zip need not be read back.
    Small pieces (headers, small members) are gathered into blocks of about 1 MiB (fewer system calls and hash
    updates); ranges of a pack go straight from file to file (``copy_range``)."""

    def __init__(self, fd: int, prehash: _Prehash | None = None):
        self.fd, self.buffer, self.hasher = fd, bytearray(), _Hasher(prehash)
        self.prehash = prehash

    def write(self, data) -> None:
        if len(data) >= CHUNK:
            self.flush()
            self._out(data)
            return
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self.flush()

    def _out(self, data) -> None:
        _write_out(self.fd, data)
        self.hasher.update(data)

    def flush(self) -> None:
        if self.buffer:
            self._out(self.buffer)
            self.buffer = bytearray()

    def copy_range(self, source: int, path: str, start: int, length: int, spans: list[tuple[int, int]],
                   present: int = 0, read: Any = None) -> None:
        """Append ``length`` bytes of the pack ``source`` (open; its path for the hasher) from ``start``; the first
        ``present`` of them are in the file already (skipped)."""
        self.flush()
        self.hasher.add_range((path, start, length, spans))
        if present:
            os.lseek(self.fd, present, os.SEEK_SET)
        _copy_range(source, self.fd, start + present, length - present, read)

    def digest(self) -> bytes:
        return self.hasher.result()


def _copy_range(source: int, target: int, start: int, length: int, read: Any = None) -> None:
    """Copy in the kernel where it can (``os.copy_file_range``: no copy through Python, a reflink on file systems
    that share blocks); else, or when the call is refused (another file system, an old kernel), read (with
    ``read(length, offset)`` when given: the cache's reader, safe where there is no ``pread``) and write."""
    done = 0
    copy = getattr(os, "copy_file_range", None)
    if copy is not None:
        try:
            while done < length:
                count = copy(source, target, length - done, start + done)
                if not count:
                    raise _StaleCache()  # the pack is shorter than recorded
                done += count
            return
        except OSError:
            pass  # nothing of the failed call was written: go on with plain reads and writes
    while done < length:
        block = (read or partial(_pread, source))(min(_RANGE_BLOCK, length - done), start + done)
        if not block:
            raise _StaleCache()
        _write_out(target, block)
        done += len(block)


@dataclass(slots=True)
class _Run:
    """Cached members whose records (local header, name, compressed bytes) lie back to back in one pack, in this
    bundle's order: copied as one byte range. Local headers hold no offsets, so the range fits anywhere."""

    pack: int
    start: int
    end: int
    members: list  #: (member, encoded name, cache key, raw cache entry) each


def _plan(members: list[Member], cache: "MemberCache") -> Iterator["Member | _Run"]:
    """The members in order, with the cached ones whose records follow each other in a pack grouped into runs.

    Only members whose content hash is known from their stamp qualify (nothing is read here); the others, and data
    members, take the usual way (compressed, or their bytes read from the cache and checked)."""
    run, local = None, _LOCAL.size
    for member, known in zip(members, cache.known_entries(members)):
        if known is not None:
            key, entry = known
        if known is None or entry[4] != member.length:
            if run is not None:
                yield run
                run = None
            yield member
            continue
        name = member.name.encode("utf-8")
        record = entry[1] - local - len(name)
        if run is not None and (run.pack != entry[0] or run.end != record):
            yield run
            run = None
        if run is None:
            run = _Run(entry[0], record, record, [])
        run.end = entry[1] + entry[2]
        run.members.append((member, name, key, entry))
    if run is not None:
        yield run


class _Writer:
    def __init__(self, fd: int, prehash: _Prehash | None = None, present: int = 0):
        self.fh, self.offset, self.central, self.count, self.unzipped = _Output(fd, prehash), 0, [], 0, 0
        self.present = present  #: the file starts with this many bytes of the prehashed pack (copied during the walk)
        #: (key, data offset, csize, crc, size, method, CRC of the compressed bytes, CRC of the whole record)
        self.written: list[tuple] = []

    def _data(self, done: _Done, csize: int, rcrc: int) -> tuple[int, int]:
        """Write the member's compressed bytes; returns their CRC and the record's (``rcrc``: of header and name
        so far). Cached bytes that stream from the cache are checked once more (the checked ones arrive as a
        list)."""
        if isinstance(done.chunks, list) and done.ccrc is not None:
            for chunk in done.chunks:
                self.fh.write(chunk)
                rcrc = zlib.crc32(chunk, rcrc)
            return done.ccrc, rcrc
        ccrc, length = 0, 0
        for chunk in done.chunks:
            self.fh.write(chunk)
            ccrc, length, rcrc = zlib.crc32(chunk, ccrc), length + len(chunk), zlib.crc32(chunk, rcrc)
        if length != csize or done.ccrc not in (None, ccrc):
            raise FinkError("The bundle cache changed while it was being read.",
                            hint="Run the command again (or remove .fink/zipcache).")
        return ccrc, rcrc

    def _check_size(self, *sizes: int) -> None:
        if max(sizes) > _MAX32:
            raise FinkError("The bundle would exceed 4 GiB, which fink's zip writer does not support.",
                            hint="Exclude large files with .finkignore.")

    def add(self, member: Member, done: _Done) -> None:
        name = member.name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800
        if done.csize is None:
            done.chunks = list(done.chunks)
            done.csize = sum(len(c) for c in done.chunks)
        csize = done.csize
        self._check_size(csize, done.size, self.offset)
        header = _LOCAL.pack(0x04034B50, _NEEDED, flags, done.method, _DOS_TIME, _DOS_DATE, done.crc, csize,
                             done.size, len(name), 0) + name
        self.fh.write(header)
        ccrc, rcrc = self._data(done, csize, zlib.crc32(header))
        if done.key is not None:
            self.written.append((done.key, self.offset + len(header), csize, done.crc, done.size, done.method, ccrc,
                                 rcrc))
        mode = (0o100000 | (EXEC_MODE if member.executable else FILE_MODE)) << 16
        self.central.append(_CENTRAL.pack(0x02014B50, _MADE_BY, _NEEDED, flags, done.method, _DOS_TIME, _DOS_DATE,
                                          done.crc, csize, done.size, len(name), 0, 0, 0, 0, mode, self.offset)
                            + name)
        self.offset += len(header) + csize
        self.count += 1
        self.unzipped += done.size

    def add_run(self, run: _Run, cache: "MemberCache") -> None:
        """Copy the records of ``run`` from its pack; only their central directory entries are built here."""
        length = run.end - run.start
        self._check_size(self.offset + length)
        shift = self.offset - run.start  # pack offset -> offset in this zip
        central, written, pack_central = self.central, self.written, _CENTRAL.pack
        spans, unzipped = [], 0
        for member, name, key, entry in run.members:
            _, offset, csize, crc, size, method, ccrc, _, rcrc = entry
            record = offset - _LOCAL.size - len(name)
            mode = _EXEC_ATTR if member.executable else _FILE_ATTR
            central.append(pack_central(0x02014B50, _MADE_BY, _NEEDED, 0 if name.isascii() else 0x800, method,
                                        _DOS_TIME, _DOS_DATE, crc, csize, size, len(name), 0, 0, 0, 0, mode,
                                        record + shift) + name)
            written.append((key, offset + shift, csize, crc, size, method, ccrc, rcrc))
            spans.append((offset + csize - record, rcrc))
            unzipped += size
        path, present = cache.pack_path(run.pack), 0
        if self.offset == 0 and run.start == 0 and self.present and path == self.fh.prehash.path:
            present = min(self.present, length)  # this zip starts with the pack's first bytes: already there
        try:
            self.fh.copy_range(cache.pack_fd(run.pack), path, run.start, length, spans, present,
                               partial(cache.read_pack, run.pack))
        except OSError:  # e.g. the pack is gone (removed by hand, evicted): the cache never fails a bundle
            raise _StaleCache() from None
        self.offset += length
        self.count += len(run.members)
        self.unzipped += unzipped
        cache.counted_hit(len(run.members))

    def finish(self) -> None:
        start = self.offset
        central = b"".join(self.central)
        self.fh.write(central)
        end = start + len(central)
        count = self.count
        if count > 0xFFFF or end > _MAX32:
            self.fh.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, _MADE_BY, 45, 0, 0, count, count, len(central),
                                      start))
            self.fh.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
            count = 0xFFFF
        self.fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), min(start, _MAX32), 0))
        self.fh.flush()
        os.ftruncate(self.fh.fd, os.lseek(self.fh.fd, 0, os.SEEK_CUR))  # drop what the prehash copied beyond the end


def _write_first(writer: _Writer, pending: deque, cache: "MemberCache | None", pool: ThreadPoolExecutor,
                 level: int, ahead: int) -> int:
    """Write the oldest pending batch (waiting for it); returns its weight (see ``_weight``)."""
    batch, futures = pending.popleft()
    if isinstance(batch, _Run):
        writer.add_run(batch, cache)
        return 0
    for member, done in zip(batch, _collect(futures, batch, cache, pool, level, ahead)):
        writer.add(member, done)
    return _weight(batch)


def _weight(batch: "list[Member] | _Run") -> int:
    """What a pending batch holds in memory at most: its bytes (a large member streams: one chunk; a run is copied
    from file to file)."""
    if isinstance(batch, _Run):
        return 0
    return CHUNK if _is_large(batch[0]) else sum(m.length for m in batch) + 4096


def write_zip(path: str, members: Iterable[Member], *, level: int = COMPRESS_LEVEL,
              workers: int | None = None, cache: "MemberCache | None" = None) -> ZipStats:
    """Write ``members`` (in the given order) to ``path`` atomically; returns counts and sizes.

    With a ``cache`` (see ``membercache``), unchanged members are copied from it instead of compressed again (runs
    of them that lie back to back in the previous bundle as one byte range), and the finished zip is recorded in
    it; the bytes are the same either way. Should a copied range not match the CRCs the cache recorded, the zip is
    written again without range copies (each cached member then checked on its own, a bad one compressed afresh).
    """
    members = list(members)
    workers = workers or max(2, os.cpu_count() or 2)
    temp, complete = None, False
    try:
        if cache is not None:
            prepare(cache, level)
            cache.hits = 0
            temp, cache.temp = cache.temp, None  # made by ``prepare`` (the previous bundle copied into it)
        temp = temp or _Temp(path)
        try:
            writer, sha = _attempt(temp, members, level, workers, cache, ranges=bool(cache and cache.entries))
        except _StaleCache:
            cache.hits = 0
            writer, sha = _attempt(temp, members, level, workers, cache, ranges=False)
        size = os.fstat(temp.fd).st_size
        temp.close()  # before the rename (Windows)
        complete, reused = True, 0
        if cache is not None:  # recorded from this run's own file: once renamed, ``path`` may be another run's zip
            reused = cache.hits
            cache.commit(temp.path, writer.written, sha)
        _replace(temp.path, path)
    except BaseException:
        if cache is not None:
            cache.close()
        if temp is not None:
            if complete and not os.path.lexists(path) and os.path.exists(temp.path):
                _put_in_place(temp.path, path)  # stopped between removing the old zip and renaming the new one
            temp.discard()
        raise
    return ZipStats(writer.count, writer.unzipped, size, base64.b64encode(sha).decode(), reused)


def _replace(tmp: str, path: str) -> None:
    """Put the finished zip in place. The old one is removed first instead of renamed over: renaming over a file
    makes ext4 (``auto_da_alloc``) write the new file's data back before the rename returns — 40 ms for a 128 MB
    bundle, a tenth of a re-bundle. ``path`` is always the old or the new complete zip (briefly absent), never a
    partial one."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError:
        pass  # e.g. open elsewhere on Windows: os.replace says what is wrong
    os.replace(tmp, path)


def _put_in_place(tmp: str, path: str) -> None:
    """An interrupt (Ctrl-C, a graceful exit) came after the old zip was removed: the new one is complete, so it
    takes its place — interrupted or not, there is always a complete zip."""
    try:
        os.replace(tmp, path)
    except OSError:
        pass


def _attempt(temp: _Temp, members: list[Member], level: int, workers: int, cache: "MemberCache | None",
             ranges: bool) -> tuple[_Writer, str]:
    """Write the zip to ``temp`` (from its start); returns the writer (what it wrote) and the zip's SHA-256."""
    ahead = workers * 2
    prehash = cache.prehash if cache is not None else None
    present = prehash.hand_over(temp.path) if prehash is not None else 0  # the prehash stops writing to it first
    fd = temp.fd
    if not (ranges and present):
        os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    pool = ThreadPoolExecutor(workers, thread_name_prefix="fink-zip")
    writer = None
    try:
        writer, pending, in_flight = _Writer(fd, prehash if ranges else None, present if ranges else 0), deque(), 0
        for batch in _batches(_plan(members, cache) if ranges else members):
            futures = _submit(pool, batch, level, cache)
            pending.append((batch, futures))
            in_flight += _weight(batch)
            while in_flight > _IN_FLIGHT or isinstance(pending[0][0], _Run):
                in_flight -= _write_first(writer, pending, cache, pool, level, ahead)  # a run at once: its
                if not pending:                                                        # hashing overlaps the rest
                    break
        while pending:
            _write_first(writer, pending, cache, pool, level, ahead)
        writer.finish()
        sha = writer.fh.digest()
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        if writer is not None:
            writer.fh.hasher.stop()
        raise
    pool.shutdown()
    return writer, sha
