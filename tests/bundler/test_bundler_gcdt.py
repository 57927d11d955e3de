"""Bundling what gcdt projects bring: the guide's `{"source": "./node_modules"}` folder (with and without an
installed node_modules), package.json in node bundles, and pure-Python source distributions in requirements.txt.
Offline: npm installs local file: packages, pip installs from a local folder (--no-index --find-links)."""
from __future__ import annotations

import shutil
import zipfile

import pytest

from fink_testtools.wheels import build_sdist

GUIDE_FOLDERS = {"bundling": {"folders": [{"source": "./node_modules", "target": "./node_modules"}]}}
needs_npm = pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: nodejs bundling needs it")


def _names(path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


@needs_npm
@pytest.mark.parametrize("installed", [False, True], ids=["without-node_modules", "after-npm-install"])
def test_guides_node_modules_folder_is_covered_by_the_install(aws, project, run_cli, edit_section, installed):
    folder = project("bundler_node")
    edit_section("lambda", GUIDE_FOLDERS)
    if installed:  # what `npm install` leaves: the same package as the bundle's install, plus dev tools
        modules = folder / "node_modules" / "localdep"
        modules.mkdir(parents=True)
        (modules / "index.js").write_text("module.exports = 'stale copy';\n")
        (modules / ".npmignore").write_text("test/\n")
        (folder / "node_modules" / "devdep").mkdir()
    result = run_cli("lambda", "bundle", env={"ENV": "dev"})
    assert result.exit_code == 0, result.stderr
    assert "node_modules comes from a production npm install of package.json" in result.stderr
    names = _names(folder / "bundle.zip")
    assert "package.json" in names  # ESM handlers need its "type"
    assert "node_modules/localdep/index.js" in names
    assert not [n for n in names if n.startswith("node_modules/devdep") or n.endswith(".npmignore")]


def test_guides_node_modules_folder_without_any_dependencies(aws, project, run_cli, edit_section):
    folder = project("bundler_python")
    (folder / "requirements.txt").unlink()
    edit_section("lambda", GUIDE_FOLDERS)
    result = run_cli("lambda", "bundle", env={"ENV": "dev"})
    assert result.exit_code == 0, result.stderr
    assert "WARNING: bundling.folders[0] (./node_modules) does not exist and there is no package.json" \
        in result.stderr
    (folder / "node_modules" / "leftpad").mkdir(parents=True)  # a python function shipping a node folder: as asked
    (folder / "node_modules" / "leftpad" / "index.js").write_text("//\n")
    assert run_cli("lambda", "bundle", env={"ENV": "dev"}).exit_code == 0
    assert "node_modules/leftpad/index.js" in _names(folder / "sample.zip")


def test_pure_python_sdist_is_built_into_a_wheel_for_the_bundle(aws, project, run_cli):
    folder = project("bundler_python")
    build_sdist(folder / "dist", "docopt", "0.6.2", {"docopt/__init__.py": "__version__ = '0.6.2'\n"})
    (folder / "requirements.txt").write_text("--no-index\n--find-links ./dist\ndocopt==0.6.2\n")
    result = run_cli("lambda", "bundle", env={"ENV": "dev"})
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(folder / "sample.zip") as zf:
        assert zf.read("docopt/__init__.py") == b"__version__ = '0.6.2'\n"
        assert "docopt-0.6.2.dist-info/METADATA" in zf.namelist()


def test_native_sdist_is_refused_naming_the_host_wheel(aws, project, run_cli):
    folder = project("bundler_python")
    build_sdist(folder / "dist", "nativesrc", "1.0", {"nativesrc/__init__.py": ""},
                tag="cp312-cp312-linux_x86_64")
    (folder / "requirements.txt").write_text("--no-index\n--find-links ./dist\nnativesrc==1.0\n")
    result = run_cli("lambda", "bundle", env={"ENV": "dev"})
    assert result.exit_code == 1
    assert "Built from source but not pure Python, so not usable on Lambda: " \
           "nativesrc-1.0-cp312-cp312-linux_x86_64.whl" in result.stderr
    assert not (folder / "sample.zip").exists()
