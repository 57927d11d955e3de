"""``fink config``: defaults -> config file -> lookups -> validation, printed as JSON with secrets masked."""
from __future__ import annotations

from .config import get_path, validate_sections
from .errors import UsageError
from .lifecycle import collect_schemas
from .plugins import load_plugins
from .ui import UI

__all__ = ["config_command"]


def _public(value):
    """Drop private keys (leading underscore) everywhere."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def config_command(context: dict, config: dict) -> int:
    ui: UI = context["_ui"]
    tool = context["_arguments"].get("<tool>")
    schemas = collect_schemas_for_config(config)
    if tool:
        if tool not in config:
            raise UsageError(f"No '{tool}' section in the configuration.",
                             hint=f"Sections present: {', '.join(sorted(config)) or 'none'}")
        validate_sections(config, [s for s in schemas if s.path[0] == tool])
        ui.json(_public(config[tool]))
    else:
        validate_sections(config, [s for s in schemas if get_path(config, s.path) is not None])
        ui.json(_public(config))
    return 0


def collect_schemas_for_config(config: dict):
    from .cli import load_tool
    from .plugins import TOOLS_GROUP, discover
    tools = []
    for info in discover(TOOLS_GROUP):
        if info.name in config:
            tools.append(load_tool(info.name))
    if not tools:
        return collect_schemas_plugins_only()
    first, rest = tools[0], tools[1:]
    return collect_schemas(first, load_plugins(), rest)


def collect_schemas_plugins_only():
    from .tool import Tool
    return collect_schemas(Tool("fink", "", {}), load_plugins())
