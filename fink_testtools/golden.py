"""Golden files: generated templates, swagger and renderings pinned byte for byte.

``assert_golden(path, text)`` compares ``text`` with the file; with ``FINK_UPDATE_GOLDEN=1`` it rewrites the file
instead (review the diff, then commit it). A missing file fails: a golden test never passes by writing its own
expectation. The comparison is on bytes, so the carriage returns of TTY renderings count.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["assert_golden"]


def assert_golden(path: str | Path, text: str) -> None:
    path = Path(path)
    if os.environ.get("FINK_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"golden file {path} missing: run with FINK_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_bytes().decode("utf-8"), f"output differs from {path}"
