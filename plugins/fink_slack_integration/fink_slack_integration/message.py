"""What a deployment announcement says: the Slack payload, built from the run's context and config (pure).

Rules: only named public context values (tool, command, env, user, version, error) and the deployed thing's name
go into a message; private context keys (leading ``_``) never do. Every string is passed through the run's secret
mask before it leaves, so Slack sees no more than the console shows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from fink.config import get_path
from fink.render import duration

__all__ = ["ANNOUNCED", "GREEN", "RED", "Outcome", "is_announced", "target_of", "build_payload", "masked_json"]

#: the commands that change things; read-only commands are never announced
ANNOUNCED: Mapping[str, frozenset[str]] = {
    "cloud": frozenset({"deploy", "delete", "group deploy", "group delete"}),
    "code": frozenset({"deploy"}),
    "lambda": frozenset({"deploy", "delete", "wire", "unwire", "rollback"}),
    "api": frozenset({"deploy", "delete"}),
}
GREEN = "good"  # Slack's named attachment colours
RED = "danger"

Mask = Callable[[str], str]


@dataclass(frozen=True)
class Outcome:
    """How the run ended: success, or the (already masked) error message; seconds since ``initialized``."""

    succeeded: bool
    seconds: float | None = None
    error: str | None = None


def is_announced(tool: str | None, command: str | None) -> bool:
    return command in ANNOUNCED.get(tool or "", frozenset())


def _code_target(section: Mapping[str, Any], _arguments: Mapping[str, Any]) -> str | None:
    app = get_path(section, ("codedeploy", "applicationName"))
    group = get_path(section, ("codedeploy", "deploymentGroupName"))
    return "/".join(str(part) for part in (app, group) if part) or None


_TARGETS: Mapping[str, tuple[str, Callable[[Mapping[str, Any], Mapping[str, Any]], Any]]] = {
    "cloud": ("Stack", lambda section, _args: get_path(section, ("stack", "StackName"))),
    "lambda": ("Function", lambda section, args: args.get("<lambda>") or get_path(section, ("lambda", "name"))),
    "api": ("API", lambda section, _args: get_path(section, ("api", "name"))),
    "code": ("Deployment group", _code_target),
}


def target_of(tool: str, config: Mapping[str, Any], arguments: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """``(label, name)`` of what the command worked on, from the tool's config section or its ``<lambda>``."""
    label, find = _TARGETS.get(tool, ("", None))
    section = config.get(tool) if isinstance(config.get(tool), Mapping) else {}
    name = find(section, arguments or {}) if find else None
    return (label, str(name)) if name else None


def _field(title: str, value: Any, short: bool = True) -> dict[str, Any]:
    return {"title": title, "value": str(value), "short": short}


def _reported(context: Mapping[str, Any]) -> Mapping[str, Any]:
    """What the command said about its result (``context['outcome']``: ``status`` such as ``created``, and
    ``fields`` such as the deployment id); empty when it said nothing."""
    reported = context.get("outcome")
    return reported if isinstance(reported, Mapping) else {}


def _status(context: Mapping[str, Any], outcome: Outcome) -> str:
    return str(_reported(context).get("status") or "succeeded") if outcome.succeeded else "FAILED"


def _headline(context: Mapping[str, Any], target: tuple[str, str] | None, outcome: Outcome) -> str:
    what = f"{context.get('tool')} {context.get('command')}"
    on = f" of {target[0].lower()} *{target[1]}*" if target else ""
    result = _status(context, outcome)
    took = f" after {duration(outcome.seconds)}" if outcome.seconds is not None else ""
    return f"fink: {what}{on} in *{context.get('env')}* by {context.get('user')} {result}{took}"


def _fields(context: Mapping[str, Any], target: tuple[str, str] | None, outcome: Outcome) -> list[dict[str, Any]]:
    fields = [_field("Tool", context.get("tool")), _field("Command", context.get("command")),
              _field("Environment", context.get("env"))]
    if target:
        fields.append(_field(*target))
    fields += [_field(str(k), v) for k, v in (_reported(context).get("fields") or {}).items()]
    fields += [_field("User", context.get("user")), _field("fink version", context.get("version"))]
    if outcome.seconds is not None:
        fields.append(_field("Duration", duration(outcome.seconds)))
    if not outcome.succeeded:
        fields.append(_field("Error", outcome.error or "unknown error", short=False))
    return fields


def build_payload(context: Mapping[str, Any], config: Mapping[str, Any], outcome: Outcome,
                  channel: str | None = None) -> dict[str, Any]:
    """The incoming-webhook JSON: a headline plus one green (success) or red (failure) attachment."""
    tool = str(context.get("tool"))
    target = target_of(tool, config, context.get("_arguments"))
    headline = _headline(context, target, outcome)
    attachment = {"fallback": headline, "color": GREEN if outcome.succeeded else RED,
                  "title": f"{tool} {context.get('command')} {_status(context, outcome).lower()}",
                  "fields": _fields(context, target, outcome)}
    payload: dict[str, Any] = {"text": headline, "attachments": [attachment]}
    if channel:
        payload["channel"] = channel
    return payload


def _mask_values(value: Any, mask: Mask) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [_mask_values(v, mask) for v in value]
    if isinstance(value, dict):
        return {k: _mask_values(v, mask) for k, v in value.items()}
    return value


def masked_json(payload: Mapping[str, Any], mask: Mask) -> str:
    """The payload as JSON text with secrets masked in every value and then in the whole text once more."""
    return mask(json.dumps(_mask_values(dict(payload), mask), ensure_ascii=False, sort_keys=True))
