"""Finding and loading tools and plugins through setuptools entry points.

Tools register in the entry-point group ``fink.tools``, plugins in ``fink.plugins``. Built-in plugins use exactly
the mechanism a third-party plugin uses. Plugins are loaded in a fixed order (by distribution, then entry-point
name) and kept referenced here, because blinker holds receivers weakly.
"""
from __future__ import annotations

import importlib.metadata as md
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .errors import PluginError

__all__ = ["PluginInfo", "LoadedPlugin", "discover", "load_plugins", "register_plugins", "deregister_plugins",
           "display_name", "TOOLS_GROUP", "PLUGINS_GROUP"]

TOOLS_GROUP = "fink.tools"
PLUGINS_GROUP = "fink.plugins"

_KEEP: list[ModuleType] = []  # strong references to loaded plugin modules


def display_name(dist_name: str) -> str:
    """``fink-config-reader`` -> ``fink.config-reader`` (the name users write in requirements_fink.txt)."""
    name = dist_name.replace("_", "-").lower()
    return "fink." + name[len("fink-"):] if name.startswith("fink-") else name


@dataclass(frozen=True)
class PluginInfo:
    """An installed entry point, known from metadata only (nothing imported)."""

    name: str
    dist: str
    version: str
    entry_point: Any

    @property
    def display(self) -> str:
        return display_name(self.dist)


@dataclass(frozen=True)
class LoadedPlugin:
    info: PluginInfo
    module: ModuleType


def discover(group: str) -> list[PluginInfo]:
    """All installed entry points of ``group`` in a fixed order, without importing them."""
    found = []
    for ep in md.entry_points(group=group):
        dist = ep.dist.name if ep.dist else ep.module.split(".")[0]
        version = ep.dist.version if ep.dist else "unknown"
        found.append(PluginInfo(ep.name, dist, version, ep))
    unique = {(p.dist.lower(), p.name): p for p in found}  # the same dist can appear twice on odd sys.paths
    return [unique[k] for k in sorted(unique)]


def _load_one(info: PluginInfo) -> LoadedPlugin:
    try:
        module = info.entry_point.load()
    except Exception as exc:
        raise PluginError(f"Plugin {info.display} ({info.dist} {info.version}) failed to load: {exc}",
                          hint=f"Reinstall it (pip install -U {info.dist}) or remove it (pip uninstall {info.dist}).") from exc
    missing = [f for f in ("register", "deregister") if not callable(getattr(module, f, None))]
    if missing:
        raise PluginError(f"Plugin {info.display} ({info.dist} {info.version}) does not define "
                          f"{' and '.join(f + '()' for f in missing)}.",
                          hint="A fink plugin must define both register() and deregister().")
    return LoadedPlugin(info, module)


def load_plugins(group: str = PLUGINS_GROUP) -> list[LoadedPlugin]:
    loaded = [_load_one(info) for info in discover(group)]
    _KEEP.extend(p.module for p in loaded if p.module not in _KEEP)
    return loaded


def register_plugins(plugins: list[LoadedPlugin]) -> None:
    for plugin in plugins:
        try:
            plugin.module.register()
        except Exception as exc:
            raise PluginError(f"Plugin {plugin.info.display} failed in register(): {exc}") from exc


def deregister_plugins(plugins: list[LoadedPlugin]) -> None:
    for plugin in reversed(plugins):
        try:
            plugin.module.deregister()
        except Exception:  # a broken deregister must not hide the run's own outcome
            pass
