"""What a deploy must change, decided by pure functions from the config and the remote state read before.

Each planner returns a tuple of :class:`Action` (empty when AWS already matches the config). The executor in
``fink_api.deploy`` runs them through the seams; the descriptions are what the user sees. No I/O here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["Action", "NONE_BASE_PATH", "escape_path", "method_setting_ops", "stage_ops", "invoke_url",
           "domain_url", "source_arn", "has_invoke_permission", "plan_permission", "statement_id",
           "usage_plan_name", "plan_usage_plan", "plan_domain", "plan_base_path", "plan_record", "record_for",
           "dotted"]

NONE_BASE_PATH = "(none)"  # how API Gateway names the empty base path of a domain
APIGATEWAY_PRINCIPAL = "apigateway.amazonaws.com"

#: config key of a method setting -> (patch path suffix, value type)
METHOD_SETTINGS: dict[str, str] = {
    "metricsEnabled": "metrics/enabled",
    "loggingLevel": "logging/loglevel",
    "dataTraceEnabled": "logging/dataTrace",
    "throttlingBurstLimit": "throttling/burstLimit",
    "throttlingRateLimit": "throttling/rateLimit",
    "cachingEnabled": "caching/enabled",
    "cacheTtlInSeconds": "caching/ttlInSeconds",
    "cacheDataEncrypted": "caching/dataEncrypted",
    "requireAuthorizationForCacheControl": "caching/requireAuthorizationForCacheControl",
    "unauthorizedCacheControlHeaderStrategy": "caching/unauthorizedCacheControlHeaderStrategy",
}


@dataclass(frozen=True)
class Action:
    """One change: ``kind`` selects the executor function, ``params`` are its keyword arguments."""

    kind: str
    description: str
    params: Mapping[str, Any] = field(default_factory=dict)


# ---- stage ----------------------------------------------------------------------------------------------------------
def escape_path(resource_path: str) -> str:
    """A resource path as a patch path segment: ``/pets/{id}`` -> ``~1pets~1{id}``; ``/*`` (all) stays ``*``."""
    if resource_path == "/*":
        return "*"
    return resource_path.replace("~", "~0").replace("/", "~1")


def _patch_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def method_setting_ops(method_settings: Mapping[str, Mapping[str, Any]]) -> list[dict[str, str]]:
    """``{"/path/GET": {"cachingEnabled": false}}`` -> update_stage patch operations, in a stable order."""
    ops = []
    for key in sorted(method_settings):
        resource_path, _, method = key.rpartition("/")
        prefix = f"/{escape_path(resource_path or '/')}/{method}"
        for name in sorted(method_settings[key]):
            ops.append({"op": "replace", "path": f"{prefix}/{METHOD_SETTINGS[name]}",
                        "value": _patch_value(method_settings[key][name])})
    return ops


def stage_ops(api: Mapping[str, Any]) -> list[dict[str, str]]:
    """The stage's cache cluster and method settings as patch operations (applied on every deploy)."""
    enabled = bool(api.get("cacheClusterEnabled", False))
    ops = [{"op": "replace", "path": "/cacheClusterEnabled", "value": _patch_value(enabled)}]
    if enabled:
        ops.append({"op": "replace", "path": "/cacheClusterSize", "value": api.get("cacheClusterSize") or "0.5"})
    return ops + method_setting_ops(api.get("methodSettings") or {})


def invoke_url(api_id: str, region: str, stage: str) -> str:
    return f"https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"


def domain_url(domain_name: str, base_path: str) -> str:
    return f"https://{domain_name}/{base_path}" if base_path else f"https://{domain_name}/"


# ---- lambda permissions ---------------------------------------------------------------------------------------------
def source_arn(region: str, account: str, api_id: str) -> str:
    """Any stage, any method of the API may invoke."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/*/*"


def statement_id(api_id: str) -> str:
    return f"fink-api-{api_id}"


def _principal_is_apigateway(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    if isinstance(principal, Mapping):
        principal = principal.get("Service")
    return principal == APIGATEWAY_PRINCIPAL or (isinstance(principal, list) and APIGATEWAY_PRINCIPAL in principal)


def _condition_arn(statement: Mapping[str, Any]) -> str | None:
    for operator in (statement.get("Condition") or {}).values():
        for key, value in (operator or {}).items():
            if key.lower() == "aws:sourcearn":
                return value
    return None


def has_invoke_permission(policy: Mapping[str, Any] | None, arn: str) -> bool:
    """True when the function policy already lets API Gateway invoke it from ``arn``."""
    for statement in (policy or {}).get("Statement", []):
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if (statement.get("Effect") == "Allow" and _principal_is_apigateway(statement)
                and ("lambda:InvokeFunction" in actions or "lambda:*" in actions) and _condition_arn(statement) == arn):
            return True
    return False


def plan_permission(entry: Mapping[str, str], policy_text: str | None, arn: str, api_id: str) -> tuple[Action, ...]:
    policy = json.loads(policy_text) if policy_text else None
    if has_invoke_permission(policy, arn):
        return ()
    name, alias = entry["name"], entry["alias"]
    return (Action("add_permission", f"Allowing API Gateway to invoke {name}:{alias}",
                   {"function": name, "alias": alias, "statement_id": statement_id(api_id), "source_arn": arn}),)


# ---- usage plan -----------------------------------------------------------------------------------------------------
def usage_plan_name(api_name: str, stage: str) -> str:
    return f"{api_name}-{stage}"


def plan_usage_plan(plan: Mapping[str, Any] | None, plan_keys: list[str], *, name: str, api_id: str, stage: str,
                    key_id: str) -> tuple[Action, ...]:
    """Create the usage plan for the stage or add the stage to it, then add the key, unless already there."""
    if plan is None:
        return (Action("create_usage_plan", f"Creating usage plan {name} for stage {stage} with API key {key_id}",
                       {"name": name, "api_id": api_id, "stage": stage, "key_id": key_id}),)
    actions: list[Action] = []
    if not any(s.get("apiId") == api_id and s.get("stage") == stage for s in plan.get("apiStages", [])):
        actions.append(Action("add_plan_stage", f"Adding stage {stage} to usage plan {name}",
                              {"plan_id": plan["id"], "api_id": api_id, "stage": stage}))
    if key_id not in plan_keys:
        actions.append(Action("add_plan_key", f"Attaching API key {key_id} to usage plan {name}",
                              {"plan_id": plan["id"], "key_id": key_id}))
    return tuple(actions)


# ---- custom domain --------------------------------------------------------------------------------------------------
def plan_domain(current: Mapping[str, Any] | None, domain: Mapping[str, Any]) -> tuple[Action, ...]:
    name, kind = domain["domainName"], domain.get("endpointType", "EDGE")
    if current is None:
        return (Action("create_domain", f"Creating {kind.lower()} custom domain {name}",
                       {"domain_name": name, "certificate_name": domain["certificateName"],
                        "certificate_arn": domain["certificateArn"], "endpoint_type": kind}),)
    types = (current.get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    if types != [kind]:
        from fink.errors import ConfigError
        raise ConfigError(f"Custom domain {name} is {types[0]}, the config says {kind}; fink does not change the "
                          "endpoint type of an existing domain (its DNS target changes).",
                          hint=f"Set customDomain.endpointType to {types[0]}, or delete the domain (aws apigateway "
                               f"delete-domain-name --domain-name {name}) and deploy again.")
    prefix = "regionalC" if kind == "REGIONAL" else "c"
    ops = [{"op": "replace", "path": f"/{prefix}{key[1:]}", "value": domain[key]}
           for key in ("certificateName", "certificateArn") if current.get(prefix + key[1:]) != domain[key]]
    if not ops:
        return ()
    return (Action("update_domain", f"Updating the certificate of custom domain {name}",
                   {"domain_name": name, "patch_ops": ops}),)


def plan_base_path(mappings: list[Mapping[str, Any]], domain_name: str, base_path: str, api_id: str,
                   stage: str) -> tuple[Action, ...]:
    """Map ``base_path`` ("" = the domain's root, ``(none)`` to AWS) of the domain to the API's stage."""
    aws_path = base_path or NONE_BASE_PATH
    shown = f"https://{domain_name}/{base_path}"
    current = next((m for m in mappings if m.get("basePath") == aws_path), None)
    if current is None:
        return (Action("create_base_path", f"Mapping {shown} to stage {stage}",
                       {"domain_name": domain_name, "base_path": base_path, "api_id": api_id, "stage": stage}),)
    ops = []
    if current.get("restApiId") != api_id:
        ops.append({"op": "replace", "path": "/restapiId", "value": api_id})
    if current.get("stage") != stage:
        ops.append({"op": "replace", "path": "/stage", "value": stage})
    if not ops:
        return ()
    return (Action("update_base_path", f"Re-mapping {shown} to stage {stage}",
                   {"domain_name": domain_name, "base_path": aws_path, "patch_ops": ops}),)


def dotted(name: str) -> str:
    """A DNS name with its trailing dot, as Route53 returns names."""
    return name if name.endswith(".") else name + "."


def record_for(record_name: str, domain: Mapping[str, Any]) -> dict[str, Any]:
    """An alias A record to the domain's target (CloudFront for EDGE, the regional name for REGIONAL) when AWS
    names its zone, else a CNAME."""
    if ((domain.get("endpointConfiguration") or {}).get("types") or ["EDGE"])[0] == "REGIONAL":
        target, zone = domain.get("regionalDomainName"), domain.get("regionalHostedZoneId")
    else:
        target = domain.get("distributionDomainName") or domain.get("regionalDomainName")
        zone = domain.get("distributionHostedZoneId") or domain.get("regionalHostedZoneId")
    if zone:
        return {"Name": dotted(record_name), "Type": "A",
                "AliasTarget": {"HostedZoneId": zone, "DNSName": dotted(target), "EvaluateTargetHealth": False}}
    return {"Name": dotted(record_name), "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": target}]}


def _same_record(current: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    if not current:
        return False
    keys = ("Name", "Type", "AliasTarget", "ResourceRecords", "TTL")
    norm = lambda r: {k: r.get(k) for k in keys if r.get(k) is not None}  # noqa: E731
    cur, want = norm(current), norm(wanted)
    if "AliasTarget" in cur:
        cur["AliasTarget"] = {**cur["AliasTarget"], "DNSName": dotted(cur["AliasTarget"].get("DNSName", ""))}
    return cur == want


def plan_record(current: Mapping[str, Any] | None, wanted: Mapping[str, Any], zone_id: str,
                conflicting: Mapping[str, Any] | None = None) -> tuple[Action, ...]:
    """UPSERT the record unless it matches; a CNAME of the same name (as gcdt wrote them) is replaced in the same
    change batch, because Route53 refuses an alias next to a CNAME."""
    if _same_record(current, wanted) and not conflicting:
        return ()
    kind = "alias" if "AliasTarget" in wanted else "CNAME"
    replaced = f", replacing its {conflicting['Type']} record" if conflicting else ""
    return (Action("upsert_record", f"Pointing DNS {wanted['Name']} ({kind}) at the custom domain{replaced}",
                   {"zone_id": zone_id, "record": dict(wanted), "replaces": dict(conflicting) if conflicting else None}),)
