"""Fixtures shared by several test areas: the archives `make dist` builds, built once per test session."""
import importlib.util
from pathlib import Path

import pytest

from fink_testtools.shared import shared_folder

ROOT = Path(__file__).resolve().parents[1]


def load_dist_script():
    """scripts/dist.py as a module (it is a script of the checkout, not part of any distribution)."""
    spec = importlib.util.spec_from_file_location("fink_dist_script", ROOT / "scripts" / "dist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def dist_script():
    return load_dist_script()


@pytest.fixture(scope="session")
def dist_folder(tmp_path_factory, dist_script):
    """``<tmp>/fink/dist`` holding the wheels and sdists of every distribution, as `make dist` builds them; built
    once per test run and shared by the pytest-xdist workers (fink_testtools.shared)."""
    return shared_folder(tmp_path_factory, "checkout/fink/dist", dist_script.build)
