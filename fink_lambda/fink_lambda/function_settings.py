"""Function settings that live beside the function configuration: tags, reserved concurrency, the function URL,
asynchronous-invocation destinations, and pruning of old versions.

Rules: a setting that is not configured is left as it is in AWS; a configured one is compared with what AWS
reports and changed only when it differs. Tags and reserved concurrency come with the ``GetFunction`` answer the
deploy reads anyway; the function URL and the destinations are read (one call each) only when they are
configured. The URL and the destinations belong to the ``ACTIVE`` alias, so callers reach the version that
answered the ping. Planning is pure (``plan_*``); :func:`apply_function_settings` and :func:`prune_versions` run
the plans through the Lambda seam.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from fink.ui import UI

from .seam_lambda import ALIAS, LambdaSeam

__all__ = ["TagPlan", "plan_tags", "plan_concurrency", "url_request", "url_differs", "invoke_request",
           "invoke_differs", "versions_to_prune", "apply_base_settings", "apply_alias_settings", "prune_versions",
           "URL_PERMISSION_SID", "UNSET", "DEFAULT_KEEP_VERSIONS", "PRUNE_LIMIT"]

URL_PERMISSION_SID = "fink-function-url-public"
UNSET = object()             # the key is not in the config: leave the setting as it is
DEFAULT_KEEP_VERSIONS = 10   # numbered versions kept besides those an alias points at
PRUNE_LIMIT = 50             # versions deleted per deploy at most (a function with thousands shrinks over deploys)


@dataclass(frozen=True)
class TagPlan:
    set: dict[str, str]
    remove: list[str]

    def __bool__(self) -> bool:
        return bool(self.set or self.remove)


def plan_tags(wanted: Mapping[str, Any] | None, current: Mapping[str, str] | None) -> TagPlan:
    """Tags to set and to remove so the function has exactly ``wanted`` (AWS's own ``aws:`` tags are kept)."""
    if wanted is None:
        return TagPlan({}, [])
    wanted = {str(k): str(v) for k, v in wanted.items()}
    current = {k: v for k, v in (current or {}).items() if not k.startswith("aws:")}
    return TagPlan({k: v for k, v in wanted.items() if current.get(k) != v}, sorted(set(current) - set(wanted)))


def plan_concurrency(wanted: Any, found: Mapping[str, Any] | None) -> Any:
    """The reserved concurrency to set (``None`` removes it), or ``UNSET`` when nothing changes."""
    if wanted is UNSET:
        return UNSET
    current = ((found or {}).get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    return UNSET if current == wanted else wanted


def url_request(config: Mapping[str, Any]) -> dict[str, Any]:
    """``functionUrl`` config -> CreateFunctionUrlConfig arguments (AuthType, Cors)."""
    cors_keys = {"allowOrigins": "AllowOrigins", "allowMethods": "AllowMethods", "allowHeaders": "AllowHeaders",
                 "exposeHeaders": "ExposeHeaders", "allowCredentials": "AllowCredentials", "maxAge": "MaxAge"}
    cors = {cors_keys[k]: v for k, v in (config.get("cors") or {}).items()}
    return {"AuthType": config.get("authType", "AWS_IAM"), "Cors": cors}


def url_differs(wanted: Mapping[str, Any], current: Mapping[str, Any] | None) -> bool:
    if current is None:
        return True
    cors = {k: v for k, v in (current.get("Cors") or {}).items() if v not in (None, [], "")}
    want = {k: v for k, v in wanted["Cors"].items() if v not in (None, [], "")}
    return current.get("AuthType") != wanted["AuthType"] or _norm(cors) != _norm(want)


def _norm(cors: Mapping[str, Any]) -> dict[str, Any]:
    """CORS lists are sets to AWS (order and case of methods/headers do not matter)."""
    return {k: sorted(str(i).lower() for i in v) if isinstance(v, list) else v for k, v in cors.items()}


def invoke_request(config: Mapping[str, Any]) -> dict[str, Any]:
    """``destinations`` config -> PutFunctionEventInvokeConfig arguments."""
    request: dict[str, Any] = {"DestinationConfig": {
        key: {"Destination": config[name]} for name, key in (("onSuccess", "OnSuccess"), ("onFailure", "OnFailure"))
        if config.get(name)}}
    if "maximumRetryAttempts" in config:
        request["MaximumRetryAttempts"] = int(config["maximumRetryAttempts"])
    if "maximumEventAgeInSeconds" in config:
        request["MaximumEventAgeInSeconds"] = int(config["maximumEventAgeInSeconds"])
    return request


def invoke_differs(wanted: Mapping[str, Any], current: Mapping[str, Any] | None) -> bool:
    if current is None:
        return True
    dest = {k: (v or {}).get("Destination") for k, v in (current.get("DestinationConfig") or {}).items()}
    want = {k: v["Destination"] for k, v in wanted["DestinationConfig"].items()}
    if {k: v for k, v in dest.items() if v} != want:
        return True
    return any(current.get(k) != v for k, v in wanted.items() if k != "DestinationConfig")


def versions_to_prune(versions: list[str], protected: set[str], keep: int, limit: int = PRUNE_LIMIT) -> list[str]:
    """The oldest numbered versions beyond the newest ``keep``, never one in ``protected`` (alias targets)."""
    numbered = sorted((int(v) for v in versions if v.isdigit()), reverse=True)
    old = [str(v) for v in numbered[keep:] if str(v) not in protected]
    return sorted(old, key=int)[:limit]


# ---- applying -----------------------------------------------------------------------------------------------------
def apply_base_settings(seam: LambdaSeam, ui: UI, fn: Mapping[str, Any], found: Mapping[str, Any] | None,
                        created: bool) -> None:
    """Tags and reserved concurrency (function-wide), after the function exists. A new function got its tags
    with CreateFunction."""
    name = fn["name"]
    if not created and found is not None:
        tags = plan_tags(fn.get("tags"), found.get("Tags"))
        arn = found["Configuration"]["FunctionArn"].split(":function:")[0] + f":function:{name}"
        if tags.set:
            seam.tag(arn, tags.set)
        if tags.remove:
            seam.untag(arn, tags.remove)
        if tags:
            ui.info(f"{name}: tags " + ", ".join([f"{k}={v}" for k, v in sorted(tags.set.items())] +
                                                 [f"-{k}" for k in tags.remove]))
    concurrency = plan_concurrency(fn.get("reservedConcurrency", UNSET), found)
    if concurrency is not UNSET:
        seam.set_concurrency(name, concurrency)
        ui.info(f"{name}: reserved concurrency " + ("removed" if concurrency is None else f"{concurrency}"))


def apply_alias_settings(seam: LambdaSeam, ui: UI, fn: Mapping[str, Any]) -> None:
    """The function URL and the destinations of ``ACTIVE`` (read only when configured)."""
    name = fn["name"]
    if "functionUrl" in fn:
        _apply_url(seam, ui, name, fn["functionUrl"])
    if "destinations" in fn:
        current = seam.get_invoke_config(name)
        if fn["destinations"] is None:
            if current is not None:
                seam.delete_invoke_config(name)
                ui.info(f"{name}: destinations of {ALIAS} removed")
        else:
            wanted = invoke_request(fn["destinations"])
            if invoke_differs(wanted, current):
                seam.put_invoke_config(name, wanted)
                ui.info(f"{name}: destinations of {ALIAS} set")


def _apply_url(seam: LambdaSeam, ui: UI, name: str, config: Mapping[str, Any] | None) -> None:
    current = seam.get_url_config(name)
    if config is None:
        if current is not None:
            seam.delete_url_config(name)
            ui.info(f"{name}: function URL removed")
        return
    wanted = url_request(config)
    if url_differs(wanted, current):
        url = seam.put_url_config(name, wanted, exists=current is not None)
        if wanted["AuthType"] == "NONE" and not any(
                s.get("Sid") == URL_PERMISSION_SID for s in seam.get_policy(name)):
            seam.add_url_permission(name, URL_PERMISSION_SID)
        ui.info(f"{name}: function URL ({wanted['AuthType']}) {url}")
    elif current is not None:
        ui.info(f"{name}: function URL {current.get('FunctionUrl')}")


def prune_versions(seam: LambdaSeam, ui: UI, name: str, keep: int) -> list[str]:
    """Delete numbered versions beyond the newest ``keep`` that no alias points at; returns those deleted.

    The deploy has succeeded when this runs, so a version AWS refuses to delete (a Lambda@Edge replica, say) is a
    warning, not a failure."""
    from fink.errors import FinkError
    protected: set[str] = set()
    for alias in seam.list_aliases(name):
        protected.add(alias["FunctionVersion"])
        protected.update(((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}).keys())
    doomed = versions_to_prune([v["Version"] for v in seam.list_versions(name)], protected, keep)
    deleted = []
    for version in doomed:
        try:
            seam.delete_version(name, version)
            deleted.append(version)
        except FinkError as error:
            ui.warn(f"{name}: could not delete old version {version}: {error.message}")
            break
    if deleted:
        ui.info(f"{name}: removed {len(deleted)} old version(s) ({deleted[0]}..{deleted[-1]}); keeping the newest "
                f"{keep} and every version an alias points at")
    return deleted
