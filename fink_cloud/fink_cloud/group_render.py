"""Stack groups, pure renderers: the plan, the per-member summary, the combined preview and the list."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from fink.render import duration, table

__all__ = ["plan_text", "summary_rows", "summary_table", "preview_rows", "preview_table", "list_rows", "list_table",
           "counts_text"]


def plan_text(verb: str, stages: list[list[str]], stacks: Mapping[str, str], max_parallel: int) -> str:
    count = sum(len(s) for s in stages)
    head = (f"{verb} {count} stack{'s' if count != 1 else ''} in {len(stages)} wave{'s' if len(stages) != 1 else ''} "
            f"(at most {max_parallel} at a time):")
    lines = [head] + [f"  {i}. " + ", ".join(f"{f} ({stacks[f]})" for f in stage) for i, stage in enumerate(stages, 1)]
    return "\n".join(lines)


def summary_rows(results: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"Member": r.folder, "Stack": r.stack, "Result": r.outcome,
             "Time": "" if r.seconds is None else duration(r.seconds), "Detail": r.detail} for r in results]


def summary_table(results: Iterable[Any]) -> str:
    rows = summary_rows(results)
    return table(["Member", "Stack", "Result", "Time", "Detail"], [list(r.values()) for r in rows])


def counts_text(results: list[Any]) -> str:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in counts.items())


def preview_rows(results: Iterable[Any]) -> list[dict[str, Any]]:
    """One JSON-able entry per member: its status, and its preview (change set and parameter diff) when made."""
    rows = []
    for r in results:
        data = r.data if isinstance(r.data, dict) else None
        rows.append({"Member": r.folder, "StackName": r.stack, "Result": r.outcome, "Detail": r.detail,
                     "ChangeSetType": data.get("ChangeSetType") if data else None,
                     "Changes": data.get("Changes", []) if data else [],
                     "ParameterChanges": data.get("ParameterChanges", []) if data else []})
    return rows


def _change_cells(row: Mapping[str, Any], ui: Any) -> Iterable[list[str]]:
    kind = "new stack" if row["ChangeSetType"] == "CREATE" else "update"
    if not row["Changes"]:
        yield [row["Member"], row["StackName"], kind, "(no resource changes)", "", ""]
    for change in row["Changes"]:
        risky = change["Action"] == "Remove" or change["Replacement"] in ("True", "Conditional")
        cells = [row["Member"], row["StackName"], kind, change["Action"], change["LogicalResourceId"],
                 change["ResourceType"] + ("" if change["Replacement"] in ("-", "False") else
                                           f" (replacement: {change['Replacement']})")]
        yield [ui.style(c, "red", "bold") for c in cells] if (risky and ui is not None) else cells


def preview_table(rows: list[Mapping[str, Any]], ui: Any = None) -> str:
    """One table of every member's resource changes, one of every member's parameter changes, and one of the
    members that could not be previewed (and why)."""
    previewed = [row for row in rows if row["Result"] == "previewed"]
    parts = []
    if previewed:
        parts.append(table(["Member", "Stack", "Kind", "Action", "Logical ID", "Resource type"],
                           [c for row in previewed for c in _change_cells(row, ui)]))
    params = [[row["Member"], p["ParameterKey"], "(not set)" if p["OldValue"] is None else p["OldValue"],
               "(not set)" if p["NewValue"] is None else p["NewValue"]]
              for row in previewed for p in row["ParameterChanges"]]
    if params:
        parts.append(table(["Member", "Parameter", "Old value", "New value"], params))
    others = [[row["Member"], row["StackName"], row["Result"], row["Detail"]] for row in rows
              if row["Result"] != "previewed"]
    if others:
        parts.append(table(["Not previewed", "Stack", "Result", "Why"], others))
    return "\n\n".join(parts)


def list_rows(members: Iterable[Any], graph: Any, statuses: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for member in members:
        stack = statuses.get(member.stack_name) or {}
        rows.append({"Member": member.folder, "StackName": member.stack_name,
                     "StackStatus": stack.get("StackStatus", "NOT_DEPLOYED"),
                     "DependsOn": sorted(graph.by_folder(d).stack_name for d in graph.depends[member.folder]) +
                                  sorted(e.stack for e in graph.edges
                                         if e.member == member.folder and e.stack in graph.external)})
    return rows


def list_table(rows: list[Mapping[str, Any]]) -> str:
    return table(["Member", "Stack", "Status", "Depends on"],
                 [[r["Member"], r["StackName"], r["StackStatus"], ", ".join(r["DependsOn"])] for r in rows])
