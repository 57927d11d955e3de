"""Finding and loading tools and plugins through setuptools entry points.

Tools register in the entry-point group ``fink.tools``, plugins in ``fink.plugins``. Built-in plugins use exactly
the mechanism a third-party plugin uses. Plugins are loaded in a fixed order (by distribution, then entry-point
name) and kept referenced here, because blinker holds receivers weakly.

Finding them means reading the metadata of every installed distribution (and importing ``importlib.metadata``),
a fixed cost of every command. The result is kept in the start-up cache (:mod:`fink.diskcache`) together with the
fingerprint of the installed distributions it was read from: a run whose fingerprint matches reuses it (each
cached entry point only if an installed distribution's ``entry_points.txt`` still declares it), any install,
removal or upgrade rescans. An entry point from the cache that fails to load is looked up again with a
fresh scan before it counts as broken.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .errors import FinkError, PluginError, UsageError

__all__ = ["PluginInfo", "LoadedPlugin", "discover", "discover_groups", "find_tool", "load_tool", "load_plugins",
           "register_plugins", "deregister_plugins", "display_name", "TOOLS_GROUP", "PLUGINS_GROUP"]

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


class CachedEntryPoint:
    """An entry point known from the start-up cache: what ``importlib.metadata.EntryPoint`` offers fink's callers
    (``name``, ``group``, ``value``, ``module``, ``attr``, ``load()``) without importing ``importlib.metadata``."""

    cached = True

    def __init__(self, name: str, value: str, group: str):
        self.name, self.value, self.group = name, value, group

    @property
    def module(self) -> str:
        return self.value.split("[", 1)[0].partition(":")[0].strip()

    @property
    def attr(self) -> str:
        return self.value.split("[", 1)[0].partition(":")[2].strip()

    def load(self) -> Any:
        """Import the module and follow the dotted attribute, as ``EntryPoint.load`` does."""
        import importlib
        target: Any = importlib.import_module(self.module)
        for part in filter(None, self.attr.split(".")):
            target = getattr(target, part)
        return target

    def __repr__(self) -> str:
        return f"CachedEntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"


def _info(ep: Any) -> PluginInfo:
    dist = ep.dist.name if ep.dist else ep.module.split(".")[0]
    version = ep.dist.version if ep.dist else "unknown"
    return PluginInfo(ep.name, dist, version, ep)


def _ordered(infos: list[PluginInfo]) -> list[PluginInfo]:
    unique = {(p.dist.lower(), p.name): p for p in infos}  # the same dist can appear twice on odd sys.paths
    return [unique[k] for k in sorted(unique)]


#: the groups kept in the start-up cache (fink's own); other groups are always scanned
INDEXED = (TOOLS_GROUP, PLUGINS_GROUP)
_INDEX: list[Any] = []  # [fingerprint, {group: [PluginInfo]}] of the last scan or cache read of this process


def _scan(groups: tuple[str, ...]) -> dict[str, list[PluginInfo]]:
    import importlib.metadata as md
    everything = md.entry_points()
    return {group: _ordered([_info(ep) for ep in everything.select(group=group)]) for group in groups}


def _metadata_folder(ep: Any) -> str | None:
    """The ``*.dist-info`` (or ``*.egg-info``) folder that declares ``ep``, where it is a plain folder."""
    from pathlib import Path
    path = getattr(ep.dist, "_path", None) if ep.dist is not None else None
    return os.path.normpath(path) if isinstance(path, Path) else None


def _fingerprinted_folders(fingerprint: list) -> set[str]:
    """The metadata folders with an ``entry_points.txt`` that :func:`fink.diskcache.environment_fingerprint` saw."""
    folders = set()
    for entry, found in fingerprint[2]:
        for name, _stamp, entry_points in (found if isinstance(found, list) else ()):
            if entry_points is not None:
                folders.add(os.path.normpath(os.path.join(entry or ".", name)))
    return folders


def _declared(folder: str) -> set[tuple[str, str, str]]:
    """(group, name, value) of every entry point the ``entry_points.txt`` in ``folder`` declares."""
    with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8") as fh:
        text = fh.read()
    found, group = set(), ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        name, sep, value = line.partition("=")
        if sep:
            found.add((group, name.strip(), value.strip()))
    return found


def _from_cache(data: dict, fingerprint: list) -> dict[str, list[PluginInfo]] | None:
    """The cached entry points, if they were read from exactly the installed distributions: the fingerprint
    matches, and each entry point is declared, as cached, in the ``entry_points.txt`` of one of the fingerprinted
    distributions (so an edited cache file cannot make fink import anything the installed distributions do not
    name). None: scan."""
    if data.get("fingerprint") != fingerprint or not isinstance(data.get("groups"), dict):
        return None
    try:
        folders, declared = _fingerprinted_folders(fingerprint), {}
        groups: dict[str, list[PluginInfo]] = {}
        for group in INDEXED:
            rows = data["groups"].get(group, [])
            if type(rows) is not list:
                return None
            groups[group] = []
            for row in rows:
                if type(row) is not list or len(row) != 5 or not all(type(v) is str for v in row):
                    return None
                name, value, dist, version, folder = row
                if folder not in folders:
                    return None
                if folder not in declared:
                    declared[folder] = _declared(folder)
                if (group, name, value) not in declared[folder]:
                    return None
                groups[group].append(PluginInfo(name, dist, version, CachedEntryPoint(name, value, group)))
        return groups
    except Exception as exc:  # a file of another shape, an unreadable entry_points.txt: scan
        from .diskcache import _debug
        _debug(f"cached entry points ignored: {exc}")
        return None


def _rows(groups: dict[str, list[PluginInfo]], fingerprint: list) -> dict[str, list[list[str]]] | None:
    """What the cache keeps of ``groups``: each entry point with the metadata folder that declares it; None when
    one of them cannot be tied to a fingerprinted folder (then nothing is cached and every run scans)."""
    folders = _fingerprinted_folders(fingerprint)
    rows: dict[str, list[list[str]]] = {}
    for group, infos in groups.items():
        rows[group] = []
        for info in infos:
            folder = _metadata_folder(info.entry_point)
            if folder not in folders:
                return None
            rows[group].append([info.name, info.entry_point.value, info.dist, info.version, folder])
    return rows


def _index(*, scan: bool = True, fresh: bool = False) -> dict[str, list[PluginInfo]] | None:
    """fink's entry points: this process's last answer or the start-up cache while the installed distributions
    are unchanged, else one scan (stored for the next run). ``scan=False``: None instead of scanning;
    ``fresh=True``: always scan. With the cache off, every call scans."""
    from .diskcache import JsonCache, environment_fingerprint
    cache = JsonCache("entry-points")
    if not cache.enabled:  # FINK_NO_STARTUP_CACHE: every look-up scans, as without any cache
        return _scan(INDEXED) if scan else None
    fingerprint = environment_fingerprint()
    if not fresh and _INDEX and _INDEX[0] == fingerprint:
        return _INDEX[1]
    groups = None if fresh else _from_cache(cache.load(), fingerprint)
    if groups is None:
        if not scan:
            return None
        groups = _scan(INDEXED)
        rows = _rows(groups, fingerprint)
        if rows is not None:
            cache.save({"fingerprint": fingerprint, "groups": rows})
    _INDEX[:] = [fingerprint, groups]
    return groups


def discover_groups(*groups: str) -> dict[str, list[PluginInfo]]:
    """The installed entry points of each of ``groups`` in a fixed order, from at most ONE scan of the installed
    distributions (a scan reads every distribution's metadata: ~0.1 s CPU on a full environment); fink's own
    groups come from the start-up cache while the installed distributions are unchanged."""
    if all(group in INDEXED for group in groups):
        index = _index()
        assert index is not None
        return {group: index[group] for group in groups}
    return _scan(groups)


def discover(group: str) -> list[PluginInfo]:
    """All installed entry points of ``group`` in a fixed order, without importing them."""
    return discover_groups(group)[group]


def find_tool(name: str) -> PluginInfo | None:
    """The tool ``name`` of group ``fink.tools``, without scanning every distribution when it can be avoided.

    The start-up cache answers when it is current. Else a tool is nearly always shipped by the distribution
    ``fink-<name>``: its metadata alone is read first. Only a tool from another distribution (a third-party tool)
    costs the full scan."""
    cached = _index(scan=False)
    if cached is not None:
        return next((info for info in cached[TOOLS_GROUP] if info.name == name), None)
    import importlib.metadata as md
    try:
        dist = md.distribution(f"fink-{name}")
    except (md.PackageNotFoundError, ValueError):
        dist = None
    for ep in (dist.entry_points if dist is not None else ()):
        if ep.group == TOOLS_GROUP and ep.name == name:
            return PluginInfo(ep.name, dist.name, dist.version, ep)  # type: ignore[union-attr]
    return next((info for info in discover(TOOLS_GROUP) if info.name == name), None)


def _stale(info: PluginInfo) -> bool:
    """``info`` came from the start-up cache: a failure to load it may mean the cache missed a change."""
    return bool(getattr(info.entry_point, "cached", False))


def load_tool(name: str) -> Any:
    """Import and return the :class:`fink.tool.Tool` registered as ``name``."""
    info = find_tool(name)
    if info is not None and _stale(info):
        try:
            return info.entry_point.load()
        except Exception:
            info = next((i for i in _index(fresh=True)[TOOLS_GROUP] if i.name == name), None)  # type: ignore[index]
    if info is None:
        raise UsageError(f"Tool '{name}' is not installed.",
                         hint=f"Install it with `pip install fink-{name}`; `fink version` lists the installed tools.")
    try:
        return info.entry_point.load()
    except Exception as exc:
        raise FinkError(f"Tool '{name}' ({info.dist}) failed to load: {exc}") from exc


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
    infos = discover(group)
    try:
        loaded = [_load_one(info) for info in infos]
    except PluginError:
        if not any(_stale(info) for info in infos):
            raise
        loaded = [_load_one(info) for info in _index(fresh=True)[group]]  # type: ignore[index]
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
