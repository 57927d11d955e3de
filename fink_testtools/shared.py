"""Expensive test fixtures built once per test run, even when pytest-xdist runs the tests in several processes.

``shared_folder(tmp_path_factory, "wheels", build)`` returns a folder that ``build(folder)`` filled. Under xdist
every worker has its own temporary root (``.../pytest-N/popen-gwK``) below one root of the run (``.../pytest-N``):
the first worker to ask builds the folder there under a file lock, the others wait for it and reuse it. Without
xdist the folder lives in the run's own temporary root. Nothing is shared between runs, so a test run never sees
a stale build, and no fixed path or port is involved (parallel runs on one machine stay apart).
"""
from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path
from typing import Any, Callable

__all__ = ["shared_folder", "run_root"]


def run_root(tmp_path_factory: Any) -> Path:
    """The temporary root shared by all processes of this test run."""
    base = Path(tmp_path_factory.getbasetemp())
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared_folder(tmp_path_factory: Any, name: str, build: Callable[[Path], None]) -> Path:
    """``name`` below the run's shared root, built once by ``build(folder)`` (a failed build is retried by the
    next process that asks, and its error is raised in each)."""
    folder = run_root(tmp_path_factory) / "fink-shared" / name  # ``name`` may hold slashes: nested folders
    folder.parent.mkdir(parents=True, exist_ok=True)
    done = folder.with_name(folder.name + ".done")
    with open(folder.with_name(folder.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder
