"""Configuration rules as small pure functions: merging, schema defaults and validation.

Every tool and plugin ships a JSON Schema (YAML) for its section. Declared defaults are filled in before
validation (the user's values win); validation reports *all* errors at once, each with its path.

Cost rules: YAML is parsed with libyaml's C loader where PyYAML has it (:func:`yaml_load`); each schema file is
parsed once per process and each schema's compiled validator is built once per process. Cached schemas are shared:
treat what :func:`load_schema` returns as read-only. Across processes, the start-up cache (:mod:`fink.diskcache`)
keeps each parsed schema (used only for a file of the same content: a digest of both is checked), so PyYAML is imported only when a
schema file changed. A valid section is recognised by :func:`fink.schema_check.surely_valid`; jsonschema is
imported, and its validator built, only to word the errors of an invalid one.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from .errors import ConfigError, FinkError

__all__ = ["SectionSchema", "deep_merge", "schema_file", "load_schema", "fill_defaults", "validation_errors", "validate_sections",
           "get_path", "yaml_load"]

_SCHEMAS: dict[Path, dict[str, Any]] = {}         # schema file -> parsed schema (parsed once per process)
_VALIDATORS: dict[int, tuple[Any, Any]] = {}       # id(schema) -> (schema, its compiled validator)
_DISK: list[Any] = []                              # [JsonCache, its content] once read in this process


@dataclass(frozen=True)
class SectionSchema:
    """The schema of one config section, e.g. path ``("cloud",)`` or ``("plugins", "fink_lookups")``."""

    path: tuple[str, ...]
    schema: Mapping[str, Any]
    owner: str  # the tool or plugin that ships it

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A new dict: ``override`` wins; dicts merge recursively, lists and scalars replace."""
    result = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def get_path(config: Mapping[str, Any], path: Iterable[str]) -> Any:
    node: Any = config
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def schema_file(anchor: str, resource: str) -> Path:
    """The schema file ``resource`` next to the module ``anchor`` (a package or any module inside it).

    Tools anchor their schema on their own ``cli`` module (``schema=(__name__, "schema.yaml")``): a module's file
    is where it is, even when a folder of the package's name in the working directory shadows the package as a
    namespace package (running from this repository's root, ``fink_code/`` shadows ``fink_code/fink_code/``)."""
    import importlib
    module = importlib.import_module(anchor)
    origin = getattr(module, "__file__", None)
    if origin:
        return Path(origin).parent / resource
    from importlib import resources  # a namespace package: look in its portions
    return Path(str(resources.files(anchor).joinpath(resource)))


def yaml_load(text: str) -> Any:
    """``yaml.safe_load`` with libyaml's C loader when PyYAML was built with it (several times faster)."""
    import yaml
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (a safe loader)


def load_schema(anchor: str, resource: str) -> dict[str, Any]:
    """Read the schema file ``resource`` shipped next to the module ``anchor`` (see :func:`schema_file`);
    each file is parsed once per process (the result is shared: do not change it)."""
    path = schema_file(anchor, resource)
    if path in _SCHEMAS:
        return _SCHEMAS[path]
    if not path.is_file():
        raise FinkError(f"Schema file {resource} of {anchor} not found (looked in {path.parent}).",
                        hint=f"Reinstall the distribution that ships {anchor}; if a folder named "
                             f"'{anchor.split('.')[0]}' is in the working directory, run from another folder.")
    content = path.read_bytes()
    schema = _cached_schema(path, content)
    if schema is None:
        schema = yaml_load(content.decode("utf-8"))
        _remember_schema(path, content, schema)
    _SCHEMAS[path] = schema
    return schema


# ---- the start-up cache (see fink.diskcache) ----------------------------------------------------------------------
def _disk() -> dict[str, Any]:
    """The config part of the start-up cache (parsed schemas), read once per process; emptied when the installed
    distributions changed since it was written."""
    from .diskcache import JsonCache, environment_fingerprint
    cache = JsonCache("config")
    if not _DISK or (_DISK[0].path, _DISK[0].enabled) != (cache.path, cache.enabled):
        fingerprint = environment_fingerprint() if cache.enabled else None
        data = cache.load()
        if data.get("fingerprint") != fingerprint or not isinstance(data.get("schemas"), dict):
            data = {"fingerprint": fingerprint, "schemas": {}}
        _DISK[:] = [cache, data]
    return _DISK[1]


def _save_disk() -> None:
    if _DISK:
        _DISK[0].save(_DISK[1])


def _digests(content: bytes, schema: Any) -> tuple[str, str]:
    """The digest of a schema file's content, and one that ties a parsed schema to it (so a cached schema
    that was edited, or belongs to other content, is not used)."""
    import hashlib
    source = hashlib.sha256(content).hexdigest()
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return source, hashlib.sha256(f"{source}\n{canonical}".encode("utf-8")).hexdigest()


def _cached_schema(path: Path, content: bytes) -> dict[str, Any] | None:
    entry = _disk()["schemas"].get(str(path)) if _disk_enabled() else None
    if not isinstance(entry, dict) or not isinstance(entry.get("schema"), dict):
        return None
    try:
        if [entry.get("source"), entry.get("check")] == list(_digests(content, entry["schema"])):
            return entry["schema"]
    except (TypeError, ValueError, RecursionError):  # not JSON data: parse the file
        pass
    return None


def _remember_schema(path: Path, content: bytes, schema: Any) -> None:
    if _disk_enabled() and _json_exact(schema):
        source, check = _digests(content, schema)
        _disk()["schemas"][str(path)] = {"source": source, "check": check, "schema": schema}
        _save_disk()


def _disk_enabled() -> bool:
    from .diskcache import enabled
    return enabled()


def _json_exact(value: Any) -> bool:
    """``value`` is made of JSON's own types only (no tuple, set, subclass, non-string key or NaN), so it is
    stored and read back unchanged."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _json_exact(v) for k, v in value.items())
    if kind is list:
        return all(_json_exact(v) for v in value)
    if kind is float:
        return value == value and value not in (float("inf"), float("-inf"))
    return kind in (str, int, bool) or value is None


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (``#/$defs/name``); sibling keys of the ``$ref`` win."""
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = root
    for part in ref[2:].split("/"):
        target = target.get(part, {}) if isinstance(target, Mapping) else {}
    return {**_resolve(target, root), **{k: v for k, v in node.items() if k != "$ref"}}


def _defaults_of(schema: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    """The defaults a schema declares for an object that is absent: its required object properties' defaults."""
    out: dict[str, Any] = {}
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(prop, root)
        if "default" in prop:
            out[name] = copy.deepcopy(prop["default"])
        elif prop.get("type") == "object" and (name in required or name == "defaults"):
            nested = _defaults_of(prop, root)
            if nested:
                out[name] = nested
    return out


def fill_defaults(instance: Mapping[str, Any], schema: Mapping[str, Any],
                  root: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``instance`` with the schema's defaults filled in where the user set nothing.

    Objects are filled at every depth, including objects inside lists; local ``$ref``s are followed."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    result = deep_merge(_defaults_of(schema, root), instance)
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(prop, root)
        if isinstance(result.get(name), Mapping) and prop.get("type") == "object":
            result[name] = fill_defaults(result[name], prop, root)
        elif isinstance(result.get(name), list) and isinstance(prop.get("items"), Mapping):
            items = _resolve(prop["items"], root)
            if items.get("type") == "object":
                result[name] = [fill_defaults(i, items, root) if isinstance(i, Mapping) else i
                                for i in result[name]]
    return result


def _format_error(prefix: str, error: Any) -> str:
    path = ".".join([prefix] + [str(p) for p in error.absolute_path])
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(k for k in error.instance if k not in allowed)
        return (f"{path}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(repr(k) for k in unknown)} "
                f"(allowed: {', '.join(allowed)})")
    return f"{path}: {error.message}"


def _validator(schema: Mapping[str, Any]) -> Any:
    """The compiled validator of ``schema``, built once per process (the cache keeps the schema alive, so its
    id is not reused by another object)."""
    cached = _VALIDATORS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    import jsonschema
    validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = validator_cls(schema)
    if len(_VALIDATORS) >= 256:  # schemas built on the fly (tests, plugins) must not pile up
        _VALIDATORS.clear()
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def validation_errors(instance: Any, schema: Mapping[str, Any], prefix: str) -> list[str]:
    """Every schema violation of ``instance`` as ``path: message`` lines, sorted by path."""
    from .schema_check import surely_valid
    if surely_valid(instance, schema):  # the common case, without importing jsonschema
        return []
    validator = _validator(schema)
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    except RecursionError:  # a value that contains itself (config files are refused earlier, in fink.loaders)
        return [f"{prefix}: a value contains itself or is nested too deeply to be checked"]
    return [_format_error(prefix, e) for e in errors]


def validate_sections(config: Mapping[str, Any], schemas: Iterable[SectionSchema]) -> None:
    """Validate each present section (unless its ``defaults.validate`` is false); raise all errors at once."""
    problems: list[str] = []
    for section in schemas:
        instance = get_path(config, section.path)
        if instance is None:
            continue
        if isinstance(instance, Mapping) and get_path(instance, ("defaults", "validate")) is False:
            continue
        problems.extend(validation_errors(instance, section.schema, section.dotted))
    if problems:
        count = f"{len(problems)} error{'s' if len(problems) > 1 else ''}"
        raise ConfigError(f"Configuration is invalid ({count}):\n" + "\n".join(f"  {p}" for p in problems),
                          hint="Fix the values above in your fink_<env> config file.")
