"""Helpers of the bundler tests: hand-made wheels (pip installs them with --no-index, never from PyPI) and a
readable listing of a zip for golden files."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from fink_testtools.wheels import build_wheel
from fink_testtools.golden import assert_golden


def tinydep_wheel(folder: Path) -> Path:
    """The pure-Python dependency of the sample projects, with a console script (pip writes a host shebang)."""
    return build_wheel(folder, "tinydep", "1.0", {"tinydep/__init__.py": 'VERSION = "1.0"\n\n\ndef main():\n    pass\n'},
                       console_scripts={"tinycli": "tinydep:main"})


def zip_listing(path: str | Path) -> str:
    """One line per member: mode, size, CRC, date and name (what the golden files pin)."""
    with zipfile.ZipFile(path) as zf:
        return "".join(f"{oct(i.external_attr >> 16)} {i.file_size:>6} {i.CRC:08x} "
                       f"{'%04d-%02d-%02d' % i.date_time[:3]} {i.filename}\n" for i in zf.infolist())


@pytest.fixture
def golden():
    """Compare text with ``tests/bundler/golden/<name>``; FINK_UPDATE_GOLDEN=1 rewrites the file."""
    def check(name: str, text: str) -> None:
        assert_golden(Path(__file__).parent / "golden" / name, text)
    return check


@pytest.fixture
def edit_section():
    """Merge ``changes`` into the ``tool`` section of fink_dev.json in the working folder."""
    import json

    from fink.config import deep_merge

    def edit(tool: str, changes: dict) -> dict:
        path = Path("fink_dev.json")
        config = json.loads(path.read_text())
        config[tool] = deep_merge(config[tool], changes)
        path.write_text(json.dumps(config, indent=2))
        return config[tool]
    return edit


@pytest.fixture
def make_wheel():
    return build_wheel


@pytest.fixture
def tinydep():
    return tinydep_wheel


@pytest.fixture
def listing():
    return zip_listing
