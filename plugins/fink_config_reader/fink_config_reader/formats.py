"""Parsing one config file (JSON, YAML or Python) into a dict, with errors that name the file and the line.

Rules: YAML and JSON are read with :mod:`fink.loaders` (safe loader, bounded nesting and alias expansion); a Python config defines ``generate_config()`` returning a dict and
may define ``register()``/``deregister()`` hooks (returned with the data so the reader can register them). Nothing
here prints or raises anything but :class:`fink.errors.ConfigError`.
"""
from __future__ import annotations

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
    from fink.loaders import read_text
    return read_text(path)


def _load_json(path: str) -> LoadedFile:
    from fink.loaders import load_json
    return LoadedFile(path, load_json(_read_text(path), os.path.basename(path)))


def _load_yaml(path: str) -> LoadedFile:
    from fink.loaders import load_yaml
    data = load_yaml(_read_text(path), os.path.basename(path))
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
    from fink.loaders import check_bounds
    return LoadedFile(path, check_bounds(data, f"{name}: generate_config()"), module)


_LOADERS: dict[str, Callable[[str], LoadedFile]] = {
    ".json": _load_json, ".yaml": _load_yaml, ".yml": _load_yaml, ".py": _load_python,
}


def load_file(path: str) -> LoadedFile:
    """Parse ``path`` by its extension; the result's data is always a dict."""
    from fink.loaders import check_bounds
    loaded = _LOADERS[os.path.splitext(path)[1]](path)
    if not isinstance(loaded.data, dict):
        raise ConfigError(f"{os.path.basename(path)}: the configuration must be a mapping at top level, "
                          f"not {type(loaded.data).__name__}.")
    check_bounds(loaded.data, os.path.basename(path), string_keys=True)
    return loaded
