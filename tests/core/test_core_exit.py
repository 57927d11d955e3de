"""A console script runs with a garbage-collector threshold for short-lived processes and ends its process without
the interpreter's final collector walk over everything a run loaded (fink.cli.console, exit_process), and otherwise
exits as before: same exit code, atexit handlers and log flushing run, output complete. In-process runs (tests,
embedding) change nothing about the collector."""
import gc
import os
import subprocess
import sys

from fink.cli import GC_THRESHOLD

PROBE = """
import atexit, gc, sys
atexit.register(lambda: print("atexit ran, frozen:", gc.get_freeze_count() > 0, "threshold:", gc.get_threshold()[0]))
sys.argv = ["fink", *{args!r}]
from fink.cli import main
main()
"""


def fink_process(*args):
    return subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], capture_output=True, text=True,
                          env={**os.environ, "FINK_NO_UPDATE_CHECK": "1"}, timeout=60)


def test_console_entry_freezes_before_exit_and_exits_as_before():
    ok = fink_process("version")
    assert ok.returncode == 0 and ok.stdout.startswith("fink version 1.0.0\n")
    assert ok.stdout.rstrip().endswith(f"atexit ran, frozen: True threshold: {GC_THRESHOLD}")
    failed = fink_process("nosuchtool", "deploy")
    assert failed.returncode == 2 and "Tool 'nosuchtool' is not installed." in failed.stderr
    assert f"atexit ran, frozen: True threshold: {GC_THRESHOLD}" in failed.stdout


def test_in_process_runs_leave_the_collector_alone(run_cli):
    before = gc.get_freeze_count(), gc.get_threshold()
    assert run_cli("fink", "version").exit_code == 0
    assert (gc.get_freeze_count(), gc.get_threshold()) == before
