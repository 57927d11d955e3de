"""Hooks: user code connected to the lifecycle signals, with the same register()/deregister() contract as plugins.

Hooks can live in ``cloudformation.py`` (working folder), in a ``fink_<env>.py`` config file (the config reader
registers those) or in the file named by the top-level ``hookfile`` key. They are deregistered at the end of the run.
A hook that raises stops the run: the lifecycle sends each signal through :meth:`HookSet.guard`, which turns an
exception raised inside a hook file into a :class:`~fink.errors.FinkError` naming the hook and the signal.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import traceback
from types import ModuleType, TracebackType
from typing import Any, Iterator

from .errors import ConfigError, FinkError, PluginError

__all__ = ["load_module_from_file", "HookSet", "HookError", "error_line", "user_files"]

_USER_FILES: set[str] = set()  # every file loaded as user code in this process (the error map names them)


def user_files() -> frozenset[str]:
    """Absolute paths of the user files (templates, Python configs, hook files) loaded so far."""
    return frozenset(_USER_FILES)


class HookError(FinkError):
    """A hook raised while receiving a lifecycle signal."""


def error_line(tb: TracebackType | None, path: str) -> int | None:
    """The line of ``path`` closest to where the exception was raised (None when the file is not involved)."""
    line = None
    for frame in traceback.extract_tb(tb):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            line = frame.lineno
    return line


def load_module_from_file(path: str, name: str | None = None) -> ModuleType:
    """Import a Python file by path (used for cloudformation.py, hook files and fink_<env>.py configs).

    Failures become a :class:`ConfigError` naming the file, the line and what went wrong (never a traceback).
    """
    path = os.path.abspath(path)
    _USER_FILES.add(path)
    name = name or "fink_user_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_").replace(".", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"Cannot load {path}.")
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(path)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)  # the file may import its neighbours (particles, helpers)
    sys.modules[name] = module  # dataclasses (with postponed annotations) look their module up while it runs
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise ConfigError(f"{os.path.basename(path)}, line {exc.lineno}: {exc.msg}") from exc
    except BaseException as exc:
        sys.modules.pop(name, None)
        if not isinstance(exc, Exception):
            raise  # SystemExit, KeyboardInterrupt, GracefulExit: the error map names the file
        line = error_line(exc.__traceback__, path)
        where = f", line {line}" if line else ""
        raise ConfigError(f"{os.path.basename(path)}{where}: {type(exc).__name__}: {exc}") from exc
    finally:
        if added:
            sys.path.remove(folder)
    return module


class HookSet:
    """The hook modules registered for one run; ``close()`` deregisters them all.

    :meth:`load` imports a user file at most once per run: ``cloudformation.py`` is both the template and a hook
    file, and its module-level code must run once, with state set by ``generate_template`` visible to its hooks.
    """

    def __init__(self) -> None:
        self.modules: list[tuple[str, ModuleType]] = []
        self._loaded: dict[str, ModuleType] = {}

    def load(self, path: str, name: str | None = None) -> ModuleType:
        """The module of the Python file ``path``, imported on the first call of this run."""
        key = os.path.abspath(path)
        if key not in self._loaded:
            self._loaded[key] = load_module_from_file(path, name)
        return self._loaded[key]

    def add(self, label: str, module: ModuleType) -> None:
        """Register the hooks of ``module`` (a file without register()/deregister() is ignored)."""
        if module in self:
            return
        register, deregister = getattr(module, "register", None), getattr(module, "deregister", None)
        if not callable(register) and not callable(deregister):
            return  # a file without hooks
        if not (callable(register) and callable(deregister)):
            raise PluginError(f"Hooks in {label} must define both register() and deregister().")
        try:
            register()
        except Exception as exc:
            raise HookError(f"Hook {label} failed in register(): {type(exc).__name__}: {exc}") from exc
        self.modules.append((label, module))

    def add_file(self, path: str) -> None:
        if os.path.isfile(path):
            self.add(os.path.basename(path), self.load(path))

    def close(self) -> None:
        while self.modules:
            _, module = self.modules.pop()
            try:
                module.deregister()
            except Exception:
                pass

    def __contains__(self, module: Any) -> bool:
        return any(m is module for _, m in self.modules)

    def _culprit(self, tb: TracebackType | None) -> str | None:
        """``file:function`` of the innermost hook frame in the traceback, if a hook file is involved."""
        files = {os.path.abspath(getattr(m, "__file__", "") or ""): label for label, m in self.modules}
        culprit = None
        for frame in traceback.extract_tb(tb):
            label = files.get(os.path.abspath(frame.filename))
            if label:
                culprit = f"{label}:{frame.name}"
        return culprit

    @contextlib.contextmanager
    def guard(self, signal_name: str) -> Iterator[None]:
        """Name the hook and the signal when a hook raises while ``signal_name`` is sent."""
        try:
            yield
        except Exception as exc:
            culprit = self._culprit(exc.__traceback__) if self.modules else None
            if culprit is None:
                raise
            detail = exc.message if isinstance(exc, FinkError) else f"{type(exc).__name__}: {exc}"
            raise HookError(f"Hook {culprit} failed on signal '{signal_name}': {detail}") from exc
