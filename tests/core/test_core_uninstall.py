"""`pip uninstall fink-say-hello` removes the plugin from `fink version` and from the lifecycle; reinstalling
brings it back, also through the start-up cache of the runs before. Done for real with pip in a fresh virtual
environment holding wheels of this checkout (the third-party dependencies come from the test run's environment
through a .pth file, nothing is downloaded)."""
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

SKIP = ("fink", "_fink", "__editable__", "distutils-precedence.pth")


@pytest.fixture
def venv(tmp_path, wheelhouse):
    deps = tmp_path / "deps"
    deps.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():  # everything but fink's own (editable) distributions
        if not entry.name.startswith(SKIP) and not entry.name.endswith(".pth"):
            (deps / entry.name).symlink_to(entry)
    root = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "outer-deps.pth").write_text(str(deps) + "\n")

    def pip(*args):
        subprocess.run([sys.executable, "-m", "pip", "--python", str(python), *args, "-q"], check=True,
                       capture_output=True)
    pip("install", "--no-deps", "--no-index", "--find-links", str(wheelhouse), "fink-core", "fink-config-reader",
        "fink-say-hello")
    return root, pip, wheelhouse


def run(root, *args, cwd):
    """Runs with the start-up cache on (fink.diskcache): each pip change below must be seen through it."""
    env = {**os.environ, "FINK_NO_UPDATE_CHECK": "1", "ENV": "dev", "XDG_CACHE_HOME": str(Path(cwd) / "cache")}
    env.pop("PYTHONPATH", None)
    env.pop("FINK_NO_STARTUP_CACHE", None)
    return subprocess.run([str(root / "bin" / "fink"), *args], capture_output=True, text=True, env=env, cwd=cwd)


def test_uninstall_removes_the_plugin_and_reinstall_brings_it_back(venv, tmp_path):
    root, pip, wheelhouse = venv
    (tmp_path / "fink_dev.json").write_text(json.dumps({"cloud": {"any": "value"}}))  # no cloud tool: not validated
    installed = run(root, "version", cwd=tmp_path)
    assert " * fink.say-hello version 1.0.0" in installed.stdout, installed.stderr
    assert "MoinMoin" in run(root, "config", cwd=tmp_path).stderr
    assert list((tmp_path / "cache" / "fink").glob("entry-points-*.json"))  # what the next runs could reuse

    pip("uninstall", "-y", "fink-say-hello")
    gone = run(root, "version", cwd=tmp_path)
    assert gone.returncode == 0 and "say-hello" not in gone.stdout
    assert " * fink.config-reader version 1.0.0" in gone.stdout
    config = run(root, "config", cwd=tmp_path)
    assert config.returncode == 0 and "MoinMoin" not in config.stderr
    assert json.loads(config.stdout) == {"cloud": {"any": "value"}}

    pip("install", "--no-deps", "--no-index", "--find-links", str(wheelhouse), "fink-say-hello")
    assert " * fink.say-hello version 1.0.0" in run(root, "version", cwd=tmp_path).stdout
    assert "MoinMoin" in run(root, "config", cwd=tmp_path).stderr
