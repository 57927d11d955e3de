"""Stack groups, pure: the members of a group, the dependency graph between them, its order and its picture.

A member is a folder with a cloud project; it depends on another member when its config holds a
``lookup:stack:<that member's StackName>...`` value or names that stack in ``cloud.group.dependsOn``. References to
stacks that no member declares are *external*: they must already exist in AWS (checked by the caller).

Rules: nothing here does I/O. Every problem names the folders involved, so a user finds the file to fix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping

from fink.errors import ConfigError

__all__ = ["Member", "Edge", "Graph", "stack_references", "build_graph", "waves", "reverse_waves",
           "dependents_closure", "find_cycle", "group_dot", "DEPENDS_ON"]

DEPENDS_ON = ("group", "dependsOn")  # cloud.group.dependsOn: explicit dependencies (StackNames)
_NEWLINE = "\\n"  # graphviz's line break inside a label


@dataclass(frozen=True)
class Member:
    folder: str                       # relative to the group's root, '/'-separated ('.' never: the root is no member)
    stack_name: str
    config: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)  # the raw cloud section


@dataclass(frozen=True)
class Edge:
    member: str        # folder of the member that depends
    stack: str         # the stack it depends on
    why: str           # the output(s) it looks up, or 'dependsOn'


@dataclass(frozen=True)
class Graph:
    members: tuple[Member, ...]                    # sorted by folder
    edges: tuple[Edge, ...]                        # between members and towards external stacks
    depends: Mapping[str, frozenset[str]]          # folder -> folders of the members it depends on

    def by_folder(self, folder: str) -> Member:
        return next(m for m in self.members if m.folder == folder)

    @property
    def external(self) -> dict[str, list[str]]:
        """Stacks referenced but declared by no member -> folders referencing them."""
        own = {m.stack_name for m in self.members}
        found: dict[str, list[str]] = {}
        for edge in self.edges:
            if edge.stack not in own and edge.member not in found.get(edge.stack, []):
                found.setdefault(edge.stack, []).append(edge.member)
        return found

    def dependents(self, folder: str) -> list[str]:
        return sorted(f for f, deps in self.depends.items() if folder in deps)


def _walk_strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from _walk_strings(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _walk_strings(value)


def stack_references(config: Mapping[str, Any]) -> dict[str, list[str]]:
    """``lookup:stack:<stack>[:<output>[:optional]]`` values anywhere in ``config`` -> {stack: [outputs]}
    (an empty output list: all outputs were looked up)."""
    found: dict[str, list[str]] = {}
    for text in _walk_strings(config):
        if not text.startswith("lookup:stack:"):
            continue
        parts = [p for p in text[len("lookup:stack:"):].split(":") if p]
        if not parts:
            continue
        outputs = found.setdefault(parts[0], [])
        if len(parts) > 1 and parts[1] not in outputs:
            outputs.append(parts[1])
    return found


def _explicit(member: Member) -> list[str]:
    node: Any = member.config
    for key in DEPENDS_ON:
        node = node.get(key) if isinstance(node, Mapping) else None
    if node is None:
        return []
    if not isinstance(node, list) or not all(isinstance(n, str) and n for n in node):
        raise ConfigError(f"{member.folder}: cloud.group.dependsOn must be a list of stack names, not {node!r}.")
    return list(node)


def _member_edges(member: Member) -> list[Edge]:
    edges = [Edge(member.folder, stack, ", ".join(outputs) or "all outputs")
             for stack, outputs in sorted(stack_references(member.config).items()) if stack != member.stack_name]
    looked_up = {e.stack for e in edges}
    edges += [Edge(member.folder, stack, "dependsOn") for stack in _explicit(member)
              if stack not in looked_up and stack != member.stack_name]
    return edges


def _check_unique(members: Iterable[Member]) -> None:
    seen: dict[str, str] = {}
    for member in members:
        if member.stack_name in seen:
            raise ConfigError(f"Stack '{member.stack_name}' is declared by two members: {seen[member.stack_name]} "
                              f"and {member.folder}.", hint="Give each member its own cloud.stack.StackName.")
        seen[member.stack_name] = member.folder


def build_graph(members: Iterable[Member]) -> Graph:
    """The dependency graph; a cycle is a :class:`ConfigError` naming its folders in order."""
    ordered = tuple(sorted(members, key=lambda m: m.folder))
    _check_unique(ordered)
    folder_of = {m.stack_name: m.folder for m in ordered}
    edges = tuple(e for m in ordered for e in _member_edges(m))
    depends = {m.folder: frozenset(folder_of[e.stack] for e in edges if e.member == m.folder and e.stack in folder_of)
               for m in ordered}
    graph = Graph(ordered, edges, depends)
    cycle = find_cycle(graph)
    if cycle:
        names = " -> ".join(f"{f} ({graph.by_folder(f).stack_name})" for f in cycle)
        raise ConfigError(f"The stack group has a dependency cycle: {names}.",
                          hint="A stack cannot look up outputs of a stack that (indirectly) looks up its own; "
                               "move the shared resources into a stack of their own.")
    return graph


def find_cycle(graph: Graph) -> list[str] | None:
    """One cycle as a list of folders that starts and ends with the same folder, or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(folder: str) -> list[str] | None:
        state[folder] = 1
        path.append(folder)
        for dep in sorted(graph.depends[folder]):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[folder] = 2
        return None

    for member in graph.members:
        if member.folder not in state:
            found = visit(member.folder)
            if found:
                return found
    return None


def waves(graph: Graph) -> list[list[str]]:
    """Topological levels: each member comes one wave after the last of the members it depends on."""
    level: dict[str, int] = {}

    def of(folder: str) -> int:
        if folder not in level:
            level[folder] = 1 + max((of(d) for d in graph.depends[folder]), default=-1)
        return level[folder]

    result: list[list[str]] = []
    for member in graph.members:
        index = of(member.folder)
        while len(result) <= index:
            result.append([])
        result[index].append(member.folder)
    return result


def reverse_waves(graph: Graph) -> list[list[str]]:
    """The order for deleting: every member before the members it depends on."""
    reversed_graph = Graph(graph.members, (), {m.folder: frozenset(graph.dependents(m.folder)) for m in graph.members})
    return waves(reversed_graph)


def dependents_closure(graph: Graph, folder: str) -> list[str]:
    """Every member that depends on ``folder`` directly or indirectly (sorted)."""
    found: set[str] = set()
    todo = [folder]
    while todo:
        for dependent in graph.dependents(todo.pop()):
            if dependent not in found:
                found.add(dependent)
                todo.append(dependent)
    return sorted(found)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def group_dot(graph: Graph) -> str:
    """The group as graphviz source: one box per member (stack and folder), an edge per dependency labelled with
    the outputs it looks up; external stacks as dashed ellipses. Deterministic (sorted by folder)."""
    lines = ["digraph group {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    folder_of = {m.stack_name: m.folder for m in graph.members}
    for member in graph.members:
        lines.append(f"  {_quote(member.folder)} [label={_quote(member.stack_name + _NEWLINE + member.folder)}];")
    for stack in sorted(graph.external):
        lines.append(f"  {_quote('stack:' + stack)} [label={_quote(stack)}, shape=ellipse, style=dashed];")
    for edge in graph.edges:
        target = folder_of.get(edge.stack, "stack:" + edge.stack)
        style = ", style=dashed" if edge.why == "dependsOn" else ""
        lines.append(f"  {_quote(edge.member)} -> {_quote(target)} [label={_quote(edge.why)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
