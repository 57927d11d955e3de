"""Pure planning of the API settings beyond the definition: endpoint type, the stage (variables, access logging,
method settings that left the config), usage plan limits, and regional custom domains.

The stage belongs to the config: stage variables, access logging and method settings that are not (or no longer)
in the config are removed, so the stage always matches what the config says. Every function compares with state
read before (``get_rest_apis``, one ``get_stage``, ``get_usage_plans``, ``get_domain_name``) and returns patch
operations or actions; an empty result means AWS already matches. No I/O here.
"""
from __future__ import annotations

from typing import Any, Mapping

from fink.errors import ConfigError

from .plan import Action, escape_path

__all__ = ["endpoint_type", "plan_endpoint", "stage_setting_ops", "usage_plan_limits", "usage_plan_limit_ops",
           "check_domain_certificate", "domain_endpoint"]

_ACCESS_LOG_KEYS = {"destinationArn": "destinationArn", "format": "format"}


def endpoint_type(api: Mapping[str, Any]) -> str:
    return api.get("endpointType", "EDGE")


def plan_endpoint(record: Mapping[str, Any] | None, api: Mapping[str, Any], api_id: str) -> tuple[Action, ...]:
    """Change the API's endpoint type when it differs (API Gateway converts EDGE <-> REGIONAL in place)."""
    wanted = endpoint_type(api)
    current = ((record or {}).get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    if current == [wanted]:
        return ()
    ops = [{"op": "replace", "path": f"/endpointConfiguration/types/{current[0]}", "value": wanted}]
    return (Action("update_api", f"Changing the endpoint type of REST API {api['name']} from {current[0]} to "
                                 f"{wanted}", {"api_id": api_id, "patch_ops": ops}),)


def _variable_ops(current: Mapping[str, str], wanted: Mapping[str, Any]) -> list[dict[str, str]]:
    ops = [{"op": "replace", "path": f"/variables/{k}", "value": str(v)}
           for k, v in sorted(wanted.items()) if current.get(k) != str(v)]
    return ops + [{"op": "remove", "path": f"/variables/{k}"} for k in sorted(set(current) - set(wanted))]


def _access_log_ops(current: Mapping[str, Any] | None, wanted: Mapping[str, Any] | None) -> list[dict[str, str]]:
    if not wanted:
        return [{"op": "remove", "path": "/accessLogSettings"}] if current else []
    return [{"op": "replace", "path": f"/accessLogSettings/{aws}", "value": str(wanted[key])}
            for key, aws in _ACCESS_LOG_KEYS.items() if (current or {}).get(aws) != wanted[key]]


def _configured_keys(method_settings: Mapping[str, Any]) -> set[str]:
    """Config keys (``/pets/GET``) as the stage names them (``~1pets/GET``, ``*/*``)."""
    keys = set()
    for key in method_settings:
        resource_path, _, method = key.rpartition("/")
        keys.add(f"{escape_path(resource_path or '/')}/{method}")
    return keys


def stage_setting_ops(stage: Mapping[str, Any] | None, api: Mapping[str, Any]) -> list[dict[str, str]]:
    """Patch operations that make the stage's variables, access logging and method-setting keys match the config
    (the values of configured method settings are replaced by ``plan.stage_ops`` on every deploy)."""
    stage = stage or {}
    ops = _variable_ops(stage.get("variables") or {}, api.get("stageVariables") or {})
    ops += _access_log_ops(stage.get("accessLogSettings"), api.get("accessLogging"))
    gone = set(stage.get("methodSettings") or {}) - _configured_keys(api.get("methodSettings") or {})
    return ops + [{"op": "remove", "path": f"/{key}"} for key in sorted(gone)]


def usage_plan_limits(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """``usagePlan`` config -> CreateUsagePlan's ``throttle`` / ``quota`` arguments."""
    config = config or {}
    limits: dict[str, Any] = {}
    if config.get("throttle"):
        limits["throttle"] = {k: config["throttle"][k] for k in ("burstLimit", "rateLimit") if k in config["throttle"]}
    if config.get("quota"):
        limits["quota"] = {k: config["quota"][k] for k in ("limit", "period", "offset") if k in config["quota"]}
    return limits


def usage_plan_limit_ops(plan: Mapping[str, Any], config: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """Patch operations that make an existing usage plan's throttle and quota match the config."""
    wanted, ops = usage_plan_limits(config), []
    for part in ("throttle", "quota"):
        current, want = plan.get(part) or {}, wanted.get(part)
        if not want:
            if current:
                ops.append({"op": "remove", "path": f"/{part}"})
            continue
        ops += [{"op": "replace", "path": f"/{part}/{k}", "value": str(v)} for k, v in sorted(want.items())
                if str(current.get(k)) != str(v)]
    return ops


def domain_endpoint(domain: Mapping[str, Any]) -> str:
    return domain.get("endpointType", "EDGE")


def check_domain_certificate(domain: Mapping[str, Any], region: str) -> None:
    """EDGE domains need a us-east-1 certificate (CloudFront), REGIONAL ones a certificate in the API's region."""
    kind, arn = domain_endpoint(domain), domain["certificateArn"]
    needed = "us-east-1" if kind == "EDGE" else region
    cert_region = arn.split(":")[3] if arn.count(":") >= 5 else ""
    if cert_region != needed:
        raise ConfigError(f"customDomain.certificateArn is in {cert_region or 'no region'}, but a {kind} custom "
                          f"domain needs a certificate in {needed}.",
                          hint="Use `lookup:acm:<name>` for a certificate in that region, or change "
                               "customDomain.endpointType.")
