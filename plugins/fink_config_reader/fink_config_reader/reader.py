"""Finding and chaining config files: ``fink_<env>.*``, ``baseconfig`` chains and ignore patterns.

Precedence rules (small and pure where possible): the env file overrides its base, dicts merge deeply and lists
replace (:func:`fink.config.deep_merge`); a ``baseconfig`` cycle is reported with its chain; when one name exists in
several formats the first of :data:`~fink_config_reader.formats.EXTENSIONS` wins.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from fink.config import deep_merge
from fink.errors import ConfigError

from .formats import EXTENSIONS, LoadedFile, load_file

__all__ = ["several_formats", "candidates", "find_config_file", "ReadResult", "read_chain", "ignore_patterns", "IGNORE_FILE"]

IGNORE_FILE = ".finkignore"


def candidates(name: str, folder: str = ".") -> list[str]:
    """The file names looked for, in order of precedence (``name`` may already carry an extension)."""
    if os.path.splitext(name)[1] in EXTENSIONS:
        return [os.path.join(folder, name)]
    return [os.path.join(folder, name + ext) for ext in EXTENSIONS]


def find_config_file(name: str, folder: str = ".") -> tuple[str | None, list[str]]:
    """``(winner, all existing files)`` for ``name``; ``winner`` is ``None`` when none exists."""
    existing = [p for p in candidates(name, folder) if os.path.isfile(p)]
    return (existing[0] if existing else None), existing


@dataclass
class ReadResult:
    data: dict[str, Any]
    files: list[LoadedFile] = field(default_factory=list)  # env file first, then its bases
    warnings: list[str] = field(default_factory=list)


def _base_name(loaded: LoadedFile) -> str | None:
    base = loaded.data.pop("baseconfig", None)
    if base is not None and (not isinstance(base, str) or not base.strip()):
        raise ConfigError(f"{os.path.basename(loaded.path)}: baseconfig must be a file name (a string), "
                          f"not {base!r}.")
    return base


def read_chain(path: str) -> ReadResult:
    """Read ``path`` and its ``baseconfig`` chain; the result is the merged data (env file wins)."""
    result = ReadResult({})
    chain: list[str] = []
    layers: list[dict[str, Any]] = []
    current: str | None = path
    while current:
        if os.path.abspath(current) in chain:
            names = [os.path.basename(p) for p in chain] + [os.path.basename(current)]
            raise ConfigError(f"baseconfig cycle: {' -> '.join(names)}")
        chain.append(os.path.abspath(current))
        loaded = load_file(current)
        result.files.append(loaded)
        base = _base_name(loaded)
        layers.append(loaded.data)
        current = _resolve_base(base, current, result) if base else None
    for layer in reversed(layers):
        result.data = deep_merge(result.data, layer)
    return result


def _resolve_base(base: str, referrer: str, result: ReadResult) -> str:
    folder = os.path.dirname(referrer) or "."
    winner, existing = find_config_file(base, folder)
    if winner is None:
        tried = ", ".join(os.path.basename(p) for p in candidates(base, folder))
        raise ConfigError(f"{os.path.basename(referrer)}: baseconfig '{base}' not found (looked for {tried}).")
    if len(existing) > 1:
        result.warnings.append(several_formats(existing, winner))
    return winner


def several_formats(existing: list[str], winner: str) -> str:
    names = ", ".join(os.path.basename(p) for p in existing)
    return f"found several config files ({names}); using {os.path.basename(winner)}"


def ignore_patterns(config: dict[str, Any], folder: str = ".") -> list[str]:
    """The gitignore-style patterns of ``.finkignore`` followed by the config's top-level ``finkignore`` list.

    As in gitignore, the last matching pattern decides (``!keep.md`` after ``*.md`` re-includes), so a repeated
    pattern keeps its *last* place: dropping the earlier copy never changes what is ignored."""
    patterns: list[str] = []
    path = os.path.join(folder, IGNORE_FILE)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as fh:
            lines = [line.rstrip("\r\n") for line in fh]
        patterns += [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    listed = config.get("finkignore", [])
    if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
        raise ConfigError(f"finkignore: must be a list of strings (gitignore patterns), not {listed!r}.")
    combined = patterns + listed
    return [p for i, p in enumerate(combined) if p not in combined[i + 1:]]
