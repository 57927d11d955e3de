"""The cloud commands: thin orchestration of read -> plan -> show -> execute -> report.

Each function is ``command(context, config) -> int | None`` with ``config`` the ``cloud`` section.
"""
from __future__ import annotations

import os
from typing import Any

from fink.errors import ConfigError, FinkError
from fink.render import iso_utc, table

__all__ = ["deploy", "preview", "list", "delete", "generate", "dot", "stop", "start", "outputs", "drift"]

_list = list  # ``list`` is a command name below


def _cfn(context: dict) -> Any:
    from .cfn import CloudFormation
    return CloudFormation(context["_awsclient"])


def _stack_name(config: dict) -> str:
    name = (config.get("stack") or {}).get("StackName")
    if not name:
        raise ConfigError("cloud.stack.StackName is not set.",
                          hint="Add a cloud section with stack.StackName to your fink_<env> config file.")
    return name


def _show_outputs(ui: Any, outputs: dict[str, str]) -> None:
    if outputs:
        ui.print(table(["Output", "Value"], sorted(outputs.items())))


def deploy(context: dict, config: dict) -> int:
    from .deployer import ChangeSetGuard, apply_settings, execute_plan, make_plan, outputs_of, parameter_table
    from .stack_settings import tag_table
    ui, cfn = context["_ui"], _cfn(context)
    plan = make_plan(context, config, cfn, reviewed=context["_arguments"].get("--change-set"))
    with ChangeSetGuard(plan, cfn, ui) as guard:  # until executed, any failure or interrupt deletes the change set
        if plan.parameter_changes:
            ui.info("Parameter changes:\n" + parameter_table(plan.parameter_changes))
        if plan.settings.tag_changes:
            ui.info("Tag changes:\n" + tag_table(plan.settings.tag_changes))
        if not plan.has_changes:
            if not plan.settings.has_changes:
                ui.success(f"No changes: stack '{plan.stack_name}' is up to date.")
            context["cloud_result"] = "no changes"  # what a stack group reports for this member
            outputs = outputs_of(plan.stack)
        else:
            outcome = execute_plan(context, config, cfn, plan, guard)
            ui.success(f"Stack '{plan.stack_name}' is {outcome.status}.")
            context["cloud_result"] = "deployed"
            outputs = outputs_of(outcome.stack or cfn.describe_stack(plan.stack_name))
    apply_settings(context, config, cfn, plan)
    context["stack_output"] = outputs
    _show_outputs(ui, outputs)
    return 0


def preview(context: dict, config: dict) -> int:
    from .deployer import discard_plan, make_plan
    from .preview import preview_data, render_preview
    ui, cfn = context["_ui"], _cfn(context)
    plan = make_plan(context, config, cfn, preview=True)
    keep = bool(context["_arguments"].get("--keep")) and plan.change_set is not None
    try:
        data = preview_data(plan)
    finally:  # a preview never executes: its change set goes whatever happens, unless kept for review (--keep)
        if not keep:
            discard_plan(plan, cfn)
    if keep:
        data["KeptChangeSet"] = plan.change_set["ChangeSetName"]  # type: ignore[index]
    if context["_arguments"].get("--json"):
        ui.json(data)
    else:
        ui.print(render_preview(data, ui))
    if keep:
        ui.info(f"Change set '{data['KeptChangeSet']}' kept for review. Deploy exactly this one with "
                f"`cloud deploy --change-set {data['KeptChangeSet']}` (refused if the template or config changes "
                "meanwhile).")
    return 0


def list(context: dict, config: dict) -> int:  # noqa: A001 - the command is called list
    ui = context["_ui"]
    stacks = sorted(_cfn(context).list_stacks(), key=lambda s: s["StackName"])
    rows = [{"StackName": s["StackName"], "StackStatus": s["StackStatus"],
             "LastChange": iso_utc(s.get("LastUpdatedTime") or s.get("CreationTime"))} for s in stacks]
    if context["_arguments"].get("--json"):
        ui.json(rows)
    elif rows:
        ui.print(table(["Stack", "Status", "Last change (UTC)"], [_list(r.values()) for r in rows]))
    else:
        ui.info("No stacks.")
    return 0


def delete(context: dict, config: dict) -> int:
    from .deployer import timeout_of
    from .events import StackWatcher, failure_summary
    ui, cfn, name = context["_ui"], _cfn(context), _stack_name(config)
    if not context["_arguments"].get("--force"):
        ui.info("Nothing deleted: add -f to delete the stack.")
        return 0
    stack = cfn.describe_stack(name)
    if stack is None:
        ui.info(f"Stack '{name}' does not exist; nothing to delete.")
        return 0
    if stack.get("EnableTerminationProtection"):
        raise FinkError(f"Stack '{name}' has termination protection; nothing was deleted.",
                        hint="Set cloud.stack.TerminationProtection to false and run `cloud deploy`, or run "
                             f"`aws cloudformation update-termination-protection --no-enable-termination-protection "
                             f"--stack-name {name}`, then delete again.")
    watcher = StackWatcher(cfn, ui, context["_clock"], stack["StackId"], name, cfn.latest_event_id(stack["StackId"]),
                           timeout_of(config))
    cfn.delete_stack(name, config["stack"].get("RoleARN"))
    ui.info(f"Deleting stack '{name}' ...")
    status = watcher.watch()
    if status != "DELETE_COMPLETE":
        raise FinkError(failure_summary(name, status, watcher.events, stack["StackId"]),
                        hint="Remove or retain the resource that could not be deleted, then run `cloud delete -f` "
                             "again.")
    ui.success(f"Stack '{name}' deleted.")
    return 0


def generate(context: dict, config: dict) -> int:
    from .template import load_template, template_json
    name = _stack_name(config)
    template, _ = load_template(context, config)
    path = f"{name}-generated-cf-template.json"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(template_json(template))
    context["_ui"].info("Template written to:")
    context["_ui"].print(os.path.abspath(path))
    return 0


def dot(context: dict, config: dict) -> int:
    from .dot import render_svg, template_graph
    from .template import load_template
    template, _ = load_template(context, config)
    with open("cloudformation.dot", "w", encoding="utf-8") as fh:
        fh.write(template_graph(template))
    svg = render_svg("cloudformation.dot", "cloudformation.svg", bool(context["_arguments"].get("--system-dot")))
    context["_ui"].info("Graph of the template's resources written to:")
    context["_ui"].print(os.path.abspath(svg))
    return 0


def _existing_stack(cfn: Any, name: str) -> dict:
    stack = cfn.describe_stack(name)
    if stack is None:
        raise FinkError(f"Stack '{name}' does not exist.", hint="Deploy it with `cloud deploy` first.")
    return stack


def outputs(context: dict, config: dict) -> int:
    from .drift import output_rows, render_outputs
    ui, name = context["_ui"], _stack_name(config)
    rows = output_rows(_existing_stack(_cfn(context), name))
    if context["_arguments"].get("--json"):
        ui.json({r["OutputKey"]: r["OutputValue"] for r in rows})
    elif rows:
        ui.print(render_outputs(name, rows))
    else:
        ui.info(render_outputs(name, rows))
    return 0


def drift(context: dict, config: dict) -> int:
    from fink.errors import ExitCode
    from .deployer import timeout_of
    from .drift import detect_drift, drift_rows, render_drift
    ui, cfn, name = context["_ui"], _cfn(context), _stack_name(config)
    _existing_stack(cfn, name)
    status = detect_drift(cfn, ui, context["_clock"], name, timeout_of(config))
    rows = drift_rows(cfn.resource_drifts(name))
    if context["_arguments"].get("--json"):
        ui.json({"StackName": name, "StackDriftStatus": status.get("StackDriftStatus"), "DriftedResources": rows})
    elif rows:
        ui.print(render_drift(name, rows))
    else:
        ui.success(render_drift(name, rows))
    drifted = bool(rows) or status.get("StackDriftStatus") == "DRIFTED"
    return int(ExitCode.DIFFERENCES if drifted else ExitCode.SUCCESS)


def _stop_start(context: dict, config: dict, action: str) -> int:
    from .stopstart import run_start, run_stop
    ui, name = context["_ui"], _stack_name(config)
    if (config.get("deployment") or {}).get("DisableStop"):
        ui.info(f"Stack '{name}' is excluded from stop/start (deployment.DisableStop); nothing to do.")
        return 0
    (run_stop if action == "stop" else run_start)(context, config, name)
    return 0


def stop(context: dict, config: dict) -> int:
    return _stop_start(context, config, "stop")


def start(context: dict, config: dict) -> int:
    return _stop_start(context, config, "start")
