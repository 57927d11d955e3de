"""Hooks: user code connected to the lifecycle signals, with the same register()/deregister() contract as plugins.

Hooks can live in ``cloudformation.py`` (working folder), in a ``fink_<env>.py`` config file (the config reader
registers those) or in the file named by the top-level ``hookfile`` key. They are deregistered at the end of the run.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType
from typing import Any

from .errors import ConfigError, PluginError

__all__ = ["load_module_from_file", "HookSet"]


def load_module_from_file(path: str, name: str | None = None) -> ModuleType:
    """Import a Python file by path (used for cloudformation.py, hook files and fink_<env>.py configs)."""
    path = os.path.abspath(path)
    name = name or "fink_user_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_").replace(".", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"Cannot load {path}.")
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(path)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)  # the file may import its neighbours (particles, helpers)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise ConfigError(f"{os.path.basename(path)}, line {exc.lineno}: {exc.msg}") from exc
    except Exception as exc:
        raise ConfigError(f"{os.path.basename(path)} failed to load: {type(exc).__name__}: {exc}") from exc
    finally:
        if added:
            sys.path.remove(folder)
    return module


class HookSet:
    """The hook modules registered for one run; ``close()`` deregisters them all."""

    def __init__(self) -> None:
        self.modules: list[tuple[str, ModuleType]] = []

    def add(self, label: str, module: ModuleType) -> None:
        register, deregister = getattr(module, "register", None), getattr(module, "deregister", None)
        if not callable(register) and not callable(deregister):
            return  # a file without hooks
        if not (callable(register) and callable(deregister)):
            raise PluginError(f"Hooks in {label} must define both register() and deregister().")
        try:
            register()
        except Exception as exc:
            raise PluginError(f"Hook {label} failed in register(): {exc}") from exc
        self.modules.append((label, module))

    def add_file(self, path: str) -> None:
        if os.path.isfile(path):
            self.add(os.path.basename(path), load_module_from_file(path))

    def close(self) -> None:
        while self.modules:
            _, module = self.modules.pop()
            try:
                module.deregister()
            except Exception:
                pass

    def __contains__(self, module: Any) -> bool:
        return any(m is module for _, m in self.modules)
