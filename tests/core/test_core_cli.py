"""The console commands: usage text, usage errors, and `fink <tool> ...` running the same tool."""
import os
import subprocess
import sys

import pytest

from fink_testtools.helpers import run_cli

TOOLS = ("cloud", "code", "lambda", "api")


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_without_arguments_prints_usage_and_exits_usage(tool):
    result = run_cli(tool)
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage:") and f"{tool} version" in result.stderr


@pytest.mark.parametrize("tool", TOOLS)
def test_fink_tool_runs_the_same_tool(tool):
    assert run_cli("fink", tool, "--help").stdout == run_cli(tool, "--help").stdout
    assert run_cli("fink", tool, "--help").stdout.startswith("Usage:")


def test_unknown_tool_is_a_usage_error():
    result = run_cli("fink", "kumo", "deploy")
    assert result.exit_code == 2
    assert "ERROR: Tool 'kumo' is not installed." in result.stderr


def test_fink_without_arguments_shows_its_commands():
    result = run_cli("fink")
    assert result.exit_code == 2
    assert "fink config [<tool>]" in result.stderr and "fink version" in result.stderr


@pytest.mark.parametrize("script", ["fink", "cloud", "code", "lambda", "api"])
def test_console_scripts_are_installed(script):
    path = os.path.join(os.path.dirname(sys.executable), script)
    result = subprocess.run([path, "--help"], capture_output=True, text=True,
                            env={**os.environ, "FINK_NO_UPDATE_CHECK": "1"})
    assert result.returncode == 0 and result.stdout.startswith("Usage:")


def test_incomplete_command_line_names_itself_and_shows_the_usage():
    result = run_cli("cloud", "delete")  # -f is required
    assert result.exit_code == 2
    assert result.stderr.startswith("ERROR: 'cloud delete' does not match the usage:\nUsage:")
    assert "unmatched" not in result.stderr
