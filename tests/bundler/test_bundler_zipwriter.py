"""The deterministic zip writer: valid archives that unzip tools read, identical bytes whatever the core count,
chunked compression of large files, more than 65535 members."""
from __future__ import annotations

import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from fink.s3 import sha256_b64
from fink_bundler.zipwriter import CHUNK, Member, write_zip


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    rng = random.Random(7)
    words = [bytes(rng.choice(b"abcdefghij ") for _ in range(rng.randint(3, 12))) for _ in range(500)]
    data = b" ".join(rng.choice(words) for _ in range(1_200_000))  # ~8 MB, compressible, > several chunks
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    return path


def _members(big: Path) -> list[Member]:
    return [Member("a/big.txt", source=str(big), size=big.stat().st_size),
            Member("empty", data=b""), Member("run.sh", data=b"#!/bin/sh\n", executable=True),
            Member("unicodé.txt", data="ü".encode())]


def test_large_members_round_trip_and_the_bytes_do_not_depend_on_the_core_count(tmp_path, big_file):
    assert big_file.stat().st_size > 4 * CHUNK
    one, four = tmp_path / "one.zip", tmp_path / "four.zip"
    stats = write_zip(str(one), _members(big_file), workers=1)
    write_zip(str(four), _members(big_file), workers=4)
    assert one.read_bytes() == four.read_bytes()
    with zipfile.ZipFile(one) as zf:
        assert zf.testzip() is None
        assert zf.read("a/big.txt") == big_file.read_bytes()
        assert [(i.filename, i.date_time, oct(i.external_attr >> 16)) for i in zf.infolist()] == [
            ("a/big.txt", (1980, 1, 1, 0, 0, 0), "0o100644"), ("empty", (1980, 1, 1, 0, 0, 0), "0o100644"),
            ("run.sh", (1980, 1, 1, 0, 0, 0), "0o100755"), ("unicodé.txt", (1980, 1, 1, 0, 0, 0), "0o100644")]
    assert stats.sha256 == sha256_b64(one.read_bytes())  # hashed while writing, never read back
    assert stats.files == 4 and stats.unzipped_size == big_file.stat().st_size + 10 + 2
    assert stats.zipped_size < stats.unzipped_size / 2


@pytest.mark.skipif(shutil.which("unzip") is None, reason="the unzip tool is not installed")
def test_unzip_accepts_the_archive_and_restores_executable_bits(tmp_path, big_file):
    archive = tmp_path / "out.zip"
    write_zip(str(archive), _members(big_file))
    subprocess.run(["unzip", "-q", str(archive), "-d", str(tmp_path / "x")], check=True)
    assert (tmp_path / "x" / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "x" / "a" / "big.txt").read_bytes() == big_file.read_bytes()


def test_more_than_65535_members_use_zip64_end_records(tmp_path):
    archive = tmp_path / "many.zip"
    members = [Member(f"f{i:06d}", data=b"x") for i in range(70_000)]
    write_zip(str(archive), members)
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    assert len(names) == 70_000 and names[-1] == "f069999"


def test_a_failed_write_leaves_no_partial_zip(tmp_path):
    archive = tmp_path / "broken.zip"
    with pytest.raises(FileNotFoundError):
        write_zip(str(archive), [Member("a", data=b"1"), Member("gone", source=str(tmp_path / "gone"), size=1)])
    assert list(tmp_path.iterdir()) == []


def test_memory_stays_bounded_for_one_very_large_incompressible_file(tmp_path, monkeypatch):
    """Scaled down (64 KiB chunks): a member of 64 chunks never has more than a few chunks in memory."""
    import os
    import tracemalloc

    from fink_bundler import zipwriter

    monkeypatch.setattr(zipwriter, "CHUNK", 64 * 1024)
    monkeypatch.setattr(zipwriter, "_SPOOL_MEMORY", 256 * 1024)
    big = tmp_path / "random.bin"
    big.write_bytes(os.urandom(64 * 64 * 1024))
    tracemalloc.start()
    try:
        write_zip(str(tmp_path / "out.zip"), [Member("random.bin", source=str(big), size=big.stat().st_size)],
                  workers=2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20  # the member alone is 4 MiB compressed
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        assert zf.read("random.bin") == big.read_bytes()
