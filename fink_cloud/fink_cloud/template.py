"""The user's template: ``cloudformation.py`` in the working folder (or ``stack.TemplateBody``), and stack policies.

``generate_template()`` or ``generate_template(context, config)`` may return JSON text, a dict or a troposphere
``Template``; the tool always works with the template as a dict. ``get_stack_policy()`` and
``get_stack_policy_during_update()`` in the same file replace the default stack policies.
"""
from __future__ import annotations

import inspect
import json
import os
from types import ModuleType
from typing import Any, Mapping

from fink.errors import ConfigError

__all__ = ["TEMPLATE_FILE", "load_template_module", "generate", "load_template", "stack_policies", "has_stack_policy", "override_note",
           "LEGACY_HOOKS", "legacy_hooks", "check_legacy_hooks",
           "DEFAULT_POLICY", "OVERRIDE_POLICY", "template_json", "MAX_BODY_BYTES"]

TEMPLATE_FILE = "cloudformation.py"
MAX_BODY_BYTES = 51_200  # CloudFormation's limit for TemplateBody; larger templates must go through S3

DEFAULT_POLICY = {"Statement": [
    {"Effect": "Allow", "Action": "Update:Modify", "Principal": "*", "Resource": "*"},
    {"Effect": "Deny", "Action": ["Update:Replace", "Update:Delete"], "Principal": "*", "Resource": "*"},
]}
#: ``--override-stack-policy``: every update action is allowed, for that update only
OVERRIDE_POLICY = {"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]}


def load_template_module(path: str = TEMPLATE_FILE, hooks: Any = None) -> ModuleType:
    """The cloudformation.py module; with the run's :class:`~fink.hooks.HookSet` it is the same module object the
    hooks were registered from (imported once per run)."""
    from fink.hooks import load_module_from_file
    if not os.path.isfile(path):
        raise ConfigError(f"No {path} in {os.getcwd()}.",
                          hint="Write a cloudformation.py with a generate_template() function (see the cloud docs), "
                               "or set cloud.stack.TemplateBody.")
    return hooks.load(path) if hooks is not None else load_module_from_file(path)


def _to_dict(result: Any) -> dict[str, Any]:
    if hasattr(result, "to_dict") and callable(result.to_dict):  # a troposphere Template
        return result.to_dict()
    if isinstance(result, Mapping):
        return dict(result)
    if isinstance(result, (str, bytes)):
        from fink.loaders import load_json
        data = load_json(result if isinstance(result, str) else result.decode("utf-8", "replace"),
                         "the text generate_template() returned")
        if isinstance(data, dict):
            return data
    raise ConfigError(f"generate_template() returned a {type(result).__name__}.",
                      hint="Return template.to_json(), a dict or the troposphere Template itself.")


def generate(module: ModuleType, context: dict, config: dict) -> dict[str, Any]:
    """Call the module's generate_template with no arguments or with (context, config)."""
    func = getattr(module, "generate_template", None)
    if not callable(func):
        raise ConfigError(f"{TEMPLATE_FILE} has no generate_template() function.")
    count = len(inspect.signature(func).parameters)
    if count not in (0, 2):
        raise ConfigError(f"generate_template in {TEMPLATE_FILE} takes {count} argument(s).",
                          hint="Define it as generate_template() or generate_template(context, config).")
    try:
        result = func() if count == 0 else func(context, config)
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(f"generate_template() in {TEMPLATE_FILE} failed: {type(exc).__name__}: {exc}") from exc
    from fink.loaders import check_bounds
    return check_bounds(_to_dict(result), f"generate_template() in {TEMPLATE_FILE}")


def _template_from_body(body: str) -> dict[str, Any]:
    from fink.loaders import load_json, load_yaml, read_text
    if body.lstrip().startswith("{"):
        return load_json(body, "cloud.stack.TemplateBody")
    if not os.path.isfile(body):
        raise ConfigError(f"cloud.stack.TemplateBody: no file '{body}' in {os.getcwd()}.")
    text = read_text(body, body)
    if body.endswith((".yaml", ".yml")):
        data = load_yaml(text, body, cloudformation=True)
    else:
        data = load_json(text, body)
    if not isinstance(data, dict):
        raise ConfigError(f"{body}: a template must be a mapping at top level, not {type(data).__name__}.")
    return data


def load_template(context: dict, config: dict) -> tuple[dict[str, Any], ModuleType | None]:
    """The template as a dict, and the cloudformation.py module (``None`` when TemplateBody was used)."""
    body = config.get("stack", {}).get("TemplateBody")
    if body:
        return _template_from_body(body), None
    module = load_template_module(hooks=context.get("_hooks"))
    check_legacy_hooks(module, context)
    return generate(module, context, config), module


def _policy_from(module: ModuleType | None, name: str, default: dict[str, Any]) -> dict[str, Any]:
    func = getattr(module, name, None) if module else None
    if not callable(func):
        return default
    try:
        policy = func()
        return json.loads(policy) if isinstance(policy, str) else dict(policy)
    except Exception as exc:  # user code: name it (SystemExit/KeyboardInterrupt go to the error map)
        raise ConfigError(f"{name}() in {TEMPLATE_FILE} failed: {type(exc).__name__}: {exc}",
                          hint="It must return the stack policy as a dict or JSON text.") from exc


def has_stack_policy(module: ModuleType | None) -> bool:
    """Whether cloudformation.py defines ``get_stack_policy()`` (otherwise the default policy applies)."""
    return bool(module) and callable(getattr(module, "get_stack_policy", None))


def stack_policies(module: ModuleType | None, override: bool) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the stack policy, the policy during this update or ``None`` for "the stack policy itself")."""
    policy = _policy_from(module, "get_stack_policy", DEFAULT_POLICY)
    if override:
        return policy, OVERRIDE_POLICY
    custom = getattr(module, "get_stack_policy_during_update", None) if module else None
    return policy, (_policy_from(module, "get_stack_policy_during_update", policy) if callable(custom) else None)


def override_note(module: ModuleType | None, override: bool) -> str | None:
    """The warning shown when ``--override-stack-policy`` replaces the template's own during-update policy.

    gcdt let ``get_stack_policy_during_update()`` win over the flag; fink lets the flag win (it is asked for on this
    one command line) and says so."""
    if override and module is not None and callable(getattr(module, "get_stack_policy_during_update", None)):
        return ("--override-stack-policy: the template's get_stack_policy_during_update() is not used for this "
                "update; every update action is allowed (gcdt used the template's policy instead).")
    return None


#: gcdt 0.1's hook functions in cloudformation.py, removed in gcdt 0.2 and never called by fink, with the lifecycle
#: signal that replaces each (connect a receiver to it in register()).
LEGACY_HOOKS = {
    "pre_hook": "config_read_finalized", "pre_create_hook": "command_init", "pre_update_hook": "command_init",
    "post_create_hook": "command_finalized", "post_update_hook": "command_finalized", "post_hook": "command_finalized",
}


def legacy_hooks(module: ModuleType | None) -> list[str]:
    return [name for name in LEGACY_HOOKS if callable(getattr(module, name, None))] if module else []


def check_legacy_hooks(module: ModuleType | None, context: dict) -> None:
    """gcdt's legacy hooks are never called: ``cloud deploy`` refuses to run (they would have run around it), other
    commands warn. Never silent: a hook that tags volumes or registers DNS would otherwise just stop happening."""
    found = legacy_hooks(module)
    if not found:
        return
    names = ", ".join(f"{n}()" for n in found)
    replacement = "; ".join(f"{n} -> fink_signals.{LEGACY_HOOKS[n]}" for n in found)
    message = f"{TEMPLATE_FILE} defines gcdt's legacy hooks {names}, which fink never calls."
    hint = (f"Connect them to lifecycle signals in register()/deregister() instead ({replacement}; payload "
            "(context, config), the stack outputs are in context['stack_output']); or rename them if unused. "
            "See docs/migrating-from-gcdt.md.")
    if context.get("command") == "deploy":
        raise ConfigError(message, hint=hint)
    ui = context.get("_ui")
    if ui is not None:
        ui.warn(f"{message} {hint}")


def template_json(template: Mapping[str, Any]) -> str:
    """The template as deterministic, readable JSON (what generate writes and what is sent)."""
    return json.dumps(template, indent=2, sort_keys=False) + "\n"
