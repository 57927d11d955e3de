"""Parsing one config file (JSON, YAML or Python) into a dict, with errors that name the file and the line.

Rules: YAML is read with the safe loader only; a Python config defines ``generate_config()`` returning a dict and
may define ``register()``/``deregister()`` hooks (returned with the data so the reader can register them). Nothing
here prints or raises anything but :class:`fink.errors.ConfigError`.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

from fink.errors import ConfigError

__all__ = ["EXTENSIONS", "LoadedFile", "load_file"]

#: file extensions in order of precedence: when several exist for one name, the first one wins
EXTENSIONS = (".py", ".json", ".yaml", ".yml")


@dataclass
class LoadedFile:
    path: str
    data: dict[str, Any]
    module: ModuleType | None = None  # Python configs: the module (it may hold hooks)


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{os.path.basename(path)}: cannot be read: {exc}") from exc


def _load_json(path: str) -> LoadedFile:
    try:
        return LoadedFile(path, json.loads(_read_text(path)))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{os.path.basename(path)}, line {exc.lineno}, column {exc.colno}: invalid JSON: "
                          f"{exc.msg}") from exc


def _load_yaml(path: str) -> LoadedFile:
    import yaml
    from fink.config import yaml_load
    try:
        data = yaml_load(_read_text(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(p) for p in (getattr(exc, "context", None), getattr(exc, "problem", None)) if p)
        raise ConfigError(f"{os.path.basename(path)}{where}: invalid YAML: {problem or exc}") from exc
    return LoadedFile(path, {} if data is None else data)


def _load_python(path: str) -> LoadedFile:
    from fink.hooks import error_line, load_module_from_file
    module = load_module_from_file(path)
    name = os.path.basename(path)
    generate = getattr(module, "generate_config", None)
    if not callable(generate):
        raise ConfigError(f"{name}: does not define generate_config().",
                          hint="A Python config file defines generate_config() returning the config dict.")
    try:
        data = generate()
    except Exception as exc:
        line = error_line(exc.__traceback__, path)
        where = f", line {line}" if line else ""
        raise ConfigError(f"{name}{where}: generate_config() failed: {type(exc).__name__}: {exc}") from exc
    return LoadedFile(path, data, module)


_LOADERS: dict[str, Callable[[str], LoadedFile]] = {
    ".json": _load_json, ".yaml": _load_yaml, ".yml": _load_yaml, ".py": _load_python,
}


def load_file(path: str) -> LoadedFile:
    """Parse ``path`` by its extension; the result's data is always a dict."""
    loaded = _LOADERS[os.path.splitext(path)[1]](path)
    if not isinstance(loaded.data, dict):
        raise ConfigError(f"{os.path.basename(path)}: the configuration must be a mapping at top level, "
                          f"not {type(loaded.data).__name__}.")
    return loaded
