"""Range reuse: a re-bundle copies runs of unchanged members from the previous bundle as byte ranges (only the
central directory is built again). Whatever changed in the middle of the order — members added, removed, renamed,
shrunk, grown, their mode changed — the zip equals a build without any cache; bytes of a pack that are not what the
cache recorded are never shipped; without ``os.copy_file_range`` (macOS, Windows) or when the kernel refuses it
the bytes are the same."""
from __future__ import annotations

import errno
import os
import random
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fink.s3 import sha256_b64
from fink_bundler import zipwriter
from fink_bundler.collect import Collector
from fink_bundler.membercache import MemberCache
from fink_bundler.zipwriter import CHUNK, write_zip

_LATER = 10_000_000_000  # ns: the next run, far enough after the files were written that their stamps are trusted
_EXAMPLES = int(os.environ.get("FINK_PROPERTY_EXAMPLES", "25"))


class _Tree:
    """A folder of small files (and one large one) whose every change gets an mtime of its own, so a file's stamp
    always tells that it changed (the racy rule is out of play: the cache is told the run is 10 s later)."""

    def __init__(self, root: Path, seed: int = 7, count: int = 30, big: bool = True):
        self.root, self.rng, self.clock = root, random.Random(seed), 1_600_000_000 * 10**9
        for index in range(count):
            self.write(f"pkg{index % 3}/mod{index:02d}.py", self.text(index))
        if big:  # large members take their own path in the writer (chunked, streamed)
            self.write("pkg1/big.bin", b"".join(self.text(i)[:64] for i in range(3 * CHUNK // 64)))

    def text(self, index: int, size: int | None = None) -> bytes:
        size = self.rng.randint(1, 3000) if size is None else size
        return (b"value_%d = %r\n" % (index, self.rng.random()) * (size // 20 + 1))[:size]

    def path(self, name: str) -> Path:
        return self.root / "src" / name

    def names(self) -> list[str]:
        return sorted(str(p.relative_to(self.root / "src")) for p in (self.root / "src").rglob("*") if p.is_file())

    def write(self, name: str, data: bytes) -> None:
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.touch(name)

    def touch(self, name: str) -> None:
        self.clock += 1_000_000
        os.utime(self.path(name), ns=(self.clock, self.clock))

    def members(self, leave_out: str = ""):
        collector = Collector(str(self.root))
        collector.add_path("src", "", "src")
        return [m for m in collector.sorted_members() if not (leave_out and m.name.startswith(leave_out))]

    def cache(self) -> MemberCache:
        return MemberCache(str(self.root / ".fink" / "zipcache"), now_ns=time.time_ns() + _LATER)

    def bundle(self, name: str = "out.zip", leave_out: str = "") -> tuple[zipwriter.ZipStats, bytes]:
        stats = write_zip(str(self.root / name), self.members(leave_out), cache=self.cache())
        data = (self.root / name).read_bytes()
        assert stats.sha256 == sha256_b64(data)  # the hash of what was written, whichever way it was hashed
        return stats, data

    def fresh(self) -> bytes:
        write_zip(str(self.root / "fresh.zip"), self.members(), cache=None)
        return (self.root / "fresh.zip").read_bytes()


@pytest.fixture
def copies(monkeypatch):
    """The ranges copied from packs: (start, length) each."""
    seen: list[tuple[int, int]] = []
    copy = zipwriter._copy_range

    def spy(source, target, start, length, read=None):
        seen.append((start, length))
        copy(source, target, start, length, read)
    monkeypatch.setattr(zipwriter, "_copy_range", spy)
    return seen


def _change(tree: _Tree, kind: str, name: str) -> None:
    if kind == "edit":
        tree.write(name, tree.text(99))
    elif kind == "shrink":
        tree.write(name, tree.path(name).read_bytes()[:1])
    elif kind == "grow":
        tree.write(name, tree.path(name).read_bytes() * 3 + b"#")
    elif kind == "remove":
        tree.path(name).unlink()
    elif kind == "rename":
        tree.path(name).rename(tree.path(name + "_renamed"))
    elif kind == "chmod":
        tree.path(name).chmod(0o755)
    elif kind == "add":
        tree.write(name + "_new.py", tree.text(7))


@pytest.mark.parametrize("kind", ["edit", "shrink", "grow", "remove", "rename", "chmod", "add"])
def test_a_change_in_the_middle_of_the_order_keeps_the_runs_around_it_and_the_bytes_of_a_fresh_build(
        temp_folder, copies, kind):
    tree = _Tree(temp_folder)
    first, _ = tree.bundle()
    assert first.reused == 0 and copies == []
    _change(tree, kind, "pkg1/mod10.py")
    stats, data = tree.bundle()
    assert data == tree.fresh()
    assert len(copies) == 2  # the run before the change and the run after it, each one range
    assert stats.reused == stats.files - (0 if kind == "remove" else 1)  # only the new or changed one compressed
    with zipfile.ZipFile(temp_folder / "out.zip") as zf:
        assert zf.testzip() is None and sorted(zf.namelist()) == tree.names()


def test_an_unchanged_rebundle_is_one_range_and_a_second_rebundle_copies_from_the_newer_pack(temp_folder, copies):
    tree = _Tree(temp_folder)
    _, first = tree.bundle()
    stats, again = tree.bundle()
    assert again == first and stats.reused == stats.files and len(copies) == 1
    assert copies[0] == (0, len(first) - _central_size(first))
    _change(tree, "edit", "pkg0/mod00.py")
    _, third = tree.bundle()
    assert third == tree.fresh()


def _central_size(data: bytes) -> int:
    """Bytes of the central directory and its end record."""
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as zf:
        return len(data) - zf.start_dir


_KINDS = st.sampled_from(["edit", "shrink", "grow", "remove", "rename", "chmod", "add", "touch"])


@settings(max_examples=_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rounds=st.lists(st.lists(st.tuples(_KINDS, st.integers(0, 10**6)), min_size=0, max_size=4),
                       min_size=1, max_size=3))
def test_any_sequence_of_changes_gives_the_bytes_of_a_fresh_build(rounds):
    with tempfile.TemporaryDirectory() as folder:
        tree = _Tree(Path(folder), count=12, big=False)
        tree.bundle()
        for changes in rounds:
            for kind, pick in changes:
                names = tree.names()
                name = names[pick % len(names)]
                if kind == "touch":
                    tree.touch(name)  # a new stamp, the same content: hashed again, still reused
                else:
                    _change(tree, kind, name)
            stats, data = tree.bundle()
            assert data == tree.fresh()
            with zipfile.ZipFile(Path(folder) / "out.zip") as zf:
                assert zf.testzip() is None and sorted(zf.namelist()) == tree.names()


def _pack(tree: _Tree) -> Path:
    packs = sorted((tree.root / ".fink" / "zipcache").glob("pack-*"), key=lambda p: p.stat().st_mtime_ns)
    return packs[-1]


@pytest.mark.parametrize("where", ["data", "header", "name"])
def test_pack_bytes_that_are_not_what_the_cache_recorded_are_never_shipped(temp_folder, copies, where):
    tree = _Tree(temp_folder)
    tree.bundle()
    pack = _pack(tree)
    with zipfile.ZipFile(pack) as zf:
        info = zf.getinfo("pkg2/mod05.py")
    at = {"data": info.header_offset + 30 + len(info.filename) + 2, "header": info.header_offset + 14,
          "name": info.header_offset + 30}[where]
    with open(pack, "r+b") as fh:  # in place: same size, same inode; only the CRCs can tell
        fh.seek(at)
        byte = fh.read(1)
        fh.seek(at)
        fh.write(bytes([byte[0] ^ 0x5A]))
    stats, data = tree.bundle()
    assert copies  # the ranges were tried, and their check failed ...
    assert data == tree.fresh()  # ... so the zip was written again, member by member
    assert stats.reused == stats.files - (1 if where == "data" else 0)


@pytest.mark.parametrize("how", ["missing", "refused", "short"])
def test_without_copy_file_range_the_bytes_are_the_same(temp_folder, monkeypatch, how):
    tree = _Tree(temp_folder)
    tree.bundle()
    _change(tree, "edit", "pkg1/mod10.py")
    expected = tree.fresh()
    if how == "missing":  # macOS, Windows, old Pythons
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    elif how == "refused":  # e.g. the cache on another file system with an old kernel

        def refuse(*args):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        monkeypatch.setattr(os, "copy_file_range", refuse, raising=False)
    else:  # the pack ends early: the range cannot be trusted
        monkeypatch.setattr(os, "copy_file_range", lambda *args: 0, raising=False)
    stats, data = tree.bundle()
    assert data == expected and stats.reused == stats.files - 1


@pytest.mark.parametrize("damaged", [False, True])
def test_members_that_come_back_are_copied_from_an_older_pack_and_checked_record_by_record(temp_folder, copies,
                                                                                           damaged):
    """Left out of one bundle (so their entries stay in the pack before it), then bundled again: their run comes
    from the older pack, which the background hash of the newest pack does not vouch for."""
    tree = _Tree(temp_folder)
    tree.bundle()
    older = _pack(tree)
    tree.bundle(leave_out="pkg2/")
    assert _pack(tree) != older
    if damaged:
        with zipfile.ZipFile(older) as zf:
            info = zf.getinfo("pkg2/mod08.py")
        with open(older, "r+b") as fh:
            fh.seek(info.header_offset + 30 + len(info.filename))
            fh.write(b"\xff")
    copies.clear()
    stats, data = tree.bundle()
    assert data == tree.fresh()
    assert len(copies) >= 2  # the newest pack's runs and the older pack's run of pkg2/
    assert stats.reused == stats.files - (1 if damaged else 0)


def _planted(folder: Path) -> bool:
    """Only the symlink a test planted at the fixed temporary name of earlier versions is there."""
    return [p.name for p in folder.glob("bundle.zip*.tmp")] == ["bundle.zip.tmp"] and \
        (folder / "bundle.zip.tmp").is_symlink()


_SECTION = {"lambda": {"handlerFile": "handler.py", "runtime": "python3.12"},
            "bundling": {"folders": [{"source": "src", "target": ""}]}}


@pytest.fixture
def through_the_bundler(temp_folder, monkeypatch):
    """A tree bundled by ``build_lambda_bundle`` (which starts copying the previous bundle into ``bundle.zip.tmp``
    while it walks), with the cache told the run is 10 s later so the stamps are trusted."""
    from fink_bundler import bundler

    monkeypatch.setattr(bundler, "open_cache", lambda folder: MemberCache(
        os.path.join(folder, "zipcache"), now_ns=time.time_ns() + _LATER))
    tree = _Tree(temp_folder)
    (temp_folder / "handler.py").write_text("def handle(event, context):\n    return 1\n")

    def build(alone: bool = True) -> tuple[bundler.BundleResult, bytes]:
        result = bundler.build_lambda_bundle(_SECTION, str(temp_folder), ignore=[])
        data = Path(result.path).read_bytes()
        assert result.sha256 == sha256_b64(data)
        if alone:  # no temporary file left behind
            assert not list(temp_folder.glob("bundle.zip*.tmp")) or _planted(temp_folder)
        return result, data

    def fresh() -> bytes:
        with tempfile.TemporaryDirectory() as other:
            (Path(other) / "src").symlink_to(temp_folder / "src")
            (Path(other) / "handler.py").write_bytes((temp_folder / "handler.py").read_bytes())
            monkeypatch.setenv("FINK_BUNDLE_CACHE_MB", "0")
            try:
                result = bundler.build_lambda_bundle(_SECTION, other, ignore=[])
            finally:
                monkeypatch.delenv("FINK_BUNDLE_CACHE_MB")
            return Path(result.path).read_bytes()
    return tree, build, fresh


@pytest.mark.parametrize("change", ["middle", "first member", "last member removed", "nothing"])
def test_the_previous_bundle_copied_ahead_during_the_walk_gives_the_bytes_of_a_fresh_build(
        through_the_bundler, copies, change, monkeypatch):
    tree, build, fresh = through_the_bundler
    hand_over = zipwriter._Prehash.hand_over

    def when_done(self, target):  # deterministic: the copy ahead has finished when the writer takes the file
        self.join()
        return hand_over(self, target)
    monkeypatch.setattr(zipwriter._Prehash, "hand_over", when_done)
    _, first = build()
    if change == "middle":
        _change(tree, "edit", "pkg1/mod10.py")
    elif change == "first member":
        _change(tree, "edit", "pkg0/mod00.py")
    elif change == "last member removed":  # the new zip is shorter than the bytes copied ahead
        _change(tree, "remove", tree.names()[-1])
    copies.clear()
    result, data = build()
    assert data == fresh()
    if change == "nothing":
        assert data == first and result.reused == len(result.names)
        assert [length for _, length in copies] == [0]  # the whole run was in place before the plan was made


def test_a_bundle_that_stops_before_writing_leaves_no_temporary_file(through_the_bundler):
    from fink.errors import ConfigError

    tree, build, _ = through_the_bundler
    build()
    broken = dict(_SECTION, bundling={"folders": [{"source": "src", "target": ""}, {"source": "missing"}]})
    from fink_bundler import bundler
    with pytest.raises(ConfigError):
        bundler.build_lambda_bundle(broken, str(tree.root), ignore=[])
    assert not list(tree.root.glob("bundle.zip*.tmp"))


def test_a_copy_ahead_that_cannot_write_only_means_the_writer_copies_more(through_the_bundler, monkeypatch):
    tree, build, fresh = through_the_bundler
    build()
    _change(tree, "edit", "pkg1/mod10.py")

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "pwrite", full, raising=False)
    result, data = build()
    assert data == fresh() and result.reused == len(result.names) - 1


def test_bundling_leaves_the_cycle_collector_as_it_found_it(through_the_bundler):
    import gc

    from fink.errors import ConfigError
    from fink_bundler import bundler

    tree, build, _ = through_the_bundler
    build()
    assert gc.isenabled()
    with pytest.raises(ConfigError):
        bundler.build_lambda_bundle(dict(_SECTION, bundling={"folders": [{"source": "missing"}]}), str(tree.root),
                                    ignore=[])
    assert gc.isenabled()
    gc.disable()
    try:
        build()
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("locking", [True, False], ids=["flock", "no flock (as on Windows)"])
def test_a_bundle_run_in_the_middle_of_another_ships_the_bytes_it_reports(through_the_bundler, monkeypatch, locking):
    """Two bundles of one project at once (two terminals, a watcher): each zip hashes to the CodeSha256 reported
    for it and equals a fresh build. The second runs while the first has copied the previous bundle ahead into its
    temporary file and is about to write; with ``flock`` it goes without the cache, without (Windows) it uses the
    cache too and evicts the pack the first one planned to copy from."""
    tree, build, fresh = through_the_bundler
    build()
    _change(tree, "edit", "pkg1/mod10.py")
    if not locking:
        monkeypatch.setattr(MemberCache, "lock", lambda self: True)
    hand_over, inner, started = zipwriter._Prehash.hand_over, [], []

    def second_bundle_meanwhile(self, target):
        self.join()  # the first bundle's copy ahead is complete
        if not started:
            started.append(True)
            inner.append(build(alone=False))
        return hand_over(self, target)
    monkeypatch.setattr(zipwriter._Prehash, "hand_over", second_bundle_meanwhile)
    outer, data = build()
    (inner_result, inner_data), = inner
    expected = fresh()
    assert inner_data == expected and data == expected
    assert outer.sha256 == inner_result.sha256 == sha256_b64(expected)
    if locking:
        assert inner_result.reused == 0 and outer.reused == len(outer.names) - 1


def test_a_symlink_at_the_old_temporary_name_is_never_followed(through_the_bundler, tmp_path_factory):
    tree, build, fresh = through_the_bundler
    victim = tmp_path_factory.mktemp("elsewhere") / "victim.txt"
    victim.write_text("keep me\n")
    (tree.root / "bundle.zip.tmp").symlink_to(victim)
    build()
    _change(tree, "edit", "pkg1/mod10.py")
    _, data = build()  # copies the previous bundle ahead into a temporary file while it walks
    assert victim.read_text() == "keep me\n" and (tree.root / "bundle.zip.tmp").is_symlink()
    assert data == fresh()


def test_temporary_files_of_bundles_in_the_walked_folder_are_never_bundled(temp_folder):
    from fink_bundler import bundler

    (temp_folder / "handler.py").write_text("def handle(event, context):\n    return 1\n")
    (temp_folder / "bundle.zip.k2x9q1.tmp").write_bytes(b"another bundle's zip, half written")
    (temp_folder / "bundle.zip.tmp").write_bytes(b"left over by an earlier fink")
    section = {"lambda": {"handlerFile": "handler.py", "runtime": "python3.12"},
               "bundling": {"folders": [{"source": ".", "target": ""}]}}
    for _ in range(2):
        result = bundler.build_lambda_bundle(section, str(temp_folder), ignore=[])
        assert result.names == ("handler.py",)


@pytest.mark.parametrize("how", ["pack removed", "pack evicted", "cache folder removed"])
def test_a_pack_gone_between_plan_and_write_means_compressing_again(through_the_bundler, monkeypatch, how):
    """A pack that disappears after the plan (a concurrent bundle evicted it, the user removed .fink/zipcache)
    never fails the bundle: it is written again member by member, the same bytes."""
    import shutil

    tree, build, fresh = through_the_bundler
    build()
    _change(tree, "edit", "pkg1/mod10.py")
    folder = tree.root / ".fink" / "zipcache"
    add_run = zipwriter._Writer.add_run

    def pack_gone(self, run, cache):
        if how == "cache folder removed":
            shutil.rmtree(folder, ignore_errors=True)
        for pack in folder.glob("pack-*"):
            if how == "pack removed":
                pack.unlink()
            else:
                pack.rename(pack.with_name("evicted-" + pack.name))
        return add_run(self, run, cache)
    monkeypatch.setattr(zipwriter._Writer, "add_run", pack_gone)
    result, data = build()
    assert data == fresh() and result.reused == 0


@pytest.mark.parametrize("after_removing_the_old_zip", [True, False])
def test_an_interrupt_while_the_zip_is_put_in_place_leaves_a_complete_zip(through_the_bundler, monkeypatch,
                                                                          after_removing_the_old_zip):
    from fink_bundler import bundler

    tree, build, fresh = through_the_bundler
    _, old = build()
    _change(tree, "edit", "pkg1/mod10.py")

    def interrupted(tmp, path):
        if after_removing_the_old_zip:
            os.remove(path)
        raise KeyboardInterrupt
    replace = zipwriter._replace
    monkeypatch.setattr(zipwriter, "_replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        bundler.build_lambda_bundle(_SECTION, str(tree.root), ignore=[])
    monkeypatch.setattr(zipwriter, "_replace", replace)
    data = (tree.root / "bundle.zip").read_bytes()
    assert data == (fresh() if after_removing_the_old_zip else old)
    assert not list(tree.root.glob("bundle.zip*.tmp"))


def test_the_cache_keeps_this_runs_zip_when_another_bundle_replaces_it_at_once(through_the_bundler, monkeypatch):
    """A bundle without the cache (another one held it) finishes right after this one: the cache recorded this
    run's zip, not the file that is at the zip's path by then, so the next re-bundle still copies every member."""
    from fink_bundler import bundler

    tree, build, fresh = through_the_bundler
    _, previous = build()
    _change(tree, "edit", "pkg1/mod10.py")
    replace = zipwriter._replace

    def another_bundle_finishes_right_after(tmp, path):
        replace(tmp, path)
        Path(path + ".other").write_bytes(previous)  # built before the edit
        os.replace(path + ".other", path)
    monkeypatch.setattr(zipwriter, "_replace", another_bundle_finishes_right_after)
    ours = bundler.build_lambda_bundle(_SECTION, str(tree.root), ignore=[])
    monkeypatch.setattr(zipwriter, "_replace", replace)
    result, data = build()
    assert data == fresh() and result.sha256 == ours.sha256
    assert result.reused == len(result.names)
