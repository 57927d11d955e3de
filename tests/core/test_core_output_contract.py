"""Output contracts every tool keeps (issue 15): listing and status commands offer --json, and colour comes only
from the UI (which honours NO_COLOR), so no command can print escape codes into a CI log or a pipe."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from fink.plugins import TOOLS_GROUP, discover

ROOT = Path(__file__).resolve().parents[2]
#: command names that list things or report a state: each must offer machine-readable output
LISTING = re.compile(r"^(list|.*-list|info|metrics|outputs|drift|preview|status)$")


def _usage_lines():
    for info in discover(TOOLS_GROUP):
        tool = info.entry_point.load()
        usage = tool.doc.split("Options:")[0]
        for line in usage.splitlines()[1:]:
            words = line.split()
            if len(words) >= 2 and words[0] == tool.name:
                yield tool.name, words[1], line.strip()


@pytest.mark.parametrize("tool,command,line", [u for u in _usage_lines() if LISTING.match(u[1])],
                         ids=lambda v: v if isinstance(v, str) and " " not in v else "")
def test_listing_and_status_commands_offer_json(tool, command, line):
    assert "[--json]" in line, f"`{tool} {command}` lists or reports state but has no --json: {line}"


def test_the_contract_covers_the_known_listing_commands():
    found = {(t, c) for t, c, _ in _usage_lines() if LISTING.match(c)}
    assert {("cloud", "list"), ("cloud", "outputs"), ("cloud", "drift"), ("lambda", "list"), ("lambda", "info"),
            ("lambda", "metrics"), ("api", "list"), ("api", "apikey-list")} <= found


def test_only_the_ui_writes_colour_codes():
    """An SGR escape (colour, bold) anywhere but fink/ui.py would bypass NO_COLOR and the TTY check."""
    sgr = re.compile(r"\\x1b\[[0-9;]*m|\\033\[[0-9;]*m")
    sources = [p for folder in ("fink", "fink_cloud", "fink_lambda", "fink_api", "fink_code", "plugins")
               for p in (ROOT / folder).glob("**/*.py")]
    assert len(sources) > 50
    offenders = [str(p.relative_to(ROOT)) for p in sources
                 if p != ROOT / "fink" / "ui.py" and sgr.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert offenders == []


def test_tests_needing_a_program_use_the_shared_skip_marker():
    """A test that needs unzip, npm or a system dot skips through fink_testtools.programs.requires_program, whose
    reason says what is missing and that CI installs it - never through an ad-hoc shutil.which check."""
    ad_hoc = [str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("**/*.py")
              if "shutil.which(" in p.read_text(encoding="utf-8") and p.name != Path(__file__).name]
    assert ad_hoc == []
