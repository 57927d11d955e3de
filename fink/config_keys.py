"""Which keys a configuration may have at top level and under ``plugins``, pure: typos are named, never ignored.

Top-level keys are the tools' sections, ``plugins``, ``hookfile`` and the keys plugins declare in their
``TOP_LEVEL_KEYS`` (the config reader: ``baseconfig``, ``finkignore``); keys starting with ``x-`` or ``_`` are the
user's own (YAML anchors, notes) and never reported. Under ``plugins`` a key is a loaded plugin's section. Every unknown key is reported with the closest valid name; sections of the wrong type name the
type they have. The lifecycle makes these errors while validation is on and warnings when it is switched off.
"""
from __future__ import annotations

import difflib
from typing import Any, Iterable, Mapping

__all__ = ["CORE_TOP_LEVEL_KEYS", "USER_KEY_PREFIXES", "key_problems", "type_name"]

CORE_TOP_LEVEL_KEYS = ("plugins", "hookfile")
USER_KEY_PREFIXES = ("x-", "_")  #: top-level keys of the user's own, e.g. ``x-defaults: &defaults {...}``
_TYPE_NAMES = {dict: "a mapping", list: "a list", str: "a string", int: "a number", float: "a number",
               bool: "a boolean", type(None): "null"}


def type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), f"a {type(value).__name__}")


def _unknown(keys: Iterable[str], valid: set[str], where: str) -> list[str]:
    problems = []
    for key in sorted(k for k in keys if k not in valid):
        close = difflib.get_close_matches(str(key), sorted(valid), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(valid))})"
        problems.append(f"{where}{key}: unknown key{hint}")
    return problems


def key_problems(config: Mapping[str, Any], tools: Iterable[str], plugin_sections: Iterable[str],
                 extra_keys: Iterable[str] = ()) -> list[str]:
    """Unknown top-level keys and plugin sections, and known sections of the wrong type, one line each."""
    tools = set(tools)
    own = [k for k in config if not str(k).startswith(USER_KEY_PREFIXES)]
    problems = _unknown(own, tools | set(CORE_TOP_LEVEL_KEYS) | set(extra_keys), "")
    for name in sorted(tools & set(config)):
        if not isinstance(config[name], Mapping):
            problems.append(f"{name}: must be a mapping of the tool's settings, not {type_name(config[name])}")
    plugins = config.get("plugins")
    if plugins is not None and not isinstance(plugins, Mapping):
        problems.append(f"plugins: must be a mapping of plugin sections, not {type_name(plugins)}")
    elif plugins:
        problems += _unknown(plugins, set(plugin_sections), "plugins.")
    hookfile = config.get("hookfile")
    if hookfile is not None and not isinstance(hookfile, str):
        problems.append(f"hookfile: must be a file name (a string), not {type_name(hookfile)}")
    return problems
