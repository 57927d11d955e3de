"""The lookup walker (pure): parsing ``lookup:...`` strings, finding them anywhere in the config, substituting them.

Grammar (parts separated by ``:``)::

    lookup:stack:<stack>                      all outputs of the stack as a dict
    lookup:stack:<stack>:<output>[:optional]  one output; ``optional``: a miss leaves the setting unset
    lookup:parameter:<name>[:CONTINUE_IF_NOT_FOUND]
    lookup:secret:<name>[:CONTINUE_IF_NOT_FOUND]
    lookup:acm:<host>[:<host>...]             ARN of an ISSUED certificate covering every host

Paths are tuples of dict keys and list indices; :func:`dotted` renders them as ``lambda.lambda.role`` /
``cloud.parameters.subnets.0``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

__all__ = ["PREFIX", "CONTINUE", "OPTIONAL", "MISSING", "KINDS", "Lookup", "parse_lookup", "find_lookups",
           "substitute", "dotted", "host_covered", "best_certificate"]

PREFIX = "lookup:"
CONTINUE = "CONTINUE_IF_NOT_FOUND"
OPTIONAL = "optional"
KINDS = ("parameter", "secret", "stack", "acm")
Path = tuple[Any, ...]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: returned by a resolve function to leave the setting unset (the key or list item is dropped)
MISSING: Any = _Missing()


@dataclass(frozen=True)
class Lookup:
    raw: str
    kind: str
    args: tuple[str, ...]
    tolerant: bool = False  # CONTINUE_IF_NOT_FOUND / optional: a miss leaves the setting unset

    @property
    def problem(self) -> str | None:
        """What is wrong with the lookup's syntax, or ``None``."""
        if self.kind not in KINDS:
            return f"unknown lookup type '{self.kind}' (known: {', '.join(KINDS)})"
        if not self.args:
            return "missing name after the lookup type"
        if self.kind in ("parameter", "secret") and len(self.args) != 1:
            return f"expected lookup:{self.kind}:<name>[:{CONTINUE}]"
        if self.kind == "stack" and len(self.args) > 2:
            return f"expected lookup:stack:<stack>[:<output>[:{OPTIONAL}]]"
        return None


def parse_lookup(value: Any) -> Lookup | None:
    """The lookup a config value asks for, or ``None`` for an ordinary value."""
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return None
    kind, *args = value[len(PREFIX):].split(":")
    args = [a for a in args if a != ""]  # the guide's samples end acm lookups with ':'
    tolerant = False
    if kind in ("parameter", "secret") and args and args[-1] == CONTINUE:
        args, tolerant = args[:-1], True
    elif kind == "stack" and len(args) == 3 and args[-1] == OPTIONAL:
        args, tolerant = args[:-1], True
    return Lookup(value, kind, tuple(args), tolerant)


def _children(node: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(node, dict):
        yield from node.items()
    elif isinstance(node, list):
        yield from enumerate(node)


def find_lookups(node: Any, path: Path = ()) -> Iterator[tuple[Path, Lookup]]:
    """Every lookup in nested dicts and lists, with its path, in document order."""
    lookup = parse_lookup(node)
    if lookup is not None:
        yield path, lookup
    for key, child in _children(node):
        yield from find_lookups(child, path + (key,))


def substitute(node: Any, resolve: Callable[[Path, Lookup], Any], path: Path = ()) -> Any:
    """A copy of ``node`` with each lookup replaced by ``resolve(path, lookup)``; ``MISSING`` drops the entry."""
    lookup = parse_lookup(node)
    if lookup is not None:
        return resolve(path, lookup)
    if isinstance(node, dict):
        items = ((k, substitute(v, resolve, path + (k,))) for k, v in node.items())
        return {k: v for k, v in items if v is not MISSING}
    if isinstance(node, list):
        items = (substitute(v, resolve, path + (i,)) for i, v in enumerate(node))
        return [v for v in items if v is not MISSING]
    return node


def dotted(path: Path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


# ---- ACM matching ---------------------------------------------------------------------------------------------
def host_covered(host: str, names: set[str]) -> bool:
    """A host is covered by its own name or by a wildcard for its parent (``*.x`` covers one label only)."""
    host = host.lower()
    if host in names:
        return True
    _, _, parent = host.partition(".")
    return not host.startswith("*.") and bool(parent) and f"*.{parent}" in names


def best_certificate(certificates: list[dict[str, Any]], hosts: list[str], now: Any) -> str | None:
    """The ARN of the ISSUED, unexpired certificate covering every host with the latest expiry."""
    matching = []
    for cert in certificates:
        names = {n.lower() for n in [cert.get("DomainName", ""), *cert.get("SubjectAlternativeNames", [])] if n}
        if cert.get("Status") != "ISSUED" or cert.get("NotAfter") is None or cert["NotAfter"] <= now:
            continue
        if all(host_covered(h, names) for h in hosts):
            matching.append(cert)
    if not matching:
        return None
    return max(matching, key=lambda c: c["NotAfter"])["CertificateArn"]
