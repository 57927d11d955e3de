"""Fixtures shared by several test areas: the archives `make dist` builds (built once per test session) and a
deployed stack whose next `cloud deploy` is an update."""
import importlib.util
import json
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


@pytest.fixture
def pending_update(aws, project, run_cli, fake_clock, monkeypatch) -> Path:
    """``cloud_simple`` deployed to the emulator, with a config whose next deploy is an update (a new Prefix)."""
    monkeypatch.setenv("ENV", "dev")
    folder = project("cloud_simple")
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    config = json.loads((folder / "fink_dev.json").read_text())
    config["cloud"]["parameters"]["Prefix"] = "fink-test-two"
    (folder / "fink_dev.json").write_text(json.dumps(config))
    return folder
