"""Read-only commands: list, info and metrics. Each gathers data, renders it pure, and writes through the UI."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Mapping

from fink.errors import FinkError
from fink.render import table
from fink.ui import UI

from .seam_lambda import ALIAS, LambdaSeam

__all__ = ["list_functions", "list_table", "function_rows", "show_info", "show_metrics", "METRICS", "info_lines"]

METRICS = ("Duration", "Errors", "Invocations", "Throttles")
LIST_HEADERS = ("Name", "Memory", "Timeout", "Role", "Active version", "Last modified", "CodeSha256")


def function_rows(functions: list[dict[str, Any]], active: Mapping[str, str | None]) -> list[dict[str, Any]]:
    return [{"name": f["FunctionName"], "memory": f.get("MemorySize"), "timeout": f.get("Timeout"),
             "role": f.get("Role"), "active_version": active.get(f["FunctionName"]),
             "last_modified": f.get("LastModified"), "code_sha256": f.get("CodeSha256")}
            for f in sorted(functions, key=lambda f: f["FunctionName"])]


def list_table(rows: list[dict[str, Any]]) -> str:
    """The ``lambda list`` table (pure)."""
    return table(LIST_HEADERS, [[r[k] or "-" if k == "active_version" else r[k] for k in r] for r in rows])


def list_functions(context: Mapping[str, Any], region: str | None) -> int:
    ui: UI = context["_ui"]
    seam = LambdaSeam(context["_awsclient"], region)
    functions = seam.list_functions()
    active = {}
    for function in functions:
        alias = seam.get_alias(function["FunctionName"])
        active[function["FunctionName"]] = alias["FunctionVersion"] if alias else None
    rows = function_rows(functions, active)
    if context["_arguments"].get("--json"):
        ui.json(rows)
    elif rows:
        ui.print(list_table(rows))
    else:
        ui.info(f"no functions in {seam.region}")
    return 0


def info_lines(conf: Mapping[str, Any], alias: Mapping[str, Any] | None, versions: list[int],
               statements: list[dict[str, Any]], events: list[tuple[str, str]]) -> list[str]:
    """The ``lambda info`` rendering (pure)."""
    lines = [f"function:   {conf['FunctionName']}", f"runtime:    {conf.get('Runtime')}",
             f"handler:    {conf.get('Handler')}", f"memory:     {conf.get('MemorySize')} MB",
             f"timeout:    {conf.get('Timeout')} s", f"role:       {conf.get('Role')}",
             f"CodeSha256: {conf.get('CodeSha256')}",
             f"{ALIAS}:     {'version ' + alias['FunctionVersion'] if alias else '-'}",
             f"versions:   {', '.join(map(str, versions)) or '-'}", "permissions:"]
    for st in statements:
        source = (st.get("Condition") or {}).get("ArnLike", {}).get("AWS:SourceArn", "-")
        principal = (st.get("Principal") or {}).get("Service", st.get("Principal"))
        lines.append(f"  {st.get('Sid')}: {principal} from {source}")
    if not statements:
        lines.append("  -")
    lines.append("events:")
    lines += [f"  {what}: {state}" for what, state in events] or ["  -"]
    return lines


def show_info(context: Mapping[str, Any], config: Mapping[str, Any]) -> int:
    from .wiring import event_states
    ui: UI = context["_ui"]
    name = config["lambda"]["name"]
    seam = LambdaSeam(context["_awsclient"], (config.get("deployment") or {}).get("region"))
    found = seam.get_function(name)
    if found is None:
        raise FinkError(f"Function '{name}' does not exist in {seam.region}.", hint="Deploy it: lambda deploy")
    alias = seam.get_alias(name)
    statements = seam.get_policy(name) if alias else []
    events = event_states(context, config) if alias else []
    ui.lines(info_lines(found["Configuration"], alias, seam.numbered_versions(name), statements, events))
    return 0


def show_metrics(context: Mapping[str, Any], name: str, region: str | None) -> int:
    from .seam_cloudwatch import MetricsSeam
    ui: UI = context["_ui"]
    end = context["_clock"].now()
    start = end - timedelta(days=1)
    if LambdaSeam(context["_awsclient"], region).get_function(name) is None:
        raise FinkError(f"Function '{name}' does not exist in {region or context['_awsclient'].region}.",
                        hint="Check the name (`lambda list`) and the region.")
    seam = MetricsSeam(context["_awsclient"], region)
    values = {metric: seam.sum_of(name, metric, start, end) for metric in METRICS}
    ui.print(name)
    for metric, value in values.items():
        ui.print(f"    {metric} {int(value)}" + (" ms" if metric == "Duration" else ""))
    return 0
