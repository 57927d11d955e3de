"""The newcomer's path is a test: the blocks of docs/getting-started.md (and the install block of
docs/installation.md) run as written, in a fresh folder and a fresh virtual environment that installs fink from the
wheels `make dist` builds, against the emulator.

A page marks what the test does with each block in an HTML comment right above it (invisible when rendered):
``<!-- walkthrough: run -->`` runs a shell block, ``<!-- walkthrough: file NAME -->`` writes the block to NAME,
``<!-- walkthrough: expect -->`` requires every line of a text block in the output of the block run before it,
``<!-- walkthrough: skip (reason) -->`` leaves a block out. All run blocks share one shell, so `cd`, `export` and
`. .venv/bin/activate` carry over as they do for a reader.

Nothing is downloaded: pip gets ``--no-index`` and the wheels folder, and the third-party packages (botocore,
troposphere, moto, ...) are taken from the test run's own environment through PYTHONPATH, so pip finds them
installed. The emulator's port replaces the page's 5000.
"""
import os
import re
import shlex
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARK = re.compile(r"^<!--\s*walkthrough:\s*(\w+)\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^```(\w*)\s*$")
OWN = ("fink", "_fink", "__editable__")  # fink's own (editable) distributions: these come from the wheels


@dataclass
class Block:
    action: str
    argument: str
    language: str
    text: str
    line: int


def blocks(page: Path) -> list[Block]:
    """Every fenced block of a page with the walkthrough mark above it; an unmarked block is an error."""
    found, mark, lines = [], None, page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match, fence = MARK.match(lines[i]), FENCE.match(lines[i])
        if match:
            mark = match.groups()
        elif fence:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            if mark:
                found.append(Block(mark[0], mark[1], fence.group(1), "\n".join(lines[i + 1:end]) + "\n", i + 1))
            mark, i = None, end
        elif lines[i].strip():
            mark = None
        i += 1
    return found


def normalised(line: str) -> str:
    """Whitespace collapsed, elapsed-time columns (``12s``) made equal."""
    return re.sub(r"\b\d+s\b", "Ns", " ".join(line.split()))


def script(steps: list[Block], outputs: Path, port: int) -> str:
    """One bash script running the blocks in order; each run block's output goes to outputs/<n>."""
    parts = ["set -euo pipefail"]
    for n, block in enumerate(steps):
        if block.action == "file":
            parts.append(f"cat > {shlex.quote(block.argument)} <<'FINK_WALKTHROUGH_EOF'\n{block.text}"
                         "FINK_WALKTHROUGH_EOF")
        elif block.action == "run":
            text = block.text.replace("127.0.0.1:5000", f"127.0.0.1:{port}")
            parts.append(f"echo {n} > {outputs}/current\n{{\n{text}\n}} > {outputs}/{n} 2>&1")
    return "\n".join(parts) + "\n"


@pytest.fixture
def newcomer(tmp_path, dist_folder, aws):
    """A shell environment like a newcomer's: a fresh folder next to the fink checkout (which holds dist/)."""
    deps = tmp_path / "site-deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(OWN) and not entry.name.endswith(".pth"):
            (deps / entry.name).symlink_to(entry)
    work = dist_folder.parent.parent / f"work-{tmp_path.name}"
    work.mkdir()
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "HOME": str(tmp_path),
           "PYTHONPATH": str(deps), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(dist_folder),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "FINK_NO_UPDATE_CHECK": "1", "LANG": "C.UTF-8"}
    return work, env, aws.port


def walk(page: Path, newcomer, tmp_path) -> dict[int, str]:
    work, env, port = newcomer
    steps = blocks(page)
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    result = subprocess.run(["bash", "-c", script(steps, outputs, port)], cwd=work, env=env, capture_output=True,
                            text=True, timeout=240)
    ran = {int(p.name): p.read_text() for p in outputs.iterdir() if p.name.isdigit()}
    if result.returncode != 0:
        failed = int((outputs / "current").read_text())
        pytest.fail(f"{page.name}: the block at line {steps[failed].line} failed "
                    f"(exit {result.returncode}):\n{steps[failed].text}\n--- output ---\n{ran.get(failed, '')}"
                    f"{result.stderr}")
    for n, block in enumerate(steps):
        if block.action == "expect":
            previous = max(i for i in ran if i < n)
            have = {normalised(line) for line in ran[previous].splitlines()}
            missing = [line for line in block.text.splitlines() if line.strip() and normalised(line) not in have]
            assert not missing, f"{page.name} line {block.line}: not in the output:\n" + "\n".join(missing) + \
                f"\n--- output ---\n{ran[previous]}"
    return ran


def test_every_block_of_the_walkthrough_is_marked():
    page = ROOT / "docs" / "getting-started.md"
    fences = sum(1 for line in page.read_text().splitlines() if FENCE.match(line) and line.strip() != "```")
    assert len(blocks(page)) == fences  # a new block must say what the test does with it


def test_getting_started_runs_as_written(newcomer, tmp_path):
    ran = walk(ROOT / "docs" / "getting-started.md", newcomer, tmp_path)
    work = newcomer[0]
    assert (work / ".venv" / "bin" / "cloud").exists()  # the tools came from the wheels into the new venv
    assert "hello-stack-dev" in "".join(ran.values())
    assert "DELETE_COMPLETE" in ran[max(ran)] or "deleted" in ran[max(ran)].lower()


def test_installation_page_install_block_installs_from_dist(newcomer, tmp_path):
    walk(ROOT / "docs" / "installation.md", newcomer, tmp_path)
    work, env, _ = newcomer
    version = subprocess.run([str(work / "venv" / "bin" / "fink"), "version"], env=env, capture_output=True,
                             text=True, cwd=work)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("fink version 1.0.0")
    assert " * fink.cloud 1.0.0" in version.stdout and " * fink.lookups version 1.0.0" in version.stdout
