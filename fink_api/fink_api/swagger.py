"""Filling the swagger/OpenAPI definition: fink's placeholders replaced by the values of this deploy.

Pure code (no AWS, no files). ``swagger.yaml`` may contain placeholders ``{{ name }}`` inside string values (and
keys): ``api.name``, ``api.description``, ``api.stage``, ``api.basePath``, ``api.host`` and ``lambda.<swaggerRef>``
for each lambda entry with a ``swaggerRef``. The document is parsed first and the placeholders are replaced in the
parsed strings, so a value never breaks the YAML quoting; a string that is nothing but a placeholder becomes the
value itself. References fink cannot fill are an error naming every one of them.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping

from fink.errors import ConfigError

__all__ = ["PLACEHOLDER", "SWAGGER_FILE", "load_definition", "spec_kind", "references", "fill", "dump",
           "lambda_uri", "fill_values", "check_references"]

SWAGGER_FILE = "swagger.yaml"
PLACEHOLDER = re.compile(r"{{\s*([^{}\s]*)\s*}}")
API_NAMES = ("api.name", "api.description", "api.stage", "api.basePath", "api.host")


def load_definition(text: str, filename: str = SWAGGER_FILE) -> dict[str, Any]:
    """Parse a swagger/OpenAPI document (YAML or JSON)."""
    from fink.loaders import load_yaml
    try:
        doc = load_yaml(text, filename)
    except ConfigError as exc:
        if re.search(r":\s*{{", text) and "invalid YAML" in exc.message:
            raise ConfigError(exc.message, hint='Quote values that start with a placeholder, e.g. title: '
                                                '"{{ api.name }}".') from exc
        raise
    if not isinstance(doc, dict):
        raise ConfigError(f"{filename} must contain a swagger/OpenAPI document (a mapping), not {type(doc).__name__}.")
    spec_kind(doc, filename)
    return doc


def spec_kind(doc: Mapping[str, Any], filename: str = SWAGGER_FILE) -> str:
    """``swagger`` for Swagger 2.0, ``oas30`` for OpenAPI 3.x (the names API Gateway's export uses)."""
    if str(doc.get("swagger", "")).startswith("2."):
        return "swagger"
    if str(doc.get("openapi", "")).startswith("3."):
        return "oas30"
    raise ConfigError(f"{filename} is neither Swagger 2.0 nor OpenAPI 3: it needs 'swagger: \"2.0\"' or "
                      "'openapi: 3.0.1' at the top.")


def _strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def references(doc: Any) -> set[str]:
    """Every placeholder name used in ``doc``."""
    return {m.group(1) for text in _strings(doc) for m in PLACEHOLDER.finditer(text)}


def check_references(doc: Any, values: Mapping[str, str], filename: str = SWAGGER_FILE) -> None:
    """Raise one error naming every reference that ``values`` cannot fill."""
    missing = sorted(references(doc) - set(values))
    if missing:
        names = ", ".join("{{ %s }}" % name for name in missing)
        available = ", ".join(sorted(values)) or "none"
        raise ConfigError(f"{filename} refers to values fink cannot fill: {names}",
                          hint=f"Available: {available}. Lambda references come from api.lambda.entries[].swaggerRef.")


def _fill_text(text: str, values: Mapping[str, str]) -> str:
    whole = PLACEHOLDER.fullmatch(text)
    if whole:
        return values[whole.group(1)]
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def _fill_node(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return _fill_text(node, values)
    if isinstance(node, Mapping):
        return {_fill_node(k, values): _fill_node(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill_node(item, values) for item in node]
    return node


def fill(doc: Any, values: Mapping[str, str], filename: str = SWAGGER_FILE) -> Any:
    """A copy of ``doc`` with every placeholder replaced; unknown or unfilled references raise ConfigError."""
    check_references(doc, values, filename)
    return _fill_node(doc, values)


def dump(doc: Any) -> str:
    """The body sent to API Gateway (and pinned by golden files): JSON, key order kept."""
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def lambda_uri(region: str, alias_arn: str) -> str:
    """The integration URI API Gateway uses to invoke a Lambda alias."""
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{alias_arn}/invocations"


def fill_values(api: Mapping[str, Any], custom_domain: Mapping[str, Any] | None, host: str | None,
                lambda_uris: Mapping[str, str]) -> dict[str, str]:
    """The values a deploy offers. ``host``/``basePath`` are the public ones: the custom domain when configured,
    else the execute-api host (``None`` while the API does not exist yet) and the stage."""
    values = {"api.name": api["name"], "api.description": api.get("description", ""),
              "api.stage": api["targetStage"]}
    if custom_domain:
        values["api.host"] = custom_domain["domainName"]
        values["api.basePath"] = custom_domain.get("basePath", "")
    else:
        values["api.basePath"] = api["targetStage"]
        if host:
            values["api.host"] = host
    values.update({f"lambda.{ref}": uri for ref, uri in lambda_uris.items()})
    return values
