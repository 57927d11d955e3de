"""``api deploy`` and ``api custom-domain-create``: read remote state, plan with ``fink_api.plan``, show, execute.

The definition goes first (it yields the API id); then, with the id known, the Lambda permissions, a deployment
with the stage settings, the usage plan for the API key and the custom domain. Every part is idempotent: the
deployment's description carries a fingerprint of the definition and the stage settings, so a second deploy with
the same swagger.yaml and config changes nothing at all.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from fink.errors import ConfigError, FinkError
from fink.ui import UI

from . import plan as p
from . import swagger
from .apigateway import ApiGateway
from .awslambda import LambdaAliases
from .route53 import Route53Records

__all__ = ["Services", "services_of", "find_api", "deploy_api", "ensure_custom_domain", "execute", "urls"]


@dataclass
class Services:
    """The seams a deploy works through (handed in, so tests can stub them)."""

    apigw: ApiGateway
    lambdas: LambdaAliases
    route53: Route53Records
    region: str


def services_of(context: Mapping[str, Any]) -> Services:
    awsclient = context["_awsclient"]
    return Services(ApiGateway(awsclient), LambdaAliases(awsclient), Route53Records(awsclient), awsclient.region)


def find_api(apigw: ApiGateway, name: str) -> dict | None:
    """The REST API named ``name`` (all pages); two with that name is an error listing their ids."""
    found = apigw.apis_named(name)
    if len(found) > 1:
        ids = ", ".join(sorted(a["id"] for a in found))
        raise FinkError(f"There are {len(found)} REST APIs named '{name}': {ids}.",
                        hint="Delete the ones you do not need (aws apigateway delete-rest-api --rest-api-id ID).")
    return found[0] if found else None


# ---- executing actions ----------------------------------------------------------------------------------------------
def _executors(s: Services) -> dict[str, Any]:
    return {
        "add_permission": lambda a: s.lambdas.add_permission(a["function"], a["alias"], a["statement_id"],
                                                             a["source_arn"]),
        "create_usage_plan": lambda a: s.apigw.create_usage_plan(a["name"], a["api_id"], a["stage"], a["key_id"]),
        "add_plan_stage": lambda a: s.apigw.add_plan_stage(a["plan_id"], a["api_id"], a["stage"]),
        "add_plan_key": lambda a: s.apigw.add_plan_key(a["plan_id"], a["key_id"]),
        "create_domain": lambda a: s.apigw.create_domain(a["domain_name"], a["certificate_name"],
                                                         a["certificate_arn"]),
        "update_domain": lambda a: s.apigw.update_domain(a["domain_name"], a["patch_ops"]),
        "create_base_path": lambda a: s.apigw.create_base_path(a["domain_name"], a["base_path"], a["api_id"],
                                                               a["stage"]),
        "update_base_path": lambda a: s.apigw.update_base_path(a["domain_name"], a["base_path"], a["patch_ops"]),
        "upsert_record": lambda a: s.route53.upsert(a["zone_id"], a["record"], a.get("replaces")),
    }


def execute(actions: Iterable[p.Action], services: Services, ui: UI, changes: Any = None) -> int:
    """Show and run each action in order (recorded in ``changes``, a fink.progress.Changes); returns how many ran."""
    executors = _executors(services)
    count = 0
    for action in actions:
        ui.info(action.description)
        executors[action.kind](action.params)
        if changes is not None:
            changes.record(action.description[:1].lower() + action.description[1:])
        count += 1
    return count


# ---- the definition -------------------------------------------------------------------------------------------------
def read_definition(folder: str = ".") -> tuple[dict, str]:
    path = os.path.join(folder, swagger.SWAGGER_FILE)
    if not os.path.isfile(path):
        raise ConfigError(f"No {swagger.SWAGGER_FILE} in {os.path.abspath(folder)}.",
                          hint="api deploy reads the API definition (Swagger 2.0 or OpenAPI 3) from swagger.yaml.")
    from fink.loaders import read_text
    return swagger.load_definition(read_text(path)), path


def _alias_arns(lambdas: LambdaAliases, entries: list[Mapping[str, str]]) -> dict[tuple[str, str], str]:
    return {(e["name"], e["alias"]): lambdas.alias_arn(e["name"], e["alias"]) for e in entries}


def _host(api_id: str | None, region: str) -> str | None:
    return f"{api_id}.execute-api.{region}.amazonaws.com" if api_id else None


def fingerprint(body: str, api: Mapping[str, Any]) -> str:
    """What a deployment serves: the filled definition, the stage and its settings."""
    data = json.dumps({"body": body, "stage": api["targetStage"], "settings": p.stage_ops(api)}, sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def _put_definition(s: Services, config: Mapping[str, Any], doc: dict, existing: dict | None,
                    arns: Mapping[tuple[str, str], str], ui: UI) -> tuple[str, str | None]:
    """Import or overwrite the API; returns its id and the fingerprint to deploy (``None``: the stage already
    serves exactly this). A new API whose definition needs its own host is created empty first, so that the host
    (which contains the id) can be filled in."""
    api, domain = config["api"], config.get("customDomain")
    entries = (config.get("lambda") or {}).get("entries") or []
    uris = {e["swaggerRef"]: swagger.lambda_uri(s.region, arns[(e["name"], e["alias"])])
            for e in entries if e.get("swaggerRef")}
    api_id = existing["id"] if existing else None
    pending = swagger.fill_values(api, domain, _host(api_id, s.region) or "<new api>", uris)
    swagger.check_references(doc, pending)  # every reference is known before anything changes
    created_empty = None
    if api_id is None and "api.host" in swagger.references(doc) and not domain:
        ui.info(f"Creating REST API {api['name']} (its host is needed in swagger.yaml)")
        api_id = created_empty = s.apigw.create_api(api["name"], api.get("description", ""))["id"]
    body = swagger.dump(swagger.fill(doc, swagger.fill_values(api, domain, _host(api_id, s.region), uris)))
    wanted = fingerprint(body, api)
    if api_id is None:
        ui.info(f"Creating REST API {api['name']} from swagger.yaml")
        return s.apigw.import_api(body, api["name"])["id"], wanted
    if existing and s.apigw.deployed_fingerprint(api_id, api["targetStage"]) == wanted:
        ui.info(f"REST API {api['name']} ({api_id}): stage {api['targetStage']} already serves this definition "
                "and these settings")
        return api_id, None
    ui.info(f"Updating REST API {api['name']} ({api_id}) from swagger.yaml")
    try:
        s.apigw.overwrite_api(api_id, body)
    except BaseException:  # the empty API created above must not stay behind
        if created_empty:
            _delete_quietly(s, created_empty, ui)
        raise
    return api_id, wanted


def _delete_quietly(s: Services, api_id: str, ui: UI) -> None:
    try:
        s.apigw.delete_api(api_id)
        ui.info(f"Deleted the empty REST API {api_id} created by this run.")
    except FinkError as error:
        ui.warn(f"Could not delete the empty REST API {api_id} created by this run: {error.message} "
                f"Delete it with `aws apigateway delete-rest-api --rest-api-id {api_id}`.")


# ---- after the definition -------------------------------------------------------------------------------------------
def _permission_actions(s: Services, entries: list[Mapping[str, str]], arns: Mapping[tuple[str, str], str],
                        api_id: str) -> list[p.Action]:
    actions: list[p.Action] = []
    for entry in entries:
        account = arns[(entry["name"], entry["alias"])].split(":")[4]
        arn = p.source_arn(s.region, account, api_id)
        actions += p.plan_permission(entry, s.lambdas.policy(entry["name"], entry["alias"]), arn, api_id)
    return actions


def _deploy_stage(s: Services, context: Mapping[str, Any], api: Mapping[str, Any], api_id: str, ui: UI,
                  changes: Any, served: str) -> None:
    stage = api["targetStage"]
    ui.info(f"Deploying to stage {stage}")
    s.apigw.create_deployment(api_id, stage, f"Deployed by {context.get('user') or 'fink'} with fink api "
                                             f"[fink:{served}]")
    changes.record(f"deployed to stage {stage}", completes="deploy to the stage")
    ops = p.stage_ops(api)
    ui.debug(f"Stage patch operations: {ops}")
    s.apigw.update_stage(api_id, stage, ops)
    changes.record("applied the stage settings", completes="apply the stage settings")


def _check_api_key(s: Services, api: Mapping[str, Any]) -> None:
    """The configured API key must exist: checked before the first change."""
    key_id = api.get("apiKey")
    if key_id and s.apigw.api_key(key_id) is None:
        raise ConfigError(f"API key {key_id} (api.apiKey) does not exist.",
                          hint="Create one with `api apikey-create <keyname>` and put its id into api.apiKey.")


def _usage_plan_actions(s: Services, api: Mapping[str, Any], api_id: str) -> list[p.Action]:
    key_id = api.get("apiKey")
    if not key_id:
        return []
    name = p.usage_plan_name(api["name"], api["targetStage"])
    plan = s.apigw.usage_plan_named(name)
    keys = s.apigw.usage_plan_key_ids(plan["id"]) if plan else []
    return list(p.plan_usage_plan(plan, keys, name=name, api_id=api_id, stage=api["targetStage"], key_id=key_id))


def ensure_custom_domain(s: Services, domain: Mapping[str, Any], api_id: str, stage: str, ui: UI,
                         progress: Any = None) -> int:
    """Domain with certificate, base path mapping and DNS record; returns the number of changes."""
    name = domain["domainName"]
    current = s.apigw.domain(name)
    changes = execute(p.plan_domain(current, domain), s, ui, progress)
    mappings = s.apigw.base_path_mappings(name) if current else []  # a new domain has no mappings yet
    changes += execute(p.plan_base_path(mappings, name, domain["basePath"], api_id, stage), s, ui, progress)
    wanted = p.record_for(domain["route53Record"], s.apigw.domain(name) or {})
    zone = domain["hostedDomainZoneId"]
    record = s.route53.record(zone, wanted["Name"], wanted["Type"])
    cname = s.route53.record(zone, wanted["Name"], "CNAME") if wanted["Type"] != "CNAME" else None
    changes += execute(p.plan_record(record, wanted, zone, cname), s, ui, progress)
    return changes


def urls(config: Mapping[str, Any], api_id: str, region: str) -> list[str]:
    api, domain = config["api"], config.get("customDomain")
    result = [p.invoke_url(api_id, region, api["targetStage"])]
    if domain:
        result.append(p.domain_url(domain["domainName"], domain["basePath"]))
    return result


def deploy_api(context: Mapping[str, Any], config: Mapping[str, Any], s: Services) -> str:
    """The whole deploy; returns the API id."""
    ui: UI = context["_ui"]
    api = config["api"]
    entries = list((config.get("lambda") or {}).get("entries") or [])
    doc, _ = read_definition()
    existing = find_api(s.apigw, api["name"])
    arns = _alias_arns(s.lambdas, entries)
    _check_api_key(s, api)  # everything named in the config is resolved before the first change
    from fink.progress import changes_so_far
    pending = ["deploy to the stage", "apply the stage settings"] + (["set up the API key's usage plan"]
                                                                    if api.get("apiKey") else []) + (
        ["set up the custom domain"] if config.get("customDomain") else [])
    with changes_so_far(ui, "api deploy", pending) as changes:
        api_id, served = _put_definition(s, config, doc, existing, arns, ui)
        if served is not None:
            changes.record(f"{'updated' if existing else 'created'} REST API {api['name']} ({api_id})")
        execute(_permission_actions(s, entries, arns, api_id), s, ui, changes)
        if served is not None:
            _deploy_stage(s, context, api, api_id, ui, changes, served)
        else:
            changes.complete("deploy to the stage")
            changes.complete("apply the stage settings")
        execute(_usage_plan_actions(s, api, api_id), s, ui, changes)
        changes.complete("set up the API key's usage plan")
        if config.get("customDomain"):
            ensure_custom_domain(s, config["customDomain"], api_id, api["targetStage"], ui, changes)
            changes.complete("set up the custom domain")
    return api_id
