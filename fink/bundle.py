"""The artifact a bundler plugin built for the running command, as tools read it from the context.

The ``fink.bundler`` plugin (or any other bundler) builds the artifact on ``bundle_init`` and leaves
``_bundle_file`` (path), ``_bundle_sha256`` (base64 sha256, Lambda's ``CodeSha256`` format) and ``_bundle_size``
in the context. Tools that deploy bundles (``lambda``, ``code``) share this reader, so a missing bundler is always
reported by name and never as ``KeyError: '_zipfile'``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import ConfigError, FinkError

__all__ = ["BuiltBundle", "built_bundle", "confined_path"]


@dataclass(frozen=True)
class BuiltBundle:
    path: str
    sha256: str
    size: int  # zipped bytes (the context's ``_bundle_size`` is the unzipped size)

    def read(self) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read()


def built_bundle(context: Mapping[str, Any], tool: str) -> BuiltBundle:
    """The bundle of this run; a clear error when no bundler ran or its file is gone."""
    path = context.get("_bundle_file")
    if not path:
        raise ConfigError("No bundle was built: the fink.bundler plugin is not installed or did not run.",
                          hint="Install it with `pip install fink-bundler` (`fink version` lists the plugins).")
    if not os.path.isfile(path):
        raise FinkError(f"The bundle {path} does not exist.", hint=f"Run `{tool} bundle -v` to see what the bundler did.")
    sha = context.get("_bundle_sha256")
    if not sha:
        from .s3 import sha256_b64
        with open(path, "rb") as fh:
            sha = sha256_b64(fh.read())
    return BuiltBundle(os.path.abspath(path), sha, os.path.getsize(path))


def confined_path(name: Any, workdir: str, what: str) -> str:
    """The absolute path of the file ``name`` (relative to ``workdir``); a ConfigError naming it when it is not a
    file name, is absolute, or resolves (symlinks followed) outside the project folder ``workdir``."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{what} must be a file name, not {name!r}.")
    path = os.path.abspath(os.path.join(workdir, name))
    root = os.path.realpath(workdir).rstrip(os.sep) + os.sep
    if os.path.isabs(name) or not os.path.realpath(path).startswith(root):
        raise ConfigError(f"{what} '{name}' lies outside the project folder {workdir}.",
                          hint="Name a file inside the project folder, e.g. 'bundle.zip' or 'dist/bundle.zip'.")
    if os.path.isdir(path):
        raise ConfigError(f"{what} '{name}' is a folder, not a file.", hint="Name a file, e.g. 'bundle.zip'.")
    return path
