"""A quick JSON Schema check that can only say "valid", so jsonschema is imported only to explain an error.

Importing jsonschema (with referencing, attrs and rpds) and building a validator costs more CPU than everything
else fink does before its first AWS call, and almost every run's config is valid. :func:`surely_valid` checks a
config section against its schema with the keywords fink's schemas use (Draft 2020-12 semantics, as jsonschema
applies them without a format checker) and answers True only when the section is valid. Everything else (a
violation, a keyword it does not know, a value that is not plain JSON, another ``$schema`` dialect) answers False:
then jsonschema validates and words the errors, exactly as without this module.

Rule: a True answer must be one jsonschema agrees with (tests/config/test_config_quick_check.py compares both on
generated configs). Where the semantics are subtle, this module is stricter than jsonschema (``enum``/``const``
compare types too; ``uniqueItems`` only for strings), never looser: a stricter answer only costs the jsonschema run.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

__all__ = ["surely_valid", "DIALECTS"]

#: the ``$schema`` values whose semantics this check follows (none given: fink validates with Draft 2020-12)
DIALECTS = frozenset({None, "https://json-schema.org/draft/2020-12/schema",
                      "https://json-schema.org/draft/2020-12/schema#"})

#: keywords that never make an instance invalid (annotations, and containers that are only reached by ``$ref``)
_ANNOTATIONS = frozenset({"$schema", "$comment", "$defs", "definitions", "title", "description", "default",
                          "examples", "deprecated", "readOnly", "writeOnly", "format", "contentMediaType",
                          "contentEncoding", "contentSchema"})


class _Unknown(Exception):
    """The check cannot decide (a keyword or ``$ref`` it does not follow): jsonschema decides."""


def surely_valid(instance: Any, schema: Any) -> bool:
    """True only when ``instance`` is valid against ``schema`` (see the module's rule); never raises."""
    try:
        if not isinstance(schema, Mapping) or schema.get("$schema") not in DIALECTS or not _plain(instance):
            return False
        return _valid(instance, schema, schema)
    except Exception:  # _Unknown, a malformed schema, a bad pattern, a value that contains itself or nests too
        return False   # deep (RecursionError): jsonschema decides (and explains)


def _plain(value: Any) -> bool:
    """JSON's own types only (what a JSON or YAML config holds): no tuple, set, subclass or non-string key."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return kind in (str, int, float, bool) or value is None


def _valid(instance: Any, schema: Any, root: Mapping[str, Any]) -> bool:
    if schema is True:
        return True
    if schema is False or not isinstance(schema, Mapping):
        return False if schema is False else _raise()
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword.startswith("x-"):
            continue
        check = _KEYWORDS.get(keyword)
        if check is None:
            raise _Unknown(keyword)
        if not check(instance, value, schema, root):
            return False
    return True


def _raise() -> bool:
    raise _Unknown("schema")


# ---- one function per keyword: (instance, keyword's value, the schema holding it, root schema) -> valid? -------
def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
}


def _type(instance: Any, value: Any, _schema: Any, _root: Any) -> bool:
    names = value if isinstance(value, list) else [value]
    if not all(isinstance(name, str) and name in _TYPES for name in names):
        raise _Unknown("type")
    return any(_TYPES[name](instance) for name in names)


def _properties(instance: Any, value: Any, _schema: Any, root: Any) -> bool:
    if type(instance) is not dict:
        return True
    return all(_valid(instance[name], sub, root) for name, sub in value.items() if name in instance)


def _pattern_properties(instance: Any, value: Any, _schema: Any, root: Any) -> bool:
    if type(instance) is not dict:
        return True
    return all(_valid(item, sub, root) for pattern, sub in value.items()
               for key, item in instance.items() if re.search(pattern, key))


def _additional(instance: Any, value: Any, schema: Mapping[str, Any], root: Any) -> bool:
    if type(instance) is not dict:
        return True
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extra = [k for k in instance if k not in known and not any(re.search(p, k) for p in patterns)]
    return all(_valid(instance[k], value, root) for k in extra)


def _required(instance: Any, value: Any, _schema: Any, _root: Any) -> bool:
    if type(value) is not list:
        raise _Unknown("required")
    return type(instance) is not dict or all(name in instance for name in value)


def _property_names(instance: Any, value: Any, _schema: Any, root: Any) -> bool:
    return type(instance) is not dict or all(_valid(name, value, root) for name in instance)


def _items(instance: Any, value: Any, schema: Mapping[str, Any], root: Any) -> bool:
    if "prefixItems" in schema or not isinstance(value, (Mapping, bool)):
        raise _Unknown("items")
    return type(instance) is not list or all(_valid(item, value, root) for item in instance)


def _unique(instance: Any, value: Any, _schema: Any, _root: Any) -> bool:
    if type(instance) is not list or not value or len(instance) < 2:
        return True
    if not all(type(item) is str for item in instance):
        raise _Unknown("uniqueItems")  # jsonschema's equality of mixed values (1 == 1.0, True != 1) is its own
    return len(set(instance)) == len(instance)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same JSON types all through (stricter than jsonschema's equality)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _enum(instance: Any, value: Any, _schema: Any, _root: Any) -> bool:
    return any(_same(instance, option) for option in value)


def _const(instance: Any, value: Any, _schema: Any, _root: Any) -> bool:
    return _same(instance, value)


def _bound(test: Callable[[Any, Any], bool], applies: Callable[[Any], bool]) -> Callable[..., bool]:
    def check(instance: Any, value: Any, _schema: Any, _root: Any) -> bool:
        if not _is_number(value):
            raise _Unknown("bound")
        return not applies(instance) or test(instance, value)
    return check


def _string_length(instance: Any) -> bool:
    return type(instance) is str


def _sized(kind: type) -> Callable[[Any], bool]:
    return lambda instance: type(instance) is kind


def _pattern(instance: Any, value: Any, _schema: Any, _root: Any) -> bool:
    return type(instance) is not str or re.search(value, instance) is not None


def _ref(instance: Any, value: Any, _schema: Any, root: Mapping[str, Any]) -> bool:
    """A local ``$ref`` (``#/$defs/name``); in Draft 2020-12 the sibling keywords apply as well."""
    if not isinstance(value, str) or not value.startswith("#/"):
        raise _Unknown("$ref")
    target: Any = root
    for part in value[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, Mapping) or part not in target:
            raise _Unknown("$ref")
        target = target[part]
    return _valid(instance, target, root)


def _all_of(instance: Any, value: Any, _schema: Any, root: Any) -> bool:
    return all(_valid(instance, sub, root) for sub in value)


def _any_of(instance: Any, value: Any, _schema: Any, root: Any) -> bool:
    return any(_valid(instance, sub, root) for sub in value)


def _one_of(instance: Any, value: Any, _schema: Any, root: Any) -> bool:
    return sum(1 for sub in value if _valid(instance, sub, root)) == 1


def _not(instance: Any, value: Any, _schema: Any, root: Any) -> bool:
    return not _valid(instance, value, root)


def _length(of: Callable[[Any], bool], test: Callable[[int, Any], bool]) -> Callable[..., bool]:
    def check(instance: Any, value: Any, _schema: Any, _root: Any) -> bool:
        if type(value) is not int:
            raise _Unknown("length")
        return not of(instance) or test(len(instance), value)
    return check


_KEYWORDS: dict[str, Callable[..., bool]] = {
    "type": _type,
    "properties": _properties,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional,
    "required": _required,
    "propertyNames": _property_names,
    "items": _items,
    "uniqueItems": _unique,
    "enum": _enum,
    "const": _const,
    "pattern": _pattern,
    "$ref": _ref,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "minimum": _bound(lambda i, v: i >= v, _is_number),
    "maximum": _bound(lambda i, v: i <= v, _is_number),
    "exclusiveMinimum": _bound(lambda i, v: i > v, _is_number),
    "exclusiveMaximum": _bound(lambda i, v: i < v, _is_number),
    "minLength": _length(_string_length, lambda n, v: n >= v),
    "maxLength": _length(_string_length, lambda n, v: n <= v),
    "minItems": _length(_sized(list), lambda n, v: n >= v),
    "maxItems": _length(_sized(list), lambda n, v: n <= v),
    "minProperties": _length(_sized(dict), lambda n, v: n >= v),
    "maxProperties": _length(_sized(dict), lambda n, v: n <= v),
}
