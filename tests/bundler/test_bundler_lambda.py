"""`lambda bundle` with the real bundler: contents, dependencies for the Lambda platform, determinism, --keep, npm."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fink.s3 import sha256_b64
from fink_bundler import bundler, deps


def _sample(project, tinydep) -> Path:
    folder = project("bundler_python")
    tinydep(folder / "wheels")
    (folder / "lib" / "__pycache__").mkdir()
    (folder / "lib" / "__pycache__" / "helper.cpython-312.pyc").write_bytes(b"\x00host noise")
    (folder / "lib" / "stale.pyc").write_bytes(b"\x00host noise")
    return folder


def _bundle(run_cli, *args):
    result = run_cli("lambda", "bundle", *args, env={"ENV": "dev"})
    assert result.exit_code == 0, result.stderr
    return result


def test_bundle_holds_folders_handler_settings_and_dependencies(aws, project, tinydep, run_cli, listing, golden):
    folder = _sample(project, tinydep)
    result = _bundle(run_cli)
    zip_path = folder / "sample.zip"
    assert str(zip_path) in result.stdout
    assert f"CodeSha256: {sha256_b64(zip_path.read_bytes())}" in result.stdout
    golden("lambda_sample_listing.txt", listing(zip_path))
    with zipfile.ZipFile(zip_path) as zf:
        assert json.loads(zf.read("settings.json")) == {"name": "sample", "answer": 42, "nested": {"a": 1, "b": 2}}
        assert zf.read("tinydep/__init__.py").startswith(b'VERSION = "1.0"')


def test_bundled_function_runs_from_the_unzipped_bundle(aws, project, tinydep, run_cli, temp_folder):
    """What Lambda does: unzip, import the handler from the root, read settings.json from the cwd."""
    _sample(project, tinydep)
    _bundle(run_cli)
    target = temp_folder / "unzipped"
    zipfile.ZipFile(temp_folder / "sample.zip").extractall(target)
    code = "import handler; print(handler.handle({}, None))"
    out = subprocess.run([sys.executable, "-c", code], cwd=target, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "{'greeting': 'hello sample', 'dep': '1.0'}"


@pytest.fixture(scope="module")
def second_venv(tmp_path_factory) -> str:
    """Another virtual environment whose pip installs the dependencies (console scripts name its python)."""
    folder = tmp_path_factory.mktemp("venv2")
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, capture_output=True)
    return str(folder / "bin" / "python")


@pytest.mark.parametrize("requirement", ["tinydep==1.0", "./wheels/tinydep-1.0-py3-none-any.whl"],
                         ids=["find-links", "direct-path"])  # a direct path makes pip write direct_url.json
def test_two_clean_builds_in_different_folders_and_venvs_are_byte_identical(tmp_path, tinydep, monkeypatch,
                                                                             second_venv, requirement):
    resources = Path(__file__).parents[1] / "resources" / "bundler_python"
    builds = []
    for name, python in (("first/a", None), ("second/deeper/b", second_venv)):
        folder = tmp_path / name
        shutil.copytree(resources, folder)
        tinydep(folder / "wheels")
        (folder / "requirements.txt").write_text(f"--no-index\n--find-links ./wheels\n{requirement}\n")
        (folder / "static" / "run.sh").chmod(0o700)  # other permission bits than the first copy
        monkeypatch.setattr(deps, "PIP_PYTHON", python)
        section = json.loads((folder / "fink_dev.json").read_text())["lambda"]
        builds.append(bundler.build_lambda_bundle(section, str(folder)))
    first, second = builds
    assert Path(first.path).read_bytes() == Path(second.path).read_bytes()
    assert first.sha256 == second.sha256
    assert "tinydep/__init__.py" in first.names
    assert not any(n.startswith("bin/") or n.endswith(("RECORD", "INSTALLER", "direct_url.json"))
                   for n in first.names)


def _native_wheels(make_wheel, folder: Path) -> None:
    """Native wheels for Lambda (cp312 on both architectures); none would install on the host's Python."""
    for arch in ("x86_64", "aarch64"):
        make_wheel(folder, "nativedep", "1.0", {"nativedep/__init__.py": f'ARCH = "{arch}"\n'},
                   tag=f"cp312-cp312-manylinux2014_{arch}")


@pytest.mark.parametrize("architecture, wheel_arch", [("x86_64", "x86_64"), ("arm64", "aarch64")])
def test_dependencies_are_installed_for_the_runtime_and_architecture(aws, project, make_wheel, run_cli,
                                                                     edit_section, architecture, wheel_arch):
    folder = project("bundler_python")
    _native_wheels(make_wheel, folder / "wheels")
    (folder / "requirements.txt").write_text("--no-index\n--find-links ./wheels\nnativedep==1.0\n")
    edit_section("lambda", {"lambda": {"architectures": [architecture]}})
    _bundle(run_cli)
    with zipfile.ZipFile(folder / "sample.zip") as zf:
        assert zf.read("nativedep/__init__.py").decode() == f'ARCH = "{wheel_arch}"\n'


def test_a_requirement_without_a_wheel_for_the_runtime_fails_with_pips_output(aws, project, make_wheel, run_cli,
                                                                               edit_section):
    folder = project("bundler_python")
    _native_wheels(make_wheel, folder / "wheels")
    (folder / "requirements.txt").write_text("--no-index\n--find-links ./wheels\nnativedep==1.0\n")
    edit_section("lambda", {"lambda": {"runtime": "python3.11"}})
    result = run_cli("lambda", "bundle", env={"ENV": "dev"})
    assert result.exit_code == 1
    assert "Installing requirements.txt for python3.11 on x86_64 failed" in result.stderr
    assert "nativedep" in result.stderr and "manylinux2014, cp311" in result.stderr
    assert not (folder / "sample.zip").exists()


def test_an_unchanged_bundle_reuses_installed_dependencies_without_running_pip(aws, project, tinydep, run_cli,
                                                                               monkeypatch, edit_section):
    folder = _sample(project, tinydep)
    first = _bundle(run_cli)
    assert "installing requirements.txt" in first.stderr
    monkeypatch.setattr(deps, "PIP_PYTHON", str(folder / "no-such-python"))  # pip cannot run now
    again = _bundle(run_cli)
    assert "reusing installed dependencies" in again.stderr and "installing" not in again.stderr
    assert again.stdout == first.stdout
    edit_section("lambda", {"defaults": {"keep": False}})
    fresh = run_cli("lambda", "bundle", env={"ENV": "dev"})
    assert fresh.exit_code == 1 and "Installing requirements.txt" in fresh.stderr and "no-such-python" in fresh.stderr


def test_a_rebuilt_wheel_with_the_same_version_is_installed_again(aws, project, tinydep, make_wheel, run_cli):
    folder = _sample(project, tinydep)
    _bundle(run_cli)
    make_wheel(folder / "wheels", "tinydep", "1.0", {"tinydep/__init__.py": 'VERSION = "1.0-rebuilt"\n'})
    again = _bundle(run_cli)
    assert "installing requirements.txt" in again.stderr
    with zipfile.ZipFile(folder / "sample.zip") as zf:
        assert zf.read("tinydep/__init__.py") == b'VERSION = "1.0-rebuilt"\n'


def test_changed_requirements_are_installed_again(aws, project, tinydep, make_wheel, run_cli):
    folder = _sample(project, tinydep)
    _bundle(run_cli, "--keep")
    make_wheel(folder / "wheels", "tinydep", "2.0", {"tinydep/__init__.py": 'VERSION = "2.0"\n'})
    (folder / "requirements.txt").write_text("--no-index\n--find-links ./wheels\ntinydep==2.0\n")
    _bundle(run_cli, "--keep")
    with zipfile.ZipFile(folder / "sample.zip") as zf:
        assert zf.read("tinydep/__init__.py") == b'VERSION = "2.0"\n'


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: the nodejs bundling needs it")
def test_nodejs_bundle_installs_production_dependencies_in_a_copy(aws, project, run_cli, listing, golden):
    folder = project("bundler_node")
    (folder / "node_modules").mkdir()
    (folder / "node_modules" / "users-own").write_text("keep me")
    _bundle(run_cli)
    golden("lambda_node_listing.txt", listing(folder / "bundle.zip"))
    assert (folder / "node_modules" / "users-own").read_text() == "keep me"
    assert sorted(os.listdir(folder / "node_modules")) == ["users-own"]
