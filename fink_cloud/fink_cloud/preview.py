"""cloud preview, pure: a planned change set as JSON-able data and as a table in which replacements and
removals stand out."""
from __future__ import annotations

from typing import Any

from fink.render import table

__all__ = ["preview_data", "render_preview", "change_rows", "parameter_data", "parameter_rows"]


def change_rows(change_set: dict[str, Any] | None) -> list[dict[str, str]]:
    rows = []
    for change in (change_set or {}).get("Changes", []):
        rc = change.get("ResourceChange", {})
        replacement = rc.get("Replacement") or ("-" if rc.get("Action") != "Modify" else "Unknown")
        rows.append({"Action": rc.get("Action", ""), "LogicalResourceId": rc.get("LogicalResourceId", ""),
                     "ResourceType": rc.get("ResourceType", ""), "Replacement": replacement})
    return rows


def preview_data(plan: Any) -> dict[str, Any]:
    """What a deploy would do: the stack, whether it is new, resource changes and parameter changes."""
    return {
        "StackName": plan.stack_name,
        "ChangeSetType": plan.change_set_type,
        "Changes": change_rows(plan.change_set),
        "ParameterChanges": parameter_data(plan.parameter_changes),
    }


def parameter_data(changes: Any) -> list[dict[str, Any]]:
    """A secret parameter says only that it changes ("Secret": true, both values ``****``); one left out of the
    config says that it reverts to the template default ("RevertsToDefault": true, the default as new value)."""
    return [{"ParameterKey": c.key, "OldValue": c.old, "NewValue": c.new, **({"Secret": True} if c.secret else {}),
             **({"RevertsToDefault": True} if c.reverts else {})} for c in changes]


def _cell(value: Any) -> str:
    return "(not set)" if value is None else str(value)


def _new_cell(change: dict[str, Any]) -> str:
    if change.get("Secret"):
        return "(secret, changed)" if change["OldValue"] is not None else "(secret, set)"
    if change.get("RevertsToDefault"):
        return f"{change['NewValue']} (template default)"
    return _cell(change["NewValue"])


def parameter_rows(changes: Any) -> list[list[str]]:
    """Table rows (parameter, old, new) of parameter changes: secrets without values, reverts marked."""
    data = changes if changes and isinstance(changes[0], dict) else parameter_data(changes)
    return [[c["ParameterKey"], "****" if c.get("Secret") and c["OldValue"] is not None else _cell(c["OldValue"]),
             _new_cell(c)] for c in data]


def _styled(row: dict[str, str], ui: Any) -> list[str]:
    cells = list(row.values())
    if row["Action"] == "Remove" or row["Replacement"] in ("True", "Conditional"):
        return [ui.style(c, "red", "bold") if ui else c for c in cells]
    return cells


def render_preview(data: dict[str, Any], ui: Any = None) -> str:
    title = f"Stack '{data['StackName']}' ({'new stack' if data['ChangeSetType'] == 'CREATE' else 'update'})"
    if not data["Changes"] and not data["ParameterChanges"]:
        return f"{title}: no changes."
    parts = [title + ":"]
    if data["Changes"]:
        parts.append(table(["Action", "Logical ID", "Resource type", "Replacement"],
                           [_styled(r, ui) for r in data["Changes"]]))
    if data["ParameterChanges"]:
        parts.append(table(["Parameter", "Old value", "New value"], parameter_rows(data["ParameterChanges"])))
    removals = sum(r["Action"] == "Remove" for r in data["Changes"])
    replacements = sum(r["Replacement"] in ("True", "Conditional") for r in data["Changes"])
    if removals or replacements:
        parts.append(f"Attention: {removals} removal(s), {replacements} (possible) replacement(s).")
    return "\n\n".join(parts)
