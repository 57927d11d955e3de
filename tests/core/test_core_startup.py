"""Start-up cost: a tool's own script loads only that tool, and `fink version` scans the installed distributions
once. Each installed-distribution scan reads every distribution's metadata (~0.1 s CPU on a full environment), and
each heavy import shows in the start-up time of every command, `--help` included."""
import importlib.metadata as md
import subprocess
import sys

import pytest

from fink_testtools.helpers import run_cli

HEAVY = ("importlib.metadata", "botocore", "boto3", "docopt", "jsonschema", "yaml", "troposphere", "logging",
         "dataclasses", "fink.plugins", "fink.lifecycle", "fink.config")

_PROBE = """
import sys
before = set(sys.modules)
from fink_{tool}.cli import main
sys.argv = ["{tool}", "--help"]
try:
    main()
except SystemExit as exc:
    code = exc.code
print("EXIT", code, file=sys.stderr)
print(" ".join(sorted(set(sys.modules) - before)), file=sys.stderr)
"""


@pytest.mark.parametrize("tool", ["cloud", "lambda"])
def test_tool_script_help_imports_nothing_heavy(tool, tmp_path):
    """What the console script runs, in a fresh interpreter: only modules `--help` needs get imported."""
    result = subprocess.run([sys.executable, "-c", _PROBE.format(tool=tool)], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    exit_line, modules = result.stderr.strip().splitlines()[-2:]
    assert exit_line == "EXIT 0" and result.stdout.startswith("Usage:")
    assert sorted(set(modules.split()) & set(HEAVY)) == []


@pytest.fixture
def scans(monkeypatch):
    """Counts full scans of the installed distributions' entry points."""
    counted = []
    real = md.entry_points

    def counting(*args, **kwargs):
        counted.append(kwargs.get("group"))
        return real(*args, **kwargs)

    monkeypatch.setattr(md, "entry_points", counting)
    return counted


def test_fink_version_scans_the_distributions_once(scans):
    result = run_cli("fink", "version")
    assert result.exit_code == 0 and " * fink.cloud 1.0.0" in result.stdout and "fink.bundler" in result.stdout
    assert len(scans) == 1


def test_fink_tool_finds_its_tool_without_a_full_scan(scans):
    result = run_cli("fink", "cloud", "--help")
    assert result.exit_code == 0 and result.stdout.startswith("Usage:\n        cloud deploy")
    assert scans == []


def test_unknown_tool_is_still_a_usage_error_after_the_full_scan(scans):
    result = run_cli("fink", "nosuchtool", "deploy")
    assert result.exit_code == 2 and "Tool 'nosuchtool' is not installed." in result.stderr
    assert len(scans) == 1
