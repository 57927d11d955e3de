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

__all__ = ["BuiltBundle", "built_bundle"]


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
