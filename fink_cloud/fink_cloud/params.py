"""Stack parameters, pure: conversion to CloudFormation's string form, checks against the template, diffs.

CloudFormation takes every parameter value as a string: lists become comma-joined strings
(``CommaDelimitedList``), booleans ``true``/``false``, numbers their ``str``. Only strings, finite numbers,
booleans and lists of those are values; ``{"UsePreviousValue": true}`` keeps the deployed value. Anything else
(null, another mapping, NaN, a list holding null) is a configuration error naming the key, never coerced.
Everything is checked against the template's ``Parameters`` before anything is sent, so a typo is named instead of
surfacing as an AWS error.

The diff never shows a secret: a parameter that is a secret now (its value came from a secret lookup, or it is
NoEcho) or was one when last deployed (named in the deploy state, or in the deployed template's ``Metadata``, see
:data:`SECRETS_METADATA`) is shown as changed without either value. A parameter removed from the config shows the
template default it reverts to. fink's own deploy state parameter (:mod:`.deploy_state`) is never part of a diff.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from fink.errors import ConfigError

from .deploy_state import STATE_PARAMETER

__all__ = ["to_cfn_value", "check_parameters", "check_values", "parameter_list", "ParameterChange",
           "parameter_changes", "keeps_previous", "is_no_echo", "secret_keys", "SECRETS_METADATA", "MASK"]

MASK = "****"
#: key in the template's top-level ``Metadata`` listing the parameters that held a secret when deployed
SECRETS_METADATA = "FinkSecretParameters"
USE_PREVIOUS = {"UsePreviousValue": True}


def keeps_previous(value: Any) -> bool:
    """``{"UsePreviousValue": true}``: keep the value the stack has."""
    return isinstance(value, Mapping) and dict(value) == USE_PREVIOUS


def _scalar_problem(value: Any) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (str, bool, int, float)):
        return None
    return f"a {type(value).__name__}"


def _value_problem(value: Any) -> str | None:
    if keeps_previous(value):
        return None
    if isinstance(value, (list, tuple)):
        bad = [p for p in map(_scalar_problem, value) if p]
        return f"a list holding {bad[0]}" if bad else None
    if isinstance(value, Mapping):
        return "a mapping (only {\"UsePreviousValue\": true} is allowed)"
    return _scalar_problem(value)


def check_values(config_params: Any) -> None:
    """Raise a ConfigError naming every parameter whose value is not a string, number, boolean or list of those."""
    if config_params is None:
        return
    if not isinstance(config_params, Mapping):
        raise ConfigError(f"cloud.parameters must be a mapping of parameter names to values, not a "
                          f"{type(config_params).__name__}.")
    problems = [f"cloud.parameters.{k}: {p}" for k, p in ((k, _value_problem(v)) for k, v in config_params.items())
                if p]
    if problems:
        raise ConfigError("Stack parameter values must be strings, numbers, booleans or lists of those:\n"
                          + "\n".join(f"  {p}" for p in problems),
                          hint="Fix these values in your config file (an unset lookup leaves a key out, it never "
                               "sends null).")


def is_no_echo(declared: Mapping[str, Any]) -> bool:
    return str(declared.get("NoEcho", "false")).lower() == "true"


def secret_keys(template_params: Mapping[str, Any], config_params: Mapping[str, Any],
                is_secret: Callable[[str], bool]) -> set[str]:
    """The parameters whose new value is a secret: NoEcho ones and those holding a secret (or a list item that is)."""
    keys = {k for k in config_params if is_no_echo(template_params.get(k, {}))}
    for key, value in config_params.items():
        items = value if isinstance(value, (list, tuple)) else [value]
        if is_secret(to_cfn_value(value)) or any(is_secret(to_cfn_value(v)) for v in items):
            keys.add(key)
    return keys


def to_cfn_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(to_cfn_value(v) for v in value)
    return str(value)


def check_parameters(template_params: Mapping[str, Any], config_params: Mapping[str, Any]) -> None:
    """Raise a ConfigError naming every unknown parameter and every required one that is missing."""
    unknown = sorted(set(config_params) - set(template_params))
    missing = sorted(k for k, p in template_params.items() if "Default" not in p and k not in config_params)
    problems = []
    if missing:
        problems.append(f"missing in cloud.parameters (no default in the template): {', '.join(missing)}")
    if unknown:
        problems.append(f"not parameters of the template: {', '.join(unknown)}")
    if problems:
        known = ", ".join(sorted(template_params)) or "none"
        raise ConfigError("Stack parameters do not match the template: " + "; ".join(problems) + ".",
                          hint=f"The template's parameters are: {known}.")


def parameter_list(config_params: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"ParameterKey": k, "UsePreviousValue": True} if keeps_previous(v) else
            {"ParameterKey": k, "ParameterValue": to_cfn_value(v)} for k, v in sorted(config_params.items())]


@dataclass(frozen=True)
class ParameterChange:
    key: str
    old: str | None  # None: not set before
    new: str | None  # None: no longer set (removed from the template)
    secret: bool = False  # a secret now or before: old and new are MASK (or None), never the values
    reverts: bool = False  # removed from the config: ``new`` is the template default it reverts to


def _normalised(value: str | None, param_type: str) -> str | None:
    """List parameters compare item by item (moto reports them as a Python list repr, AWS comma-joined)."""
    if value is None or not (param_type == "CommaDelimitedList" or param_type.startswith("List<")):
        return value
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        import ast
        try:
            return ",".join(str(v) for v in ast.literal_eval(text))
        except (ValueError, SyntaxError):
            return value
    return ",".join(part.strip() for part in text.split(","))


def _shown(value: str | None, hidden: bool) -> str | None:
    return MASK if (hidden and value is not None) else value


def parameter_changes(template_params: Mapping[str, Any], current: list[dict[str, Any]],
                      new: list[dict[str, Any]], secrets: set[str] = frozenset()) -> list[ParameterChange]:
    """What changes between the deployed parameters and the new ones. Parameters in ``secrets`` (secret now or
    before) and NoEcho ones are shown without values; a parameter left out of the config reverts to its default."""
    old_values = {p["ParameterKey"]: p.get("ParameterValue") for p in current}
    new_values = {p["ParameterKey"]: p.get("ParameterValue") for p in new if not p.get("UsePreviousValue")}
    kept = {p["ParameterKey"] for p in new if p.get("UsePreviousValue")}
    changes = []
    for key in sorted((set(old_values) | set(new_values)) - kept - {STATE_PARAMETER}):
        declared = template_params.get(key, {})
        no_echo = is_no_echo(declared)
        old, value = _normalised(old_values.get(key), declared.get("Type", "String")), new_values.get(key)
        reverts = key not in new_values and "Default" in declared
        if reverts:
            value = _normalised(to_cfn_value(declared["Default"]), declared.get("Type", "String"))
        if no_echo and old == MASK and value is not None:
            continue  # AWS never returns NoEcho values: we cannot tell, so we do not claim a change
        if old != value:
            hidden = no_echo or key in secrets
            changes.append(ParameterChange(key, _shown(old, hidden), _shown(value, hidden), hidden, reverts))
    return changes
