"""Every tool and plugin is a distribution of its own, pip-installable from its folder, and the names users write
in requirements_fink.txt (``fink.cloud``, ``fink.config-reader``, ...) resolve to them."""
import importlib.metadata as md
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {
    "fink": ".", "fink-cloud": "fink_cloud", "fink-code": "fink_code", "fink-lambda": "fink_lambda",
    "fink-api": "fink_api", "fink-config-reader": "plugins/fink_config_reader", "fink-lookups": "plugins/fink_lookups",
    "fink-bundler": "plugins/fink_bundler", "fink-say-hello": "plugins/fink_say_hello",
    "fink-slack-integration": "plugins/fink_slack_integration",
}
USER_NAMES = ["fink", "fink.config-reader", "fink.lookups", "fink.bundler", "fink.slack-integration", "fink.cloud",
              "fink.code", "fink.lambda", "fink.api", "fink.say-hello"]


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


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheels")
    folders = _copy_sources(tmp_path_factory.mktemp("sources"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out),
                    *folders], check=True, capture_output=True)
    return out


def test_each_folder_builds_its_own_distribution(wheelhouse):
    built = sorted(p.name.split("-")[0] for p in wheelhouse.glob("*.whl"))
    assert built == sorted(name.replace("-", "_") for name in FOLDERS)


def test_user_requirement_names_resolve_to_these_distributions(wheelhouse, tmp_path):
    requirements = tmp_path / "requirements_fink.txt"
    requirements.write_text("\n".join(USER_NAMES) + "\n")
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
                             "--find-links", str(wheelhouse), "--ignore-installed", "-r", str(requirements)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for dist in FOLDERS:
        assert f"{dist}-1.0.0" in result.stdout


def test_installed_names_answer_to_the_guides_spelling():
    for name in USER_NAMES:
        assert md.version(name) == "1.0.0"


def test_tools_and_plugins_register_in_their_entry_point_groups():
    tools = {ep.name: ep.dist.name for ep in md.entry_points(group="fink.tools")}
    plugins = {ep.dist.name for ep in md.entry_points(group="fink.plugins")}
    assert {k: tools[k] for k in ("cloud", "code", "lambda", "api")} == {
        "cloud": "fink-cloud", "code": "fink-code", "lambda": "fink-lambda", "api": "fink-api"}
    assert {"fink-config-reader", "fink-lookups", "fink-bundler", "fink-say-hello",
            "fink-slack-integration"} <= plugins
