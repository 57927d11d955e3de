"""Config shapes gcdt accepted, converted (with a warning naming the new shape) or refused with the replacement.

Pure rules, run by the lifecycle right after the config is read and before defaults are filled in, so that a
converted section gets its defaults and is validated like one written in the new shape:

- tool sections under gcdt's names (``kumo``, ``ramuda``, ``yugen``, ``tenkai``) → ``cloud``, ``lambda``, ``api``,
  ``code``;
- ``cloud.cloudformation`` (gcdt < 0.1.420: stack settings and template parameters in one section) → ``stack`` and
  ``parameters`` (gcdt itself converted it with a deprecation warning);
- the top-level ``gcdtignore`` list → ``finkignore``;
- plugin sections spelled as in the guide (``plugins."fink.slack_integration"``) or under gcdt's name
  (``gcdt_slack_integration``) → the plugin's section name (``fink_slack_integration``);
- ``lambda.lambda.events`` as gcdt's old dict (``s3Sources`` / ``timeSchedules``) is an error whose message holds
  the list to write instead (removing sources with ``ensure: absent`` has no equivalent in a config: unwire them);
  an empty dict (``"events": {}``, common in gcdt configs) is read as the empty list with a warning.

Every conversion returns one warning; nothing is converted silently. Where old and new shape are both present the
intent is unclear and the run stops.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from .errors import ConfigError

__all__ = ["TOOL_RENAMES", "STACK_KEYS", "convert_old_shapes", "convert_cloudformation_section",
           "events_from_gcdt_dict"]

TOOL_RENAMES = {"kumo": "cloud", "ramuda": "lambda", "yugen": "api", "tenkai": "code"}
#: keys of gcdt's ``cloudformation`` section that configure the stack; every other key is a template parameter
STACK_KEYS = ("StackName", "TemplateBody", "artifactBucket", "RoleARN", "NotificationARNs")


def convert_old_shapes(config: dict[str, Any], plugin_sections: Iterable[str] = (), tool: str | None = None
                       ) -> list[str]:
    """Convert ``config`` in place; returns the warnings to show. Raises ConfigError for refused shapes (a refused
    shape in another tool's section is only a warning: it does not stop e.g. ``cloud deploy``)."""
    warnings = _rename_tool_sections(config)
    warnings += _rename_plugin_sections(config, set(plugin_sections))
    warnings += _merge_gcdtignore(config)
    cloud = config.get("cloud")
    if isinstance(cloud, dict) and "cloudformation" in cloud:
        warnings.append(convert_cloudformation_section(cloud))
    try:
        if _refuse_old_events(config):
            warnings.append("lambda.lambda.events: gcdt's empty dict {} is read as the empty list []; "
                            'write "events": [].')
    except ConfigError as exc:
        if tool == "lambda":
            raise
        warnings.append(f"{exc.message} {exc.hint}")
    return warnings


def _rename_tool_sections(config: dict[str, Any]) -> list[str]:
    warnings = []
    for old, new in TOOL_RENAMES.items():
        if old not in config:
            continue
        if new in config:
            raise ConfigError(f"The config has both '{old}' (gcdt's name) and '{new}' sections.",
                              hint=f"Merge '{old}' into '{new}' and remove '{old}'.")
        config[new] = config.pop(old)
        warnings.append(f"config section '{old}' is gcdt's name of '{new}': read as '{new}'. Rename it "
                        f"(`fink migrate-gcdt` does it); gcdt's names will stop working in a later release.")
    return warnings


def _merge_gcdtignore(config: dict[str, Any]) -> list[str]:
    """gcdt's top-level ``gcdtignore`` list joins ``finkignore`` (the reader may already have filled that one
    from ``.finkignore``)."""
    patterns = config.pop("gcdtignore", None)
    if patterns is None:
        return []
    listed = patterns if isinstance(patterns, list) else [patterns]
    config["finkignore"] = [*(config.get("finkignore") or []), *listed]
    return ["config key 'gcdtignore' is gcdt's name of 'finkignore': its patterns are used. Rename it."]


def plugin_key(key: str) -> str:
    """``fink.slack_integration`` / ``gcdt-slack-integration`` → ``fink_slack_integration``."""
    normalized = key.replace(".", "_").replace("-", "_")
    return "fink_" + normalized[5:] if normalized.startswith("gcdt_") else normalized


def _rename_plugin_sections(config: dict[str, Any], known: set[str]) -> list[str]:
    plugins = config.get("plugins")
    if not isinstance(plugins, dict):
        return []
    warnings = []
    for key in list(plugins):
        new = plugin_key(key)
        if new == key or new not in known:
            continue
        if new in plugins:
            raise ConfigError(f"plugins has both '{key}' and '{new}'.", hint=f"Keep only plugins.{new}.")
        plugins[new] = plugins.pop(key)
        warnings.append(f"plugins.'{key}' is read as plugins.{new}, the plugin's section name: rename it.")
    return warnings


def convert_cloudformation_section(cloud: dict[str, Any]) -> str:
    """gcdt's ``cloud.cloudformation`` → ``stack`` + ``parameters`` (in place); returns the warning."""
    if "stack" in cloud or "parameters" in cloud:
        raise ConfigError("cloud has both the old 'cloudformation' section and 'stack'/'parameters'.",
                          hint="Move everything into 'stack' (StackName, RoleARN, ...) and 'parameters', and "
                               "remove 'cloudformation'.")
    old = cloud.pop("cloudformation")
    if not isinstance(old, dict):
        raise ConfigError("cloud.cloudformation must be an object (gcdt's old stack and parameters section).")
    stack = {k: v for k, v in old.items() if k in STACK_KEYS}
    parameters = {k: v for k, v in old.items() if k not in STACK_KEYS}
    if stack:
        cloud["stack"] = stack
    if parameters:
        cloud["parameters"] = parameters
    shape = json.dumps({k: cloud[k] for k in ("stack", "parameters") if k in cloud}, sort_keys=True)
    return (f"cloud.cloudformation is gcdt's deprecated shape: read as {shape}. "
            "Write the cloud section like that (`fink migrate-gcdt` does it).")


def events_from_gcdt_dict(events: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """gcdt's ``{"s3Sources": [...], "timeSchedules": [...]}`` → fink's event list, and the names left out."""
    converted: list[dict[str, Any]] = []
    left_out: list[str] = []
    for source in events.get("s3Sources") or []:
        if source.get("ensure") == "absent":
            left_out.append(f"s3 bucket {source.get('bucket')}")
            continue
        event = {"arn": f"arn:aws:s3:::{source.get('bucket')}", "events": [source.get("type")]}
        event.update({k: source[k] for k in ("prefix", "suffix") if source.get(k)})
        converted.append({"event_source": event})
    for rule in events.get("timeSchedules") or []:
        if rule.get("ensure") == "absent":
            left_out.append(f"rule {rule.get('ruleName')}")
            continue
        event = {"name": rule.get("ruleName"), "schedule": rule.get("scheduleExpression")}
        if rule.get("ruleDescription"):
            event["description"] = rule["ruleDescription"]
        converted.append({"event_source": event})
    return converted, left_out


def _refuse_old_events(config: dict[str, Any]) -> bool:
    """Raise for gcdt's events dict; True when it was an empty dict, replaced by ``[]``."""
    function = (config.get("lambda") or {}).get("lambda") if isinstance(config.get("lambda"), dict) else None
    events = function.get("events") if isinstance(function, dict) else None
    if not isinstance(events, dict):
        return False
    converted, left_out = events_from_gcdt_dict(events)
    if not converted and not left_out:  # gcdt's empty dict (`"events": {}`): no sources, nothing to decide
        function["events"] = []
        return True
    note = (f" Sources marked ensure: absent ({', '.join(left_out)}) have no place in the list: unwire them with "
            "gcdt first or remove them by hand." if left_out else "")
    raise ConfigError("lambda.lambda.events uses gcdt's old format (s3Sources/timeSchedules), which fink does not "
                      "read.", hint=f"Write it as a list: \"events\": {json.dumps(converted)}.{note}")
