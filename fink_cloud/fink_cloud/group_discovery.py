"""Stack groups: finding the members under a root folder and reading their configs (files only, no AWS).

A sub-folder is a member when it holds a cloud project for the current ENV: a ``fink_<env>.*`` config (read with
the config reader's own file rules: formats, ``baseconfig`` chains) whose ``cloud`` section names a stack, and a
``cloudformation.py`` or a ``cloud.stack.TemplateBody``. Folders are left out by the usual ignore file: gitignore
patterns in ``<root>/.finkignore`` (``legacy/``, ``experiments/*``), plus hidden folders and virtualenvs, which
are never searched.

Config values are read raw: lookups stay ``lookup:...`` strings, which is exactly what the graph is built from.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any, Iterator

from fink.errors import ConfigError

from .group_graph import Member
from .template import TEMPLATE_FILE

__all__ = ["IGNORE_FILE", "SKIPPED_FOLDERS", "Discovery", "discover_members"]

IGNORE_FILE = ".finkignore"
SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "venv", "site-packages", "build", "dist"})


@dataclass(frozen=True)
class Discovery:
    root: str
    members: tuple[Member, ...]
    left_out: tuple[tuple[str, str], ...]  # (folder, why) of cloud-looking folders that are not members


def _ignore_spec(root: str) -> Any:
    path = os.path.join(root, IGNORE_FILE)
    if not os.path.isfile(path):
        return None
    import pathspec
    with open(path, encoding="utf-8") as fh:
        lines = [line.rstrip("\r\n") for line in fh]
    return pathspec.GitIgnoreSpec.from_lines([ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")])


def _folders(root: str, spec: Any) -> list[str]:
    """Sub-folders of ``root`` ('/'-separated, relative), sorted, without ignored, hidden and tool folders."""
    found = []
    for current, dirs, _files in os.walk(root):
        rel_current = os.path.relpath(current, root)
        keep = []
        for name in sorted(dirs):
            rel = name if rel_current == "." else f"{rel_current}/{name}".replace(os.sep, "/")
            if name.startswith(".") or name in SKIPPED_FOLDERS or (spec is not None and spec.match_file(rel + "/")):
                continue
            keep.append(name)
            found.append(rel)
        dirs[:] = keep
    return sorted(found)


@contextlib.contextmanager
def _working_folder(path: str) -> Iterator[None]:
    """A Python config may read files next to it: it is read from its own folder, as the member's run reads it.
    (Discovery runs before any member starts, in the group's main thread: nothing else depends on the folder.)"""
    saved = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)


def _read_config(folder_path: str, env: str) -> tuple[dict[str, Any] | None, str | None]:
    """(merged config, file name) of ``fink_<env>.*`` in ``folder_path``; (None, None) when there is none."""
    from fink_config_reader.reader import find_config_file, read_chain
    with _working_folder(folder_path):
        winner, _ = find_config_file(f"fink_{env.lower()}")
        if winner is None:
            return None, None
        return read_chain(winner).data, os.path.basename(winner)


def _member_of(root: str, folder: str, env: str) -> tuple[Member | None, str | None]:
    path = os.path.join(root, folder)
    has_template = os.path.isfile(os.path.join(path, TEMPLATE_FILE))
    try:
        config, name = _read_config(path, env)
    except ConfigError as exc:
        raise ConfigError(f"{folder}: {exc.message}", hint=exc.hint) from exc
    section = (config or {}).get("cloud")
    if not isinstance(section, dict):
        return None, (f"has {TEMPLATE_FILE} but no cloud section for ENV={env}" if has_template else None)
    stack = section.get("stack") if isinstance(section.get("stack"), dict) else {}
    if not stack.get("StackName"):
        raise ConfigError(f"{folder}: {name} has a cloud section without stack.StackName.",
                          hint="Every member of a stack group names its stack in cloud.stack.StackName.")
    if not has_template and not stack.get("TemplateBody"):
        return None, f"{name} has a cloud section but there is no {TEMPLATE_FILE} and no cloud.stack.TemplateBody"
    return Member(folder, str(stack["StackName"]), section), None


def discover_members(root: str, env: str) -> Discovery:
    """Every member under ``root`` (sorted by folder); an empty group is an error that says where fink looked."""
    if not os.path.isdir(root):
        raise ConfigError(f"The group folder '{root}' does not exist.")
    members, left_out = [], []
    for folder in _folders(root, _ignore_spec(root)):
        member, why = _member_of(root, folder, env)
        if member is not None:
            members.append(member)
        elif why:
            left_out.append((folder, why))
    if not members:
        raise ConfigError(f"No stack group members under {os.path.abspath(root)} for ENV={env}.",
                          hint=f"A member is a sub-folder with a fink_{env}.* config that has a cloud section, and a "
                               f"{TEMPLATE_FILE} (or cloud.stack.TemplateBody).")
    return Discovery(os.path.abspath(root), tuple(members), tuple(left_out))
