"""Stack parameters, pure: conversion to CloudFormation's string form, checks against the template, diffs.

CloudFormation takes every parameter value as a string: lists become comma-joined strings
(``CommaDelimitedList``), booleans ``true``/``false``, numbers their ``str``. Everything is checked against the
template's ``Parameters`` before anything is sent, so a typo is named instead of surfacing as an AWS error.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from fink.errors import ConfigError

__all__ = ["to_cfn_value", "check_parameters", "parameter_list", "ParameterChange", "parameter_changes",
           "MASK"]

MASK = "****"


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


def parameter_list(config_params: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": to_cfn_value(v)} for k, v in sorted(config_params.items())]


@dataclass(frozen=True)
class ParameterChange:
    key: str
    old: str | None  # None: not set before
    new: str | None  # None: no longer set (the template default applies)


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


def _shown(value: str | None, no_echo: bool) -> str | None:
    return MASK if (no_echo and value is not None) else value


def parameter_changes(template_params: Mapping[str, Any], current: list[dict[str, Any]],
                      new: list[dict[str, str]]) -> list[ParameterChange]:
    """What changes between the deployed parameters and the new ones; NoEcho values are masked."""
    old_values = {p["ParameterKey"]: p.get("ParameterValue") for p in current}
    new_values = {p["ParameterKey"]: p["ParameterValue"] for p in new}
    changes = []
    for key in sorted(set(old_values) | set(new_values)):
        old, value = old_values.get(key), new_values.get(key)
        if key not in new_values and key in template_params:
            continue  # the template default keeps applying
        declared = template_params.get(key, {})
        no_echo = str(declared.get("NoEcho", "false")).lower() == "true"
        old = _normalised(old, declared.get("Type", "String"))
        if no_echo and old == MASK and value is not None:
            continue  # AWS never returns NoEcho values: we cannot tell, so we do not claim a change
        if old != value:
            changes.append(ParameterChange(key, _shown(old, no_echo), _shown(value, no_echo)))
    return changes
