"""fink plugin ``fink.config-reader``: fills ``config`` from ``fink_<env>.py|json|yaml|yml`` on ``config_read_init``.

Also registers the hooks a Python config defines (in the run's ``context['_hooks']``, so they are deregistered at
the end of the run), records the file names it looked for in ``context['_config_files_tried']`` (used by the
"Configuration missing" message) and the file it read in ``context['_config_file']``, and puts the combined ignore
patterns (``.finkignore`` + top-level ``finkignore``) into ``config['finkignore']`` for the bundler.
"""
from __future__ import annotations

import os
from typing import Any

from fink import fink_signals
from fink.config import deep_merge

from .reader import several_formats, candidates, find_config_file, ignore_patterns, read_chain

__all__ = ["read_config", "gcdt_file_warnings", "register", "deregister", "TOP_LEVEL_KEYS"]

#: top-level config keys this plugin reads (fink reports any other unknown top-level key)
TOP_LEVEL_KEYS = ("baseconfig", "finkignore")


def read_config(params: tuple[dict[str, Any], dict[str, Any]]) -> None:
    context, config = params
    env = context.get("env")
    if not env:
        return  # a non-config command run without ENV
    name = f"fink_{env.lower()}"
    context["_config_files_tried"] = [os.path.basename(p) for p in candidates(name)]
    ui = context.get("_ui")
    for warning in gcdt_file_warnings(env.lower()):
        if ui:
            ui.warn(warning)
    winner, existing = find_config_file(name)
    if winner is None:
        return  # the lifecycle reports "Configuration missing" if the command needs config
    if len(existing) > 1 and ui:
        ui.warn(several_formats(existing, winner))
    result = read_chain(winner)
    for warning in result.warnings:
        if ui:
            ui.warn(warning)
    _register_hooks(context, result)
    context["_config_file"] = os.path.basename(winner)
    merged = deep_merge(config, result.data)
    patterns = ignore_patterns(merged)
    if patterns:
        merged["finkignore"] = patterns
    config.clear()
    config.update(merged)


def gcdt_file_warnings(env: str, folder: str = ".") -> list[str]:
    """Config files of gcdt that fink does not read, each named with what replaces it (never silently ignored):
    ``gcdt_<env>.*`` (renamed ``fink_<env>.*``), ``.gcdtignore`` and gcdt 0.1's HOCON files ``<name>_<env>.conf``."""
    warnings = []
    for path in candidates(f"gcdt_{env}", folder):
        if os.path.isfile(path):
            new = "fink" + os.path.basename(path)[4:]
            warnings.append(f"{os.path.basename(path)} is gcdt's config file and is not read: rename it to {new} "
                            "(`fink migrate-gcdt` renames files, sections and imports).")
    if os.path.isfile(os.path.join(folder, ".gcdtignore")):
        warnings.append(".gcdtignore is gcdt's ignore file and is not read: rename it to .finkignore.")
    hocon = sorted(n for n in os.listdir(folder)
                   if n.endswith(f"_{env}.conf") and os.path.isfile(os.path.join(folder, n)))
    if hocon:
        warnings.append(f"{', '.join(hocon)}: HOCON config files (gcdt 0.1) are not read by fink. Move their "
                        f"content into fink_{env}.json (or .yaml/.py) under the tool's section.")
    return warnings


def _register_hooks(context: dict[str, Any], result: Any) -> None:
    hooks = context.get("_hooks")
    for loaded in result.files:
        if loaded.module is not None and hooks is not None:
            hooks.add(os.path.basename(loaded.path), loaded.module)


def register() -> None:
    fink_signals.config_read_init.connect(read_config)


def deregister() -> None:
    fink_signals.config_read_init.disconnect(read_config)
