"""``fink config [<tool>]``: defaults -> config file -> lookups -> validation, printed as JSON with secrets masked.

The lifecycle does the work exactly as for a real run (so the messages and exit codes are the same): it fills the
defaults of the named tool's section (or of every tool section present), resolves lookups (failures anywhere in
what is printed stop the run) and validates. This command only prints the result: private keys (leading ``_``)
are dropped and secrets are masked by the UI.
"""
from __future__ import annotations

from typing import Any

from .ui import UI

__all__ = ["config_command", "public"]


def public(value: Any) -> Any:
    """Drop private keys (leading underscore) everywhere."""
    if isinstance(value, dict):
        return {k: public(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [public(v) for v in value]
    return value


def config_command(context: dict, config: dict) -> int:
    ui: UI = context["_ui"]
    tool = context["_arguments"].get("<tool>")
    ui.json(public(config[tool] if tool else config))
    return 0
