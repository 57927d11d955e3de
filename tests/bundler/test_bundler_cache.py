"""The compressed-member cache: a re-bundle compresses only what changed and gives the bytes of a fresh build; a cache
of another version or other settings is ignored, a corrupt one detected, the packs stay under the limit."""
from __future__ import annotations

import io
import os
import random
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from fink_bundler import bundler, membercache, zipwriter
from fink_bundler.collect import Collector
from fink_bundler.membercache import MemberCache
from fink_bundler.zipwriter import CHUNK, write_zip
from fink_testtools.programs import requires_program

_LATER = 10_000_000_000  # ns: the next run, far enough after the files were written that their stamps are trusted


def _section() -> dict:
    return {"lambda": {"handlerFile": "handler.py", "runtime": "python3.12"},
            "bundling": {"folders": [{"source": "src", "target": ""}]}, "settings": {"answer": 42}}


@pytest.fixture
def tree(temp_folder: Path) -> Path:
    rng = random.Random(3)
    (temp_folder / "handler.py").write_text("def handle(e, c):\n    return 1\n")
    for index in range(40):
        folder = temp_folder / "src" / f"pkg{index % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod{index}.py").write_bytes(b"X = %d\n" % index * rng.randint(1, 300))
    (temp_folder / "src" / "empty.txt").write_bytes(b"")
    (temp_folder / "src" / "run.sh").write_text("#!/bin/sh\n")
    (temp_folder / "src" / "run.sh").chmod(0o755)
    words = [bytes(rng.choice(b"abcdef ") for _ in range(8)) for _ in range(300)]
    (temp_folder / "src" / "big.bin").write_bytes(b"".join(rng.choice(words) for _ in range(3 * CHUNK // 8)))
    return temp_folder


def _build(tree: Path) -> bundler.BundleResult:
    return bundler.build_lambda_bundle(_section(), str(tree), ignore=[])


def _fresh(tree: Path) -> bytes:
    """The bytes of a bundle built with no cache at all."""
    shutil.rmtree(tree / ".fink" / "zipcache", ignore_errors=True)
    result = _build(tree)
    assert result.reused == 0
    return Path(result.path).read_bytes()


def _cache_dir(tree: Path) -> Path:
    return tree / ".fink" / "zipcache"


def test_a_rebundle_after_one_change_reuses_the_rest_and_equals_a_fresh_build(tree):
    first = _build(tree)
    assert first.reused == 0 and _cache_dir(tree).is_dir()
    (tree / "src" / "pkg1" / "mod5.py").write_text("X = 'changed'\n")
    again = _build(tree)
    assert again.reused == len(again.names) - 1  # every member but the changed one came from the cache
    rebuilt = Path(again.path).read_bytes()
    assert rebuilt == _fresh(tree)
    with zipfile.ZipFile(again.path) as zf:
        assert zf.read("pkg1/mod5.py") == b"X = 'changed'\n" and zf.testzip() is None


def test_an_unchanged_rebundle_reuses_every_member(tree):
    first = _build(tree)
    again = _build(tree)
    assert again.reused == len(again.names) and again.sha256 == first.sha256


def _members(tree: Path):
    collector = Collector(str(tree))
    collector.add_path("src", "", "src")
    return collector.sorted_members()


def _write(tree: Path, name: str, *, cache: MemberCache | None, level: int = 6):
    path = tree / name
    stats = write_zip(str(path), _members(tree), cache=cache, level=level)
    return stats, path.read_bytes()


def _cache(tree: Path, **kw) -> MemberCache:
    return MemberCache(str(_cache_dir(tree)), now_ns=time.time_ns() + _LATER, **kw)


def test_unchanged_files_are_not_read_again_and_large_members_come_from_the_cache(tree, monkeypatch):
    _write(tree, "a.zip", cache=_cache(tree))
    read = []
    monkeypatch.setattr(zipwriter.Member, "read", lambda self, *a: read.append(self.name))
    monkeypatch.setattr(zipwriter, "_file_hash", lambda member: read.append(member.name))
    stats, data = _write(tree, "b.zip", cache=_cache(tree))
    assert stats.reused == stats.files
    assert read == []  # the content hashes were known from the files' stamps, the bytes came from the cache
    monkeypatch.undo()
    assert data == _write(tree, "c.zip", cache=None)[1]


def test_a_cache_of_another_bundler_version_or_other_settings_is_ignored(tree, monkeypatch):
    _write(tree, "a.zip", cache=_cache(tree))
    stats, data = _write(tree, "b.zip", cache=_cache(tree), level=5)
    assert stats.reused == 0 and data == _write(tree, "c.zip", cache=None, level=5)[1]
    _write(tree, "a.zip", cache=_cache(tree))
    monkeypatch.setattr(membercache, "_bundler_version", lambda: "0.0.1-other")
    stats, data = _write(tree, "d.zip", cache=_cache(tree))
    assert stats.reused == 0 and data == (tree / "a.zip").read_bytes()


def _only_pack(tree: Path) -> Path:
    packs = sorted(_cache_dir(tree).glob("pack-*"))
    assert len(packs) == 1
    return packs[0]


def test_a_corrupt_cache_entry_is_detected_and_compressed_again(tree):
    first = _build(tree)
    pack = _only_pack(tree)
    with zipfile.ZipFile(pack) as zf:
        info = zf.getinfo("pkg2/mod6.py")
    data = bytearray(pack.read_bytes())  # the pack is a hard link of the bundle: copy before changing it
    data[info.header_offset + 30 + len(info.filename) + 1] ^= 0xFF
    pack.unlink()
    pack.write_bytes(bytes(data))
    again = _build(tree)
    assert again.reused == len(again.names) - 1
    assert Path(again.path).read_bytes() == _fresh(tree) and again.sha256 == first.sha256


def test_a_truncated_pack_is_ignored(tree):
    first = _build(tree)
    pack = _only_pack(tree)
    data = pack.read_bytes()
    pack.unlink()
    pack.write_bytes(data[: len(data) // 2])
    again = _build(tree)
    assert again.reused == 0 and again.sha256 == first.sha256


@pytest.mark.parametrize("damage", ["garbage", "truncated", "one byte changed"])
def test_an_unreadable_or_damaged_index_only_means_a_cold_cache(tree, damage):
    first = _build(tree)
    index = _cache_dir(tree) / membercache.INDEX
    data = index.read_bytes()
    index.write_bytes({"garbage": b"{not an index", "truncated": data[:len(data) // 2],
                       "one byte changed": data[:-5] + bytes([data[-5] ^ 1]) + data[-4:]}[damage])
    again = _build(tree)
    assert again.reused == 0 and again.sha256 == first.sha256
    assert _build(tree).reused == len(first.names)


def test_packs_stay_under_the_limit_least_recently_used_first(tree):
    handler = tree / "src" / "pkg0" / "mod0.py"
    versions = [b"V = 1\n", b"V = 2\n", b"V = 3\n"]
    sizes = []
    for version in versions:
        handler.write_bytes(version)
        cache = MemberCache(str(_cache_dir(tree)), limit=10**9)
        sizes.append(_write(tree, "out.zip", cache=cache)[1].__len__())
    packs = sorted(p.name for p in _cache_dir(tree).glob("pack-*"))
    assert len(packs) == 3  # the older packs hold the earlier versions of mod0.py
    handler.write_bytes(versions[1])  # use the second pack again: now the first is the least recently used
    limit = sum(sizes[:2]) + sizes[2] // 2
    stats, _ = _write(tree, "out.zip", cache=MemberCache(str(_cache_dir(tree)), limit=limit))
    assert stats.reused == stats.files
    left = sorted(p.name for p in _cache_dir(tree).glob("pack-*"))
    assert packs[0] not in left and len(left) == 2
    assert sum(p.stat().st_size for p in _cache_dir(tree).glob("pack-*")) <= limit
    evicted = {p.name for p in _cache_dir(tree).glob("evicted-*")}  # renamed now, deleted by the next bundle
    assert "evicted-" + packs[0] in evicted and evicted <= {"evicted-" + p for p in packs}
    _write(tree, "out.zip", cache=MemberCache(str(_cache_dir(tree)), limit=limit))
    assert not evicted & {p.name for p in _cache_dir(tree).glob("evicted-*")}


def test_the_cache_can_be_switched_off(tree, monkeypatch):
    monkeypatch.setenv(membercache.LIMIT_ENV, "0")
    _build(tree)
    assert _build(tree).reused == 0 and not _cache_dir(tree).exists()


def test_code_bundle_and_lambda_bundle_reuse_the_cache_and_lambda_clean_removes_it(aws, project, run_cli):
    folder = project("bundler_code")
    for expected in ("(0 reused", "reused from .fink/zipcache"):
        result = run_cli("code", "bundle", "-v", env={"ENV": "dev"})
        assert result.exit_code == 0, result.stderr
        assert expected in result.stderr
    assert "(0 reused" not in result.stderr
    assert (folder / ".fink" / "zipcache" / membercache.INDEX).is_file()
    os.chdir(project("bundler_python"))
    os.remove("requirements.txt")
    outputs = [run_cli("lambda", "bundle", "-v", env={"ENV": "dev"}) for _ in range(2)]
    assert all(o.exit_code == 0 for o in outputs) and outputs[0].stdout == outputs[1].stdout
    assert "(0 reused" in outputs[0].stderr and "(0 reused" not in outputs[1].stderr
    assert run_cli("lambda", "clean", env={"ENV": "dev"}).exit_code == 0
    assert not Path(".fink").exists()


@requires_program("npm", "by the bundler to install package.json dependencies")
def test_a_node_rebundle_after_one_handler_change_reuses_the_rest_and_equals_a_fresh_build(aws, project, run_cli):
    """Node bundles (npm-installed node_modules from local `file:` packages, so no network) use the cache too."""
    folder = project("bundler_node")

    def bundle() -> tuple[int, int, bytes]:
        result = run_cli("lambda", "bundle", "-v", env={"ENV": "dev"})
        assert result.exit_code == 0, result.stderr
        files, reused = map(int, re.search(r"bundled (\d+) files \((\d+) reused", result.stderr).groups())
        return files, reused, (folder / "bundle.zip").read_bytes()

    files, reused, _ = bundle()
    assert reused == 0 and files > 2
    (folder / "index.js").write_text("exports.handler = async () => 'changed';\n")
    files, reused, rebuilt = bundle()
    assert reused == files - 1  # only the handler was compressed again; node_modules came from the cache
    with zipfile.ZipFile(io.BytesIO(rebuilt)) as zf:
        assert zf.read("index.js") == b"exports.handler = async () => 'changed';\n"
        assert any(name.startswith("node_modules/localdep/") for name in zf.namelist())
    shutil.rmtree(folder / ".fink" / "zipcache")
    _, reused, fresh = bundle()
    assert reused == 0 and fresh == rebuilt
