"""Shared fixtures of the core tests: wheels of every distribution of the checkout, built once per session."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fink_testtools.shared import shared_folder

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {
    "fink": ".", "fink-cloud": "fink_cloud", "fink-code": "fink_code", "fink-lambda": "fink_lambda",
    "fink-api": "fink_api", "fink-config-reader": "plugins/fink_config_reader", "fink-lookups": "plugins/fink_lookups",
    "fink-bundler": "plugins/fink_bundler", "fink-say-hello": "plugins/fink_say_hello",
    "fink-slack-integration": "plugins/fink_slack_integration",
}


def _copy_sources(dest):
    """Copies of the distribution folders, so that building does not leave build/ folders in the checkout."""
    noise = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "bundle.zip", ".fink")
    copies = []
    for dist, folder in FOLDERS.items():
        target = dest / dist
        if folder == ".":
            target.mkdir()
            for name in ("setup.py", "README.md"):
                shutil.copy2(ROOT / name, target / name)
            for package in ("fink", "fink_testtools"):
                shutil.copytree(ROOT / package, target / package, ignore=noise)
        else:
            shutil.copytree(ROOT / folder, target, ignore=noise)
        copies.append(str(target))
    return copies


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory):
    """Built once per test run, shared by the xdist workers (see fink_testtools.shared)."""
    def build(out):
        folders = _copy_sources(tmp_path_factory.mktemp("sources"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                        str(out), *folders], check=True, capture_output=True)
    return shared_folder(tmp_path_factory, "wheelhouse", build)




@pytest.fixture(scope="session")
def distributions():
    """Distribution name -> its folder in the checkout."""
    return dict(FOLDERS)
