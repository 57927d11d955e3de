"""fink plugin ``fink.lookups``: replaces ``lookup:...`` values anywhere in the config on ``lookup_init``.

Failure policy: a failing lookup in the running tool's section, in a plugin section or at top level stops the run
(naming the key and the lookup, configuration exit code); failures in other tools' sections are tolerated because
their stacks may not exist yet (the value stays as it is; that section is not used by this run). A miss of a
``CONTINUE_IF_NOT_FOUND`` / ``:optional`` lookup leaves the setting unset; in a plugin section such a lookup is
left unset on any failure (no region, no permission, its lookup type not enabled), so an optional plugin setting
such as the Slack webhook never stops a run. Values from credstash and SecureString
parameters are registered as secrets with the UI, so fink prints them as ``****``. Which lookup types may run comes
from ``plugins.fink_lookups.defaults.lookups``.
"""
from __future__ import annotations

from typing import Any

from fink import fink_signals
from fink.config import get_path
from fink.errors import ConfigError

from .walker import KINDS, MISSING, Lookup, Path, dotted, find_lookups, substitute

__all__ = ["CONFIG_SCHEMA", "CONFIG_SECTION", "resolve_lookups", "register", "deregister", "strict_path"]

CONFIG_SCHEMA = ("fink_lookups", "schema.yaml")
CONFIG_SECTION = "fink_lookups"
_KNOWN_TOOLS = {"cloud", "code", "lambda", "api"}


def _tool_sections() -> set[str]:
    from fink.plugins import TOOLS_GROUP, discover
    return _KNOWN_TOOLS | {info.name for info in discover(TOOLS_GROUP)}


def _running_sections(context: dict[str, Any]) -> set[str] | None:
    """The tool sections this run uses; ``None`` means all of them (``fink config`` without a tool)."""
    if context.get("tool") == "fink":
        wanted = (context.get("_arguments") or {}).get("<tool>")
        return {wanted} if wanted else None
    return {context.get("tool")}


def strict_path(path: Path, running: set[str] | None, tools: set[str]) -> bool:
    """Must a failure at ``path`` stop the run?"""
    top = path[0] if path else None
    return top not in tools or running is None or top in running


def _enabled(config: dict[str, Any]) -> list[str]:
    enabled = get_path(config, ("plugins", CONFIG_SECTION, "defaults", "lookups"))
    return list(enabled) if isinstance(enabled, list) else list(KINDS)


def resolve_lookups(params: tuple[dict[str, Any], dict[str, Any]]) -> None:
    context, config = params
    found = list(find_lookups(config))
    if not found:
        return
    from .aws import LookupAWS
    from .resolver import Resolver
    enabled = _enabled(config)
    wanted = [(p, lk) for p, lk in found if lk.kind == "parameter" and not lk.problem and lk.kind in enabled]
    resolver = Resolver(LookupAWS(context["_awsclient"]), context["_clock"].now(), wanted, config)
    run = _Substitution(context, resolver, enabled, _running_sections(context), _tool_sections())
    resolved = substitute(config, run.resolve)
    run.raise_failures()
    config.clear()
    config.update(resolved)


class _Substitution:
    """Resolves one lookup at a time and keeps the failures that must stop the run."""

    def __init__(self, context: dict[str, Any], resolver: Any, enabled: list[str], running: set[str] | None,
                 tools: set[str]):
        self.ui = context["_ui"]
        self.resolver, self.enabled, self.running, self.tools = resolver, enabled, running, tools
        self.failures: list[str] = []

    def resolve(self, path: Path, lookup: Lookup) -> Any:
        problem = lookup.problem or (None if lookup.kind in self.enabled else
                                     f"lookup type '{lookup.kind}' is not enabled "
                                     f"(plugins.{CONFIG_SECTION}.defaults.lookups: {', '.join(self.enabled)})")
        if problem and lookup.tolerant and path[0] == "plugins":
            self.ui.debug(f"{lookup.raw} for '{dotted(path)}': {problem}; setting left unset")
            return MISSING  # a tolerant plugin setting (the Slack webhook default) never stops a run
        outcome = None if problem else self.resolver.resolve(path, lookup)
        if outcome is not None and outcome.found:
            if outcome.secret:
                self.ui.register_secret(outcome.value)
            return outcome.value
        if outcome is not None and lookup.tolerant and (outcome.missing or path[0] == "plugins"):
            why = outcome.missing or outcome.error
            self.ui.debug(f"{lookup.raw} for '{dotted(path)}': {why}; setting left unset")
            return MISSING
        return self._failed(path, lookup, problem or outcome.error or outcome.missing)

    def _failed(self, path: Path, lookup: Lookup, why: str) -> Any:
        message = f"{dotted(path)}: {lookup.raw}: {why}"
        if strict_path(path, self.running, self.tools):
            self.failures.append(message)
        else:
            self.ui.debug(f"ignored failed lookup in another tool's section: {message}")
        return lookup.raw

    def raise_failures(self) -> None:
        if not self.failures:
            return
        count = f"{len(self.failures)} lookup{'s' if len(self.failures) > 1 else ''}"
        raise ConfigError(f"Lookup failed ({count}):\n" + "\n".join(f"  {f}" for f in self.failures),
                          hint="Check that the stacks, parameters, secrets and certificates exist in this "
                               "account and region, or mark the lookup CONTINUE_IF_NOT_FOUND / :optional.")


def register() -> None:
    fink_signals.lookup_init.connect(resolve_lookups)


def deregister() -> None:
    fink_signals.lookup_init.disconnect(resolve_lookups)
