"""What fink remembers about a stack's last deploy, kept where DescribeStacks returns it.

``cloud deploy`` adds one parameter to the template it deploys, :data:`STATE_PARAMETER` (a String with an empty
default that no resource uses), whose value is a short JSON document::

    {"v": 1, "t": "<digest of the deployed template>", "s": ["DbPassword", ...]}

``t`` tells whether the template changed without reading the deployed one back (a differing digest proves a
change; an equal one is confirmed with GetTemplate, since someone may have updated the stack with another tool);
``s`` names the parameters whose values were secrets, so that a later parameter diff never shows their previous
values. Only names are kept, never values. Both answers come with the DescribeStacks that every deploy makes
anyway, which saves a GetTemplate on every update.

Nothing depends on the state being there: a stack deployed by another tool (or a template that already declares
CloudFormation's maximum of 200 parameters) is handled by reading the deployed template, as before. The state
parameter is left out of every parameter diff and comparison.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from fink.errors import ConfigError

__all__ = ["STATE_PARAMETER", "MAX_PARAMETERS", "template_digest", "add_state", "deployed_state", "without_state"]

STATE_PARAMETER = "FinkDeployState"
MAX_PARAMETERS = 200  # CloudFormation's limit of parameters per template
_MAX_VALUE = 4000  # stay well below what a parameter value may hold
_DECLARATION = {"Type": "String", "Default": "",
                "Description": "Set by fink on each deploy: a digest of the deployed template and the names (never "
                               "the values) of parameters that held secrets. Not used by any resource."}


def template_digest(template: dict[str, Any]) -> str:
    """A digest of the template as deployed, without the state parameter."""
    text = json.dumps(without_state(template), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def add_state(template: dict[str, Any], secrets: set[str]) -> dict[str, str] | None:
    """Declare the state parameter in ``template`` (in place) and return its entry for the request's Parameters;
    ``None`` when the template has no room for one more parameter."""
    params = template.get("Parameters") or {}
    if STATE_PARAMETER in params:
        raise ConfigError(f"The template declares a parameter named {STATE_PARAMETER}: fink reserves that name for "
                          "what it remembers about the last deploy.", hint="Rename the parameter in your template.")
    if len(params) >= MAX_PARAMETERS:
        return None
    state: dict[str, Any] = {"v": 1, "t": template_digest(template), "s": sorted(secrets)}
    value = json.dumps(state, separators=(",", ":"))
    if len(value) > _MAX_VALUE:  # too many secret names: the next deploy reads the template back instead
        del state["s"]
        value = json.dumps(state, separators=(",", ":"))
    template["Parameters"] = {**params, STATE_PARAMETER: dict(_DECLARATION)}
    return {"ParameterKey": STATE_PARAMETER, "ParameterValue": value}


def deployed_state(stack: dict[str, Any] | None) -> dict[str, Any] | None:
    """The state of the stack's last deploy by fink, ``None`` when it has none (or an unreadable one)."""
    for param in (stack or {}).get("Parameters") or ():
        if param.get("ParameterKey") == STATE_PARAMETER:
            try:
                state = json.loads(param.get("ParameterValue") or "")
            except ValueError:
                return None
            return state if isinstance(state, dict) and state.get("v") == 1 else None
    return None


def without_state(template: Any) -> Any:
    """``template`` without the state parameter; an empty Parameters section counts as none."""
    if not isinstance(template, dict) or "Parameters" not in template:
        return template
    params = {k: v for k, v in (template["Parameters"] or {}).items() if k != STATE_PARAMETER}
    rest = {k: v for k, v in template.items() if k != "Parameters"}
    return {**rest, "Parameters": params} if params else rest
