"""cloud dot: the template's resources as a graphviz graph (pure), and the call of the program that draws it.

The SVG is drawn by ``graphviz-pure``, a self-contained port of Graphviz's ``dot`` that fink-cloud depends on: it
installs with pip on every platform, needs no system Graphviz and writes the same bytes everywhere, so the picture
can be pinned by a golden file. A system ``dot`` is used only when asked (``cloud dot --system-dot``).

Edges point from a resource to what it uses: ``Ref``, ``Fn::GetAtt``, ``DependsOn`` and the ``${Name}`` /
``${Name.Attr}`` references inside ``Fn::Sub``. References to parameters and pseudo parameters become (dashed)
parameter nodes; references to unknown names are ignored.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from typing import Any, Iterator, Mapping

from fink.errors import FinkError

__all__ = ["references", "template_graph", "render_svg", "renderer"]

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


_BUNDLED = "graphviz-pure"


def _bundled_renderer() -> str | None:
    """The ``graphviz-pure`` program that pip installed beside this Python (found even when the venv's ``bin`` is
    not on PATH), else one on PATH."""
    from importlib.metadata import PackageNotFoundError, distribution
    try:
        dist = distribution(_BUNDLED)
    except PackageNotFoundError:
        return shutil.which(_BUNDLED)
    for file in dist.files or ():
        if file.name in (_BUNDLED, _BUNDLED + ".exe"):
            path = os.path.normpath(str(dist.locate_file(file)))
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    beside = os.path.join(os.path.dirname(sys.executable), _BUNDLED)
    return beside if os.path.isfile(beside) else shutil.which(_BUNDLED)


def renderer(system_dot: bool = False) -> str:
    """The program that draws the graph: ``graphviz-pure`` (a dependency of fink-cloud) or, when asked, ``dot``."""
    if system_dot:
        program = shutil.which("dot")
        if program is None:
            raise FinkError("--system-dot: the graphviz program `dot` was not found on PATH.",
                            hint="Install graphviz (apt-get install graphviz, brew install graphviz), or leave out "
                                 "--system-dot to draw with the graphviz-pure package that fink-cloud installs.")
        return program
    program = _bundled_renderer()
    if program is None:
        raise FinkError("The graph renderer graphviz-pure is not installed (fink-cloud depends on it).",
                        hint="Reinstall it with `pip install graphviz-pure`, or use a system Graphviz with "
                             "`cloud dot --system-dot`.")
    return program


def render_svg(dot_path: str, svg_path: str, system_dot: bool = False) -> str:
    program = renderer(system_dot)
    result = subprocess.run([program, "-Tsvg", "-o", svg_path, dot_path], capture_output=True, text=True)
    if result.returncode != 0:
        name = os.path.basename(program)
        raise FinkError(f"`{name}` failed to draw {dot_path}: {result.stderr.strip()}",
                        hint=f"{dot_path} was written; check it, or draw it with another Graphviz.")
    return svg_path
