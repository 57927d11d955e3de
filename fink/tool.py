"""What a tool tells the core about itself.

A tool distribution registers one :class:`Tool` in the entry-point group ``fink.tools``. The core parses the
command line with the tool's docopt usage text, runs the lifecycle and calls the command function
``func(context, config) -> int | None`` where ``config`` is the tool's own section of the configuration.
Command functions are named as ``"module:function"`` strings and imported only when they run, so ``--help`` and
``version`` never import botocore or troposphere. ``Tool`` is a NamedTuple rather than a dataclass because every
console script builds one at start-up, and ``dataclasses`` costs more to import than the rest of ``--help``.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Callable, Mapping, NamedTuple

__all__ = ["Tool", "CommandFunc"]

CommandFunc = Callable[[dict, dict], "int | None"]


class Tool(NamedTuple):
    name: str
    doc: str
    commands: Mapping[str, str]
    #: commands that run without ``ENV`` and without the tool's config section (the schema's default of
    #: ``defaults.non_config_commands`` repeats this list; a test keeps them equal)
    non_config_commands: frozenset[str] = frozenset()
    #: commands for which the lifecycle sends the ``bundle_*`` signals
    bundle_commands: frozenset[str] = frozenset()
    #: commands that run without the lifecycle (no config, no AWS), e.g. ``version``, ``clean``
    plain_commands: frozenset[str] = frozenset({"version"})
    #: ``(module, resource)`` of the JSON Schema (YAML) of the tool's config section: the file next to ``module``
    #: (tools pass their cli module's ``__name__``; see :func:`fink.config.schema_file`)
    schema: tuple[str, str] | None = None
    #: options that select the command's variant but are not commands themselves (docopt keys to skip)
    extra: Mapping[str, object] = MappingProxyType({})

    def command_of(self, arguments: Mapping[str, object]) -> str | None:
        """The command docopt selected: the first true key that is neither an option nor an ``<argument>``.

        A command may have several words (``"group deploy"``: the sub-form ``cloud group deploy``); the command
        whose words are all true and that has the most words wins, so ``group deploy`` beats ``deploy``."""
        words = [k for k, v in arguments.items() if v is True and not k.startswith(("-", "<"))]
        chosen = [c for c in self.commands if " " in c and all(w in words for w in c.split())]
        if chosen:
            return max(chosen, key=lambda c: len(c.split()))
        return next((w for w in words if w in self.commands), None)

    def load_command(self, command: str) -> CommandFunc:
        import importlib
        module_name, _, func_name = self.commands[command].partition(":")
        return getattr(importlib.import_module(module_name), func_name)
