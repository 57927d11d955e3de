"""The key of an install decides whether `lambda deploy` runs pip/npm again: it changes with every input fink can
see (requirement files, the files and folders they reference, runtime, platform, pip settings) and with nothing
else (a file rewritten with the same content, build output inside a local project)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from fink_bundler import deps


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    _write(tmp_path / "requirements.txt",
           "--find-links ./wheels\n-r more/extra.txt\n-c constraints.txt\n./dist/own-1.0-py3-none-any.whl\n"
           "-e ./editable\nlocalpkg @ file://" + str(tmp_path / "localpkg") + "\n./plainpkg  # a comment\n"
           "tinydep==1.0 \\\n    --hash=sha256:00\n")
    _write(tmp_path / "wheels" / "tinydep-1.0-py3-none-any.whl", "wheel v1")
    _write(tmp_path / "more" / "extra.txt", "-r ../deeper.txt\nother==2\n")
    _write(tmp_path / "deeper.txt", "deep==1\n")
    _write(tmp_path / "constraints.txt", "deep<2\n")
    _write(tmp_path / "dist" / "own-1.0-py3-none-any.whl", "own wheel")
    for name in ("editable", "localpkg", "plainpkg"):
        _write(tmp_path / name / "pyproject.toml", "[project]\nname='x'\n")
        _write(tmp_path / name / "src" / "mod.py", "X = 1\n")
    _write(tmp_path / "package.json", '{"dependencies": {"localdep": "file:./local-node"}}')
    _write(tmp_path / "local-node" / "index.js", "module.exports = 1;\n")
    return tmp_path


def _py(work: Path) -> str:
    return deps.python_key(str(work), "python3.12", ["x86_64"])


CHANGES: dict[str, Callable[[Path], None]] = {
    "requirements.txt": lambda w: _write(w / "requirements.txt", (w / "requirements.txt").read_text() + "new==1\n"),
    "nested -r file": lambda w: _write(w / "deeper.txt", "deep==2\n"),
    "-c constraints": lambda w: _write(w / "constraints.txt", "deep<3\n"),
    "wheel rebuilt in find-links": lambda w: _write(w / "wheels" / "tinydep-1.0-py3-none-any.whl", "wheel v2"),
    "wheel added to find-links": lambda w: _write(w / "wheels" / "other-2-py3-none-any.whl", "w"),
    "local wheel path": lambda w: _write(w / "dist" / "own-1.0-py3-none-any.whl", "own wheel 2"),
    "editable project": lambda w: _write(w / "editable" / "src" / "mod.py", "X = 2\n"),
    "file:// project": lambda w: _write(w / "localpkg" / "src" / "mod.py", "X = 2\n"),
    "plain path project": lambda w: _write(w / "plainpkg" / "src" / "new.py", ""),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_local_input_of_requirements_is_part_of_the_key(work, change):
    before = _py(work)
    CHANGES[change](work)
    assert _py(work) != before


def test_runtime_platform_and_pip_settings_are_part_of_the_key(work, monkeypatch):
    keys = {_py(work), deps.python_key(str(work), "python3.11", ["x86_64"]),
            deps.python_key(str(work), "python3.12", ["arm64"])}
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:1/simple")
    keys.add(_py(work))
    assert len(keys) == 4


def test_rewriting_the_same_content_or_building_a_local_project_keeps_the_key(work):
    before = _py(work)
    for path in work.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes())  # new mtimes, same content
    _write(work / "plainpkg" / "build" / "lib" / "mod.py", "X = 1\n")  # what pip writes building in place
    _write(work / "plainpkg" / "src" / "x.egg-info" / "PKG-INFO", "Name: x\n")
    _write(work / "editable" / "src" / "__pycache__" / "mod.cpython-312.pyc", "\0")
    assert _py(work) == before


@pytest.mark.parametrize("change", ["package.json", "lock file", ".npmrc", "file: dependency"])
def test_node_key_covers_package_json_lock_files_npmrc_and_file_dependencies(work, change):
    before = deps.node_key(str(work))
    target = {"package.json": "package.json", "lock file": "package-lock.json", ".npmrc": ".npmrc",
              "file: dependency": "local-node/index.js"}[change]
    _write(work / target, "changed")
    assert deps.node_key(str(work)) != before
