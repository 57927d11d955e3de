"""Hand-made wheels for tests that install dependencies: pip installs them with ``--no-index --find-links``, so
no test needs PyPI. Used by fink's bundler and lambda tests, and available to plugin authors."""
from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

__all__ = ["build_wheel", "build_sdist"]


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(folder: Path, name: str, version: str, files: dict[str, str], tag: str = "py3-none-any",
                console_scripts: dict[str, str] | None = None) -> Path:
    """Assemble a wheel by hand: ``files`` maps paths inside the wheel to their text."""
    dist = f"{name}-{version}.dist-info"
    content = dict(files)
    content[f"{dist}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    purelib = "true" if tag.endswith("-any") else "false"
    content[f"{dist}/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: fink-tests\nRoot-Is-Purelib: {purelib}\nTag: {tag}\n"
    if console_scripts:
        lines = "".join(f"{k} = {v}\n" for k, v in console_scripts.items())
        content[f"{dist}/entry_points.txt"] = "[console_scripts]\n" + lines
    record = [f"{path},{_record_hash(text.encode())},{len(text.encode())}" for path, text in content.items()]
    content[f"{dist}/RECORD"] = "\n".join(record + [f"{dist}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for member, text in content.items():
            zf.writestr(member, text)
    return path


#: An in-tree PEP 517 build backend with no build requirements, so pip builds the sdist offline (build isolation
#: installs nothing). It writes the wheel by hand with the tag the sdist was made for.
_BACKEND = """
import base64, hashlib, os, zipfile

NAME, VERSION, TAG = {name!r}, {version!r}, {tag!r}


def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist = f"{{NAME}}-{{VERSION}}.dist-info"
    content = {{}}
    for root, _dirs, files in os.walk(NAME):
        for file in files:
            path = os.path.join(root, file)
            with open(path, "rb") as fh:
                content[path.replace(os.sep, "/")] = fh.read()
    content[dist + "/METADATA"] = f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{VERSION}}\\n".encode()
    purelib = "true" if TAG.endswith("-any") else "false"
    content[dist + "/WHEEL"] = (f"Wheel-Version: 1.0\\nGenerator: fink-tests\\nRoot-Is-Purelib: {{purelib}}\\n"
                                f"Tag: {{TAG}}\\n").encode()
    record = [f"{{p}},{{_hash(d)}},{{len(d)}}" for p, d in content.items()] + [dist + "/RECORD,,"]
    content[dist + "/RECORD"] = ("\\n".join(record) + "\\n").encode()
    name = f"{{NAME}}-{{VERSION}}-{{TAG}}.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for path in sorted(content):
            zf.writestr(path, content[path])
    return name
"""

_PYPROJECT = """[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[project]
name = "{name}"
version = "{version}"
"""


def build_sdist(folder: Path, name: str, version: str, files: dict[str, str], tag: str = "py3-none-any") -> Path:
    """A source distribution ``<name>-<version>.tar.gz`` (no wheel): pip must build it. ``files`` maps paths below
    the project root (e.g. ``"<name>/__init__.py"``) to their text; the built wheel gets ``tag`` (a platform tag
    such as ``cp312-cp312-linux_x86_64`` makes a "native" package)."""
    root = f"{name}-{version}"
    content = dict(files)
    content["pyproject.toml"] = _PYPROJECT.format(name=name, version=version)
    content["backend.py"] = _BACKEND.format(name=name, version=version, tag=tag)
    content["PKG-INFO"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{root}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for member in sorted(content):
            data = content[member].encode()
            info = tarfile.TarInfo(f"{root}/{member}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path
