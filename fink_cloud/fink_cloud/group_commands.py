"""The ``cloud group`` commands: a system of stacks in sub-folders, deployed, previewed, deleted, listed and drawn
as one.

Flow of each command: find the members and read their configs (files only) -> build the dependency graph (cycles
are errors) -> read the stacks' states with one ListStacks -> check that every stack looked up outside the group
exists -> run the members' own ``cloud`` commands through :class:`~fink_cloud.group_runner.GroupRunner` -> one
summary. Everything that can be found wrong is found before the first member starts.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import replace
from typing import Any, Iterator

from fink.errors import ConfigError, FinkError, GracefulExit, UsageError

from .group_graph import Graph, build_graph, reverse_waves, waves

__all__ = ["deploy", "preview", "delete", "list", "dot", "DEFAULT_MAX_PARALLEL"]

DEFAULT_MAX_PARALLEL = 10
_list = list


# ---- shared steps ---------------------------------------------------------------------------------------------
def _root(context: dict) -> str:
    return context["_arguments"].get("<folder>") or "."


def _max_parallel(context: dict) -> int:
    raw = context["_arguments"].get("--max-parallel") or DEFAULT_MAX_PARALLEL
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise UsageError(f"--max-parallel must be a whole number of at least 1, not {raw!r}.")
    return value


def _graph(context: dict) -> tuple[str, Graph]:
    from .group_discovery import discover_members
    if "--max-parallel" in context["_arguments"]:
        _max_parallel(context)  # a wrong number is reported before anything is read
    env = context.get("env")
    if not env:
        raise ConfigError("'ENV' environment variable not set!",
                          hint="Set it to the environment to work with, e.g. `export ENV=dev` reads fink_dev.*")
    found = discover_members(_root(context), env)
    for folder, why in found.left_out:
        context["_ui"].debug(f"{folder} is not a member: {why}")
    return found.root, build_graph(found.members)


def _stacks(context: dict) -> dict[str, dict[str, Any]]:
    from .cfn import CloudFormation
    return {s["StackName"]: s for s in CloudFormation(context["_awsclient"]).list_stacks()}


def _check_external(graph: Graph, stacks: dict[str, Any]) -> None:
    missing = {stack: folders for stack, folders in graph.external.items() if stack not in stacks}
    if not missing:
        return
    lines = [f"  stack '{stack}', looked up in {', '.join(folders)}" for stack, folders in sorted(missing.items())]
    raise ConfigError("Stacks referenced by the group are neither members nor deployed:\n" + "\n".join(lines),
                      hint="Fix the name in the lookup or cloud.group.dependsOn, add the stack's folder to the group, "
                           "or deploy that stack first.")


def _jobs(graph: Graph, argv: tuple[str, ...], *, reverse: bool = False) -> _list[Any]:
    from .group_runner import Job
    order = [f for stage in (reverse_waves(graph) if reverse else waves(graph)) for f in stage]
    waits = {f: frozenset(graph.dependents(f)) if reverse else graph.depends[f] for f in order}
    return [Job(f, graph.by_folder(f).stack_name, argv, waits[f]) for f in order]


@contextlib.contextmanager
def _member_starter(context: dict) -> Iterator[Any]:
    """How members start: forked from a preloaded process (started now, so that its imports overlap the group's
    own reading of configs and stacks), or as plain subprocesses where fork is not available."""
    from .group_runner import member_process
    from .group_zygote import Zygote, fork_supported
    if not fork_supported():
        yield member_process
        return
    notes: _list[str] = []  # the zygote's listener thread reports here; only the main thread writes to the UI
    try:
        with Zygote(debug=notes.append) as zygote:
            yield zygote
    finally:
        for note in notes:
            context["_ui"].debug(note)


def _run(context: dict, root: str, jobs: _list[Any], start: Any) -> tuple[_list[Any], GracefulExit | None]:
    """Run the jobs; returns one result per job and the signal that interrupted the group (or ``None``)."""
    from .group_runner import GroupRunner
    runner = GroupRunner(root, jobs, context["_ui"], context["_clock"], _max_parallel(context), start=start)
    return runner.run(), runner.interrupted


def _conclude(context: dict, results: _list[Any], interrupted: GracefulExit | None, what: str) -> int:
    """The summary table, then success, or one error for the whole group (the exit code says it failed)."""
    from .group_render import counts_text, summary_table
    ui = context["_ui"]
    ui.print(summary_table(results))
    context["group_results"] = [(r.folder, r.stack, r.outcome, r.detail) for r in results]
    if interrupted is not None:
        raise GracefulExit(interrupted.signal_name)
    if any(not r.succeeded for r in results):
        raise FinkError(f"The stack group {what} failed: {counts_text(results)}.",
                        hint="The table above names the first failure of each failed member; members that depend "
                             "on it were not started. Fix the cause and run the command again.")
    ui.success(f"The stack group {what} succeeded: {counts_text(results)}.")
    return 0


def _execute(context: dict, root: str, jobs: _list[Any], what: str, start: Any) -> int:
    results, interrupted = _run(context, root, jobs, start)
    return _conclude(context, results, interrupted, what)


# ---- commands -------------------------------------------------------------------------------------------------
def deploy(context: dict, config: dict) -> int:
    with _member_starter(context) as start:
        return _deploy(context, start)


def _deploy(context: dict, start: Any) -> int:
    from .group_render import plan_text
    ui = context["_ui"]
    root, graph = _graph(context)
    if graph.external:  # only stacks outside the group need to exist already (saves the group's own AWS client)
        _check_external(graph, _stacks(context))
    stacks = {m.folder: m.stack_name for m in graph.members}
    ui.info(plan_text("Deploying", waves(graph), stacks, _max_parallel(context)))
    argv = ("deploy",) + (("--override-stack-policy",) if context["_arguments"].get("--override-stack-policy") else ())
    return _execute(context, root, _jobs(graph, argv + _verbose(context)), "deploy", start)


def _verbose(context: dict) -> tuple[str, ...]:
    return ("-v",) if context["_arguments"].get("--verbose") else ()


def preview(context: dict, config: dict) -> int:
    """Every member's preview, side by side (nothing waits: nothing is executed). A member that looks up a stack
    of the group that does not exist yet cannot be previewed before that stack is deployed: it is reported so."""
    with _member_starter(context) as start:
        return _preview(context, start)


def _preview(context: dict, start: Any) -> int:
    from .group_render import preview_rows, preview_table
    ui = context["_ui"]
    root, graph = _graph(context)
    stacks = _stacks(context)
    _check_external(graph, stacks)
    jobs = []
    for job in _jobs(graph, ("preview", "--json") + _verbose(context)):
        new = sorted(graph.by_folder(f).stack_name for f in job.waits_for if graph.by_folder(f).stack_name
                     not in stacks)
        reason = f"looks up {', '.join(new)}, not deployed yet: preview it after deploying" if new else None
        jobs.append(replace(job, waits_for=frozenset(), skip=reason, skip_outcome="waiting"))
    runner_results, interrupted = _run(context, root, jobs, start)
    rows = preview_rows(runner_results)
    if context["_arguments"].get("--json"):
        ui.json({"members": rows})
    else:
        ui.print(preview_table(rows, ui))
    if interrupted is not None:
        raise GracefulExit(interrupted.signal_name)
    failed = [r for r in runner_results if r.outcome in ("failed", "interrupted", "skipped")]
    if failed:
        raise FinkError(f"The preview of {len(failed)} member(s) failed: " + "; ".join(
            f"{r.folder}: {r.detail}" for r in failed))
    return 0


def delete(context: dict, config: dict) -> int:
    from .group_render import plan_text
    ui = context["_ui"]
    root, graph = _graph(context)
    stacks = _stacks(context)
    names = {m.folder: m.stack_name for m in graph.members}
    ui.info(plan_text("Deleting", reverse_waves(graph), names, _max_parallel(context)))
    if not context["_arguments"].get("--force"):
        ui.info("Nothing deleted: add -f to delete the stacks of the group.")
        return 0
    jobs = []
    for job in _jobs(graph, ("delete", "-f") + _verbose(context), reverse=True):
        absent = None if job.stack in stacks else "the stack does not exist"
        jobs.append(replace(job, skip=absent, skip_outcome="not deployed"))
    with _member_starter(context) as start:
        return _execute(context, root, jobs, "delete", start)


def list(context: dict, config: dict) -> int:  # noqa: A001 - the command is called list
    from .group_render import list_rows, list_table
    _root_path, graph = _graph(context)
    rows = list_rows(graph.members, graph, _stacks(context))
    if context["_arguments"].get("--json"):
        context["_ui"].json(rows)
    else:
        context["_ui"].print(list_table(rows))
    return 0


def dot(context: dict, config: dict) -> int:
    from .dot import render_svg
    from .group_graph import group_dot
    _root_path, graph = _graph(context)
    with open("cloud-group.dot", "w", encoding="utf-8") as fh:
        fh.write(group_dot(graph))
    svg = render_svg("cloud-group.dot", "cloud-group.svg")
    context["_ui"].info("Graph of the stack group written to:")
    context["_ui"].print(os.path.abspath(svg))
    return 0
