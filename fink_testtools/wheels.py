"""Hand-made wheels for tests that install dependencies: pip installs them with ``--no-index --find-links``, so
no test needs PyPI. Used by fink's bundler and lambda tests, and available to plugin authors."""
from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

__all__ = ["build_wheel"]


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
