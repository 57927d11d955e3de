"""The commands of the ``api`` tool (``def command(context, config) -> int | None``).

Each one reads what it needs through the seams, lets the pure modules decide and render, and reports through the
UI. botocore is imported only inside the seams, when a command runs.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

from fink.errors import ConfigError
from fink.render import iso_utc, table
from fink.ui import UI

from . import swagger
from .deploy import Services, deploy_api, ensure_custom_domain, find_api, services_of, urls

__all__ = ["deploy", "delete", "export", "list_apis", "apikey_create", "apikey_list", "apikey_delete",
           "custom_domain_create", "EXPORT_FILE"]

EXPORT_FILE = "swagger_export.yaml"


def _existing_api_id(s: Services, api: Mapping[str, Any]) -> str:
    found = find_api(s.apigw, api["name"])
    if not found:
        raise ConfigError(f"REST API '{api['name']}' does not exist.", hint="Run `api deploy` first.")
    return found["id"]


def deploy(context: dict, config: dict) -> int:
    ui: UI = context["_ui"]
    s = services_of(context)
    api_id = deploy_api(context, config, s)
    ui.success(f"REST API {config['api']['name']} ({api_id}) deployed to stage {config['api']['targetStage']}.")
    for url in urls(config, api_id, s.region):
        ui.print(url)
    return 0


def delete(context: dict, config: dict) -> int:
    ui: UI = context["_ui"]
    s = services_of(context)
    api = config["api"]
    found = find_api(s.apigw, api["name"])
    if not found:
        ui.info(f"REST API '{api['name']}' does not exist: nothing to delete.")
        return 0
    domain = config.get("customDomain")
    if domain and s.apigw.domain(domain["domainName"]):
        for mapping in s.apigw.base_path_mappings(domain["domainName"]):
            if mapping.get("restApiId") == found["id"]:
                ui.info(f"Removing base path '{mapping['basePath']}' of {domain['domainName']}")
                s.apigw.delete_base_path(domain["domainName"], mapping["basePath"])
    s.apigw.delete_api(found["id"])
    ui.success(f"Deleted REST API {api['name']} ({found['id']}).")
    return 0


def _export_kind() -> str:
    if os.path.isfile(swagger.SWAGGER_FILE):
        with open(swagger.SWAGGER_FILE, encoding="utf-8") as fh:
            try:
                return swagger.spec_kind(swagger.load_definition(fh.read()))
            except ConfigError:
                pass
    return "oas30"


def export(context: dict, config: dict) -> int:
    import yaml
    ui: UI = context["_ui"]
    s = services_of(context)
    api = config["api"]
    api_id = _existing_api_id(s, api)
    body = s.apigw.export(api_id, api["targetStage"], _export_kind())
    document = yaml.safe_load(body.decode("utf-8"))
    path = os.path.abspath(EXPORT_FILE)
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(document, fh, sort_keys=False, allow_unicode=True)
    ui.print(f"Exported REST API {api['name']} ({api_id}), stage {api['targetStage']}, to {path}")
    return 0


def _api_row(api: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": api["id"], "name": api.get("name", ""), "description": api.get("description", ""),
            "created": iso_utc(api.get("createdDate"))}


def _show_rows(context: Mapping[str, Any], rows: list[dict[str, Any]], columns: dict[str, str], empty: str) -> None:
    """Rows sorted by name and id: JSON with ``--json``, else a table with ``columns`` (heading -> row key)."""
    ui: UI = context["_ui"]
    rows = sorted(rows, key=lambda r: (r["name"], r["id"]))
    if context["_arguments"].get("--json"):
        ui.json(rows)
    elif not rows:
        ui.info(empty)
    else:
        ui.print(table(list(columns), [[r[key] for key in columns.values()] for r in rows]))


def list_apis(context: dict, config: dict) -> int:
    rows = [_api_row(a) for a in services_of(context).apigw.list_apis()]
    _show_rows(context, rows, {"NAME": "name", "ID": "id", "DESCRIPTION": "description", "CREATED": "created"},
               "No REST APIs.")
    return 0


def apikey_create(context: dict, config: dict) -> int:
    """The key's value is printed once, on purpose: the user needs it to call the API."""
    ui: UI = context["_ui"]
    name = context["_arguments"]["<keyname>"]
    api_name = ((config or {}).get("api") or {}).get("name")
    description = f"Created by fink api for {api_name}" if api_name else "Created by fink api"
    key = services_of(context).apigw.create_api_key(name, description)
    ui.success(f"Created API key {name}.")
    ui.print(f"id:    {key['id']}")
    ui.print(f"value: {key['value']}")
    ui.print(f'Add this line to the "api" part of the api section of your fink_<env> config: "apiKey": "{key["id"]}"')
    return 0


def _key_row(key: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": key["id"], "name": key.get("name", ""), "enabled": bool(key.get("enabled")),
            "description": key.get("description", ""), "created": iso_utc(key.get("createdDate"))}


def apikey_list(context: dict, config: dict) -> int:
    rows = [_key_row(k) for k in services_of(context).apigw.list_api_keys()]
    _show_rows(context, rows, {"NAME": "name", "ID": "id", "ENABLED": "enabled", "DESCRIPTION": "description",
                               "CREATED": "created"}, "No API keys.")
    return 0


def apikey_delete(context: dict, config: dict) -> int:
    ui: UI = context["_ui"]
    key_id = config["api"].get("apiKey")
    if not key_id:
        raise ConfigError("No API key configured (api.apiKey): nothing to delete.")
    apigw = services_of(context).apigw
    if apigw.api_key(key_id) is None:
        ui.info(f"API key {key_id} does not exist: nothing to delete.")
        return 0
    apigw.delete_api_key(key_id)
    ui.success(f"Deleted API key {key_id}. Remove api.apiKey from your config.")
    return 0


def custom_domain_create(context: dict, config: dict) -> int:
    ui: UI = context["_ui"]
    domain = config.get("customDomain")
    if not domain:
        raise ConfigError("No customDomain section in the api config.",
                          hint="Add customDomain (domainName, certificateName, certificateArn, basePath, "
                               "hostedDomainZoneId, route53Record) to the api section.")
    s = services_of(context)
    api = config["api"]
    api_id = _existing_api_id(s, api)
    changes = ensure_custom_domain(s, domain, api_id, api["targetStage"], ui)
    ui.success(f"Custom domain {domain['domainName']} is set up" + ("" if changes else " (no changes)") + ".")
    ui.print(urls(config, api_id, s.region)[-1])
    return 0
