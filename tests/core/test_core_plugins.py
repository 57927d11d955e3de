"""Plugins as installed packages: discovery through entry points, lifecycle order seen from a real plugin,
a broken plugin's error, and a plugin disappearing when its distribution is gone.

The test plugin is installed with pip into a private --target folder that only the subprocesses see, so the
shared environment of the test run is never changed.
"""
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fink import fink_signals

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


def pip_target(name: str, target: Path) -> None:
    """pip install the plugin from a copy of its source (building leaves build/ folders next to the source)."""
    source = target.parent / f"{target.name}-src"
    shutil.copytree(RESOURCES / name, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    pip_target("fink_test_plugin", target)
    return target


@pytest.fixture(scope="module")
def broken_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("broken")
    pip_target("fink_broken_plugin", target)
    return target


def fink(*args, path=None, env=None, cwd=None):
    environ = {**os.environ, "FINK_NO_UPDATE_CHECK": "1", **(env or {})}
    environ.pop("PYTHONPATH", None)
    if path:
        environ["PYTHONPATH"] = str(path)
    return subprocess.run([sys.executable, "-c", "from fink.cli import main; main()", *args],
                          capture_output=True, text=True, env=environ, cwd=cwd)


def test_installed_plugin_and_tool_appear_in_version(plugin_dir):
    out = fink("version", path=plugin_dir).stdout
    assert " * fink.test-plugin version 0.0.7" in out
    assert " * fink.test-plugin 0.0.7" in out  # its tool, under "fink commands:"
    assert " * fink.say-hello version 1.0.0" in out


def test_plugin_is_gone_when_its_distribution_is_gone(plugin_dir):
    without = fink("version").stdout
    assert "fink.test-plugin" not in without
    assert "fink.test-plugin" in fink("version", path=plugin_dir).stdout


def test_installed_plugin_sees_every_signal_in_lifecycle_order(plugin_dir, tmp_path):
    log = tmp_path / "signals.log"
    result = fink("testtool", "run", path=plugin_dir, env={"FINK_TEST_PLUGIN_LOG": str(log), "ENV": ""},
                  cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ran" in result.stdout
    lines = log.read_text().splitlines()
    assert [line.split()[0] for line in lines] == [s.name for s in fink_signals.SIGNAL_ORDER if s.name != "error"]
    shapes = {line.split()[0]: line.split()[1] for line in lines}
    assert shapes["initialized"] == shapes["finalized"] == "context"
    assert all(shape == "tuple" for name, shape in shapes.items() if name not in ("initialized", "finalized"))
    assert "'_awsclient'" not in log.read_text()  # private keys are not for plugin messages


def test_failed_run_sends_error_then_finalized_to_plugins(plugin_dir, tmp_path):
    log = tmp_path / "signals.log"
    result = fink("testtool", "run", "--fail", path=plugin_dir, env={"FINK_TEST_PLUGIN_LOG": str(log)}, cwd=tmp_path)
    assert result.returncode == 1
    assert "ERROR: the test tool was asked to fail" in result.stderr
    assert [line.split()[0] for line in log.read_text().splitlines()][-3:] == ["command_init", "error", "finalized"]


def test_broken_plugin_stops_the_run_naming_its_distribution(broken_dir, tmp_path):
    result = fink("config", path=broken_dir, env={"ENV": "dev"}, cwd=tmp_path)
    assert result.returncode == 1
    assert "fink.broken-plugin (fink-broken-plugin 0.0.1) does not define deregister()" in result.stderr
    assert "Traceback" not in result.stderr


def read_until(proc, wanted):
    """Read stdout lines until ``wanted`` shows up (say-hello greets first)."""
    for line in proc.stdout:
        if line == wanted:
            return True
    return False


def test_second_signal_ends_the_process_at_once(plugin_dir, tmp_path):
    environ = {**os.environ, "FINK_NO_UPDATE_CHECK": "1", "PYTHONPATH": str(plugin_dir), "FINK_TEST_PLUGIN_LOG": "/dev/null"}
    proc = subprocess.Popen([sys.executable, "-c", "from fink.cli import main; main()", "testtool", "wait",
                             "--stubborn"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ,
                            cwd=tmp_path)
    try:
        assert read_until(proc, "waiting\n")
        proc.send_signal(signal.SIGINT)
        assert read_until(proc, "cancelling\n")  # the command got the chance to cancel its work
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 130
        assert "Received SIGTERM again - exiting immediately." in proc.stderr.read()
    finally:
        proc.kill()


def test_first_signal_exits_gracefully_with_interrupted_code(plugin_dir, tmp_path):
    environ = {**os.environ, "FINK_NO_UPDATE_CHECK": "1", "PYTHONPATH": str(plugin_dir), "FINK_TEST_PLUGIN_LOG": "/dev/null"}
    proc = subprocess.Popen([sys.executable, "-c", "from fink.cli import main; main()", "testtool", "wait"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ, cwd=tmp_path)
    try:
        assert read_until(proc, "waiting\n")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 130
        assert "Received SIGTERM signal - exiting command 'testtool wait'" in proc.stderr.read()
    finally:
        proc.kill()


def test_help_and_version_import_neither_botocore_nor_troposphere():
    code = ("import sys, io, contextlib\n"
            "from fink.cli import run, dispatch_fink\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    dispatch_fink(['version']); dispatch_fink(['--help'])\n"
            "    for tool in ('cloud', 'code', 'lambda', 'api'):\n"
            "        run(tool, ['--help']); run(tool, ['version']); run(tool, [])\n"
            "print(sorted(m for m in ('botocore', 'troposphere', 'boto3', 'jsonschema', 'yaml') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "FINK_NO_UPDATE_CHECK": "1"})
    assert result.stdout.strip() == "[]", result.stderr
