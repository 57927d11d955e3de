"""cloud dot: the template's resources as a graphviz graph (pure), and the call of the ``dot`` program.

Edges point from a resource to what it uses: ``Ref``, ``Fn::GetAtt``, ``DependsOn`` and the ``${Name}`` /
``${Name.Attr}`` references inside ``Fn::Sub``. References to parameters and pseudo parameters become (dashed)
parameter nodes; references to unknown names are ignored.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any, Iterator, Mapping

from fink.errors import FinkError

__all__ = ["references", "template_graph", "render_svg"]

_NEWLINE = "\\n"  # graphviz's line break inside a label
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9:]+)(?:\.[A-Za-z0-9.]+)?\}")


def _sub_names(value: Any) -> Iterator[str]:
    text = value[0] if isinstance(value, list) and value else value
    if isinstance(text, str):
        yield from _SUB_NAME.findall(text)
    if isinstance(value, list) and len(value) > 1 and isinstance(value[1], Mapping):
        yield from references(value[1])


def references(node: Any) -> Iterator[str]:
    """Every logical name a template fragment refers to (in document order, repeats included)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield value[0] if isinstance(value, list) else str(value).split(".")[0]
            elif key == "Fn::Sub":
                yield from _sub_names(value)
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def _depends_on(resource: Mapping[str, Any]) -> list[str]:
    value = resource.get("DependsOn", [])
    return [value] if isinstance(value, str) else list(value)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _edges(resources: Mapping[str, Any], known: set[str]) -> list[tuple[str, str, str]]:
    edges = []
    for name, resource in resources.items():
        seen: set[tuple[str, str]] = set()
        for target, style in [(t, "solid") for t in references(resource.get("Properties", {}))] + \
                             [(t, "bold") for t in _depends_on(resource)]:
            if target in known and (target, style) not in seen and target != name:
                seen.add((target, style))
                edges.append((name, target, style))
    return edges


def template_graph(template: Mapping[str, Any]) -> str:
    """The graphviz source of the template's resource graph (deterministic: template order)."""
    resources = template.get("Resources", {})
    parameters = template.get("Parameters", {})
    edges = _edges(resources, set(resources) | set(parameters))
    used_params = [p for p in parameters if any(target == p for _, target, _ in edges)]
    lines = ["digraph template {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for name, resource in resources.items():
        label = _quote(name + _NEWLINE + resource.get("Type", ""))
        lines.append(f"  {_quote(name)} [label={label}];")
    for name in used_params:
        lines.append(f"  {_quote(name)} [shape=ellipse, style=dashed];")
    for source, target, style in edges:
        extra = ", style=bold, label=\"DependsOn\"" if style == "bold" else ""
        lines.append(f"  {_quote(source)} -> {_quote(target)} [arrowhead=normal{extra}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(dot_path: str, svg_path: str) -> str:
    program = shutil.which("dot")
    if program is None:
        raise FinkError(f"The graphviz program `dot` was not found on PATH; {dot_path} was written but not drawn.",
                        hint="Install graphviz (apt-get install graphviz, brew install graphviz) or render "
                             f"{dot_path} elsewhere.")
    result = subprocess.run([program, "-Tsvg", "-o", svg_path, dot_path], capture_output=True, text=True)
    if result.returncode != 0:
        raise FinkError(f"`dot` failed to draw {dot_path}: {result.stderr.strip()}")
    return svg_path
