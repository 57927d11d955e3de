"""The test examples of docs/writing-plugins.md work as written: they are extracted and run with pytest."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "writing-plugins.md"


def python_test_blocks(text: str) -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    return [b for b in blocks if "\ndef test_" in b]


def test_the_guides_test_examples_pass(tmp_path, moto_server):
    blocks = python_test_blocks(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) == 3  # say-hello, slack, logcapture
    for number, block in enumerate(blocks):
        (tmp_path / f"test_guide_example_{number}.py").write_text(block, encoding="utf-8")
    # the inner run uses this process's moto server (idle while this test waits) instead of starting its own
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FINK_NO_UPDATE_CHECK": "1",
           "FINK_TESTTOOLS_MOTO_URL": moto_server.url}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
