"""A console script ends its process without the interpreter's final garbage-collector walk over everything a run
loaded (fink.cli.exit_process), and otherwise exits as before: same exit code, atexit handlers and log flushing
run, output complete. In-process runs (tests, embedding) never freeze anything."""
import gc
import os
import subprocess
import sys

PROBE = """
import atexit, gc, sys
atexit.register(lambda: print("atexit ran, frozen:", gc.get_freeze_count() > 0))
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
    assert ok.stdout.rstrip().endswith("atexit ran, frozen: True")
    failed = fink_process("nosuchtool", "deploy")
    assert failed.returncode == 2 and "Tool 'nosuchtool' is not installed." in failed.stderr
    assert "atexit ran, frozen: True" in failed.stdout


def test_in_process_runs_freeze_nothing(run_cli):
    before = gc.get_freeze_count()
    assert run_cli("fink", "version").exit_code == 0
    assert gc.get_freeze_count() == before
