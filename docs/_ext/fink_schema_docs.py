"""Sphinx extension: the configuration reference pages, generated from the schema files that validate configs.

On ``builder-inited`` it writes ``reference/<section>.md`` for every installed tool and plugin that ships a schema
(found through the ``fink.tools`` / ``fink.plugins`` entry points) and ``reference/index.md`` listing them, so the
docs and the validation never drift apart. The renderer is pure (:func:`render_schema`); a golden-file test pins it.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

__all__ = ["SchemaPage", "render_schema", "render_index", "installed_schemas", "write_reference", "setup"]

HEADER = ["Name", "Required", "Type", "Default", "Example", "Description"]


@dataclass(frozen=True)
class SchemaPage:
    slug: str      # file name without .md, e.g. "cloud" or "fink_lookups"
    section: str   # config path, e.g. "cloud" or "plugins.fink_lookups"
    owner: str     # distribution display name, e.g. "fink.cloud"
    source: str    # "fink_cloud/schema.yaml"
    schema: Mapping[str, Any]


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (``#/$defs/x``) once."""
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = root
    for part in ref[2:].split("/"):
        target = target.get(part, {})
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _type_of(node: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    node = _resolve(node, root)
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array" and isinstance(node.get("items"), Mapping):
        return f"array of {_type_of(node['items'], root)}"
    if node.get("properties"):
        return "object (see below)"
    return kind


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _default(node: Mapping[str, Any]) -> str:
    """``default`` (filled into the config) or ``x-default`` (applied by the tool when the key is absent, so a
    section is not created just to hold defaults)."""
    for key in ("default", "x-default"):
        if key in node:
            return f"`{json.dumps(node[key])}`"
    return ""


def _example(node: Mapping[str, Any]) -> str:
    """The schema's first ``examples`` entry, as it would be written in a JSON config."""
    examples = node.get("examples")
    return f"`{json.dumps(examples[0])}`" if isinstance(examples, list) and examples else ""


def _description(node: Mapping[str, Any]) -> str:
    parts = [node.get("description", "")]
    checks = [f"{k} `{node[k]}`" for k in ("pattern", "minimum", "maximum", "minLength", "maxLength") if k in node]
    if checks:
        parts.append("(" + ", ".join(checks) + ")")
    return " ".join(p for p in parts if p)


def _objects(node: Mapping[str, Any], path: str, root: Mapping[str, Any]) -> Iterator[tuple[str, Mapping]]:
    """Every object with properties, depth first, with its dotted path (array items as ``path[]``)."""
    node = _resolve(node, root)
    if node.get("properties"):
        yield path, node
        for name, prop in node["properties"].items():
            yield from _objects(prop, f"{path}.{name}", root)
    items = node.get("items")
    if isinstance(items, Mapping):
        yield from _objects(items, f"{path}[]", root)


def _table(node: Mapping[str, Any], root: Mapping[str, Any]) -> list[str]:
    required = set(node.get("required", ()))
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for name, prop in node["properties"].items():
        prop = _resolve(prop, root)
        row = [f"`{name}`", "yes" if name in required else "no", _type_of(prop, root), _default(prop),
               _example(prop), _description(prop)]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    closed = node.get("additionalProperties") is False
    lines += ["", "No other keys are allowed." if closed else "Other keys are allowed."]
    return lines


def render_schema(page: SchemaPage) -> str:
    """The reference page of one section as MyST markdown."""
    schema = page.schema
    lines = [f"# `{page.section}`", "", f"Configuration of **{page.owner}**, key `{page.section}` in "
             f"`fink_<env>` config files.", ""]
    if schema.get("description"):
        lines += [_cell(schema["description"]), ""]
    lines += [f"Generated from `{page.source}`, the schema that also validates your configuration; "
              "defaults are filled in before validation.", ""]
    for path, node in _objects(schema, page.section, schema):
        lines += [f"## `{path}`", ""]
        if node is not schema and node.get("description"):
            lines += [_cell(node["description"]), ""]
        lines += _table(node, schema) + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_index(pages: list[SchemaPage]) -> str:
    lines = ["# Configuration reference", "",
             "One page per installed tool and plugin, generated from the schema files that validate "
             "configurations (see [configuration](../configuration.md)).", "", "```{toctree}", ":maxdepth: 1", ""]
    lines += [page.slug for page in pages] + ["```", ""]
    return "\n".join(lines)


def _source(path: Any) -> str:
    """``fink_cloud/schema.yaml``: the schema file and the package folder holding it."""
    return f"{path.parent.name}/{path.name}"


def installed_schemas() -> list[SchemaPage]:
    """The schemas of every installed tool and plugin, tools first."""
    from fink.config import load_schema, schema_file
    from fink.lifecycle import plugin_section_name
    from fink.plugins import PLUGINS_GROUP, TOOLS_GROUP, discover, load_plugins
    pages = []
    for info in discover(TOOLS_GROUP):
        tool = info.entry_point.load()
        if tool.schema:
            pages.append(SchemaPage(tool.name, tool.name, info.display, _source(schema_file(*tool.schema)),
                                    load_schema(*tool.schema)))
    for plugin in load_plugins(PLUGINS_GROUP):
        ref = getattr(plugin.module, "CONFIG_SCHEMA", None)
        if ref:
            section = plugin_section_name(plugin)
            pages.append(SchemaPage(section, f"plugins.{section}", plugin.info.display, _source(schema_file(*ref)),
                                    load_schema(*ref)))
    return pages


def _write_if_changed(path: str, text: str) -> None:
    """Rewriting identical files would make Sphinx rebuild every page each time."""
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def write_reference(srcdir: str, pages: list[SchemaPage] | None = None) -> list[str]:
    """Write ``reference/*.md`` under ``srcdir``; returns the paths written."""
    pages = installed_schemas() if pages is None else pages
    folder = os.path.join(srcdir, "reference")
    os.makedirs(folder, exist_ok=True)
    written = []
    for page in pages:
        written.append(os.path.join(folder, f"{page.slug}.md"))
        _write_if_changed(written[-1], render_schema(page))
    written.append(os.path.join(folder, "index.md"))
    _write_if_changed(written[-1], render_index(pages))
    return written


def _on_builder_inited(app: Any) -> None:
    write_reference(str(app.srcdir))


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _on_builder_inited)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
