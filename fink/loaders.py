"""Reading structured text that users write (config files, templates, swagger), bounded and with clear errors.

Every YAML or JSON document fink reads from a user goes through :func:`load_yaml` / :func:`load_json`; data that
user code returns (``generate_config()``, ``generate_template()``) goes through :func:`check_bounds`. The bounds
keep one bad input from hanging a run or crashing it deep inside a later step:

* nesting deeper than :data:`MAX_DEPTH` levels is refused (later steps recurse over the data);
* a YAML document whose aliases expand to more than :data:`MAX_NODES` nodes ("billion laughs") or that refers to
  itself is refused before anything is built from it (the composed node graph is measured, not expanded);
* with ``cloudformation=True`` the short-form intrinsic tags (``!Ref``, ``!GetAtt``, ``!Sub`` ...) load as the
  long form (``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``), as CloudFormation reads them.

Errors are :class:`fink.errors.ConfigError` naming the source, the line and the problem. yaml is imported lazily.
"""
from __future__ import annotations

import json
from typing import Any

from .errors import ConfigError

__all__ = ["read_text", "load_yaml", "load_json", "check_bounds", "MAX_DEPTH", "MAX_NODES", "CFN_TAGS"]

MAX_DEPTH = 100
MAX_NODES = 1_000_000

#: CloudFormation's short-form tags and the long-form key each one stands for
CFN_TAGS = {name: f"Fn::{name}" for name in (
    "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "If", "ImportValue", "Join", "Not", "Or",
    "Select", "Split", "Sub", "Transform", "Length", "ToJsonString")}
CFN_TAGS.update({"Ref": "Ref", "Condition": "Condition", "GetAtt": "Fn::GetAtt"})


def _too_deep(source: str) -> ConfigError:
    return ConfigError(f"{source}: nested more than {MAX_DEPTH} levels deep.",
                       hint="Flatten the structure; fink refuses deeper nesting to stay fast and safe.")


def _too_big(source: str, count: int | str) -> ConfigError:
    return ConfigError(f"{source}: its aliases expand to {count} values, more than {MAX_NODES:,} "
                       "(a YAML \"billion laughs\" document?).",
                       hint="Use fewer nested aliases (*name) in the YAML file.")


def read_text(path: str, what: str | None = None) -> str:
    """The UTF-8 text of a user file; a missing, unreadable or non-UTF-8 file is a ConfigError naming it."""
    import os
    name = what or os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name} is not valid UTF-8 text (byte {exc.object[exc.start:exc.end]!r} at position "
                          f"{exc.start}).", hint="Save the file as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"{name} cannot be read: {exc.strerror or exc}.",
                          hint=f"Check the file {os.path.abspath(path)}.") from None


# ---- generic data (JSON, results of user code) --------------------------------------------------------------------
def check_bounds(data: Any, source: str, *, string_keys: bool = False) -> Any:
    """``data`` itself, after checking that it nests at most :data:`MAX_DEPTH` levels and has no cycles (and, with
    ``string_keys``, that every mapping key is a string, as in JSON: configuration is addressed by name)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    open_ids: set[int] = set()
    seen = 0
    while stack:
        node, depth = stack.pop()
        if node is _EXIT:
            open_ids.discard(depth)
            continue
        if not isinstance(node, (dict, list, tuple)):
            continue
        if depth >= MAX_DEPTH:
            raise _too_deep(source)
        if id(node) in open_ids:
            raise ConfigError(f"{source}: a value contains itself.", hint="Remove the self-reference.")
        seen += 1
        if seen > MAX_NODES:
            raise _too_big(source, f"more than {MAX_NODES:,}")
        open_ids.add(id(node))
        stack.append((_EXIT, id(node)))
        if string_keys and isinstance(node, dict):
            _check_keys(node, source)
        children = list(node.values()) + list(node.keys()) if isinstance(node, dict) else list(node)
        stack.extend((child, depth + 1) for child in children)
    return data


def _check_keys(node: dict, source: str) -> None:
    wrong = [key for key in node if not isinstance(key, str)]
    if wrong:
        raise ConfigError(f"{source}: the key {wrong[0]!r} is not a name: every key must be a string.",
                          hint="Quote the key or fix the YAML (a line holding only '?' or ':' makes an empty key).")


_EXIT = object()  # marks leaving a container in check_bounds' explicit stack


def load_json(text: str, source: str) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}, line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from exc
    except RecursionError as exc:
        raise _too_deep(source) from exc
    return check_bounds(data, source)


# ---- YAML ---------------------------------------------------------------------------------------------------------
def _node_children(node: Any) -> list[Any]:
    import yaml
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_graph(root: Any, source: str) -> None:
    """Depth, cycles and expanded size of a composed YAML node graph, without expanding it (iterative)."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, leaving = stack.pop()
        key = id(node)
        children = _node_children(node)
        if leaving:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_NODES:
                raise _too_big(source, f"{sizes[key]:,}+")
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise ConfigError(f"{source}, line {node.start_mark.line + 1}: an alias refers to a value that "
                              "contains it.", hint="Remove the recursive alias.")
        if depth >= MAX_DEPTH:
            raise _too_deep(f"{source}, line {node.start_mark.line + 1}")
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


def _safe_loader() -> Any:
    """libyaml's C safe loader where PyYAML has it (several times faster), else the pure-Python one."""
    import yaml
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _loader_class(cloudformation: bool) -> Any:
    if not cloudformation:
        return _safe_loader()
    return _cfn_loader()


_CFN_LOADER: Any = None


def _cfn_loader() -> Any:
    global _CFN_LOADER
    if _CFN_LOADER is None:
        class CloudFormationLoader(_safe_loader()):  # type: ignore[misc]
            """The safe loader plus CloudFormation's short-form intrinsic function tags."""

        CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)
        _CFN_LOADER = CloudFormationLoader
    return _CFN_LOADER


def _construct_intrinsic(loader: Any, suffix: str, node: Any) -> dict[str, Any]:
    import yaml
    if suffix not in CFN_TAGS:
        raise yaml.constructor.ConstructorError(None, None, f"unknown CloudFormation tag !{suffix}",
                                                node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {CFN_TAGS[suffix]: value}


def _yaml_error(exc: Any, source: str) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = " ".join(str(p) for p in (getattr(exc, "context", None), getattr(exc, "problem", None)) if p)
    hint = None
    if "could not determine a constructor for the tag '!" in str(exc):
        hint = "Tags such as !Ref are CloudFormation syntax: they are read only in CloudFormation templates."
    return ConfigError(f"{source}{where}: invalid YAML: {problem or exc}", hint=hint)


def load_yaml(text: str, source: str, *, cloudformation: bool = False) -> Any:
    """Parse one YAML document safely and within the bounds (``None`` for an empty document)."""
    import yaml
    loader = _loader_class(cloudformation)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_graph(node, source)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's own limit (C loader), met before fink's
            raise _too_deep(source) from exc
        raise _yaml_error(exc, source) from exc
    except RecursionError as exc:
        raise _too_deep(source) from exc
    finally:
        loader.dispose()
