"""cloud deploy and cloud preview: read the stack, plan a change set, then execute it or only show it.

Both commands build the same :class:`Plan` (template, parameters, parameter changes and a ready change set);
``deploy`` executes it and follows the stack, ``preview`` renders it and deletes the change set (and the empty
REVIEW_IN_PROGRESS stack CloudFormation creates for a new stack's change set).

A new stack is the one exception: ``deploy`` creates it with CreateStack (everything is new, so there is nothing
to review, and CreateStack sets the stack policy atomically). It also keeps the local emulator usable: moto does
not fill in a stack's outputs when a CREATE change set is executed.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from fink.awsclient import request_id
from fink.errors import ConfigError, FinkError, GracefulExit
from fink.render import table

from .cfn import CloudFormation
from .deploy_state import add_state, deployed_state, template_digest, without_state
from .events import SUCCESS_STATUSES, StackWatcher, failure_summary
from .params import (SECRETS_METADATA, ParameterChange, check_parameters, check_values, keeps_previous,
                     parameter_changes, parameter_list, secret_keys)
from .review import adopt_change_set, description
from .stack_settings import (SettingsPlan, change_set_settings, create_stack_settings, plan_settings, template_key,
                             upload_extra)
from .template import MAX_BODY_BYTES, has_stack_policy, load_template, override_note, stack_policies

__all__ = ["Plan", "Outcome", "make_plan", "execute_plan", "discard_plan", "check_deployable", "parameter_table",
           "outputs_of", "timeout_of", "ChangeSetGuard", "apply_settings"]

_BLOCKED = {
    "ROLLBACK_COMPLETE": ("Stack '{name}' is in ROLLBACK_COMPLETE: its creation failed and it cannot be updated.",
                          "Delete it with `cloud delete -f`, then run `cloud deploy` again."),
    "ROLLBACK_FAILED": ("Stack '{name}' is in ROLLBACK_FAILED: its creation failed and the rollback too.",
                        "Delete it with `cloud delete -f` (retained resources may need manual cleanup)."),
    "CREATE_FAILED": ("Stack '{name}' is in CREATE_FAILED: its creation failed and it was kept (OnFailure DO_NOTHING).",
                      "Delete it with `cloud delete -f`, then run `cloud deploy` again."),
    "DELETE_FAILED": ("Stack '{name}' is in DELETE_FAILED.",
                      "Find the resource that could not be deleted, remove it, then run `cloud delete -f`."),
    "UPDATE_ROLLBACK_FAILED": ("Stack '{name}' is in UPDATE_ROLLBACK_FAILED.",
                               "Continue the rollback: aws cloudformation continue-update-rollback "
                               "--stack-name {name}"),
}


@dataclass(frozen=True)
class Plan:
    stack_name: str
    change_set_type: str                  # CREATE or UPDATE
    stack: dict[str, Any] | None          # the stack before the change (None: it did not exist)
    parameter_changes: list[ParameterChange]
    change_set: dict[str, Any] | None     # None: nothing to change, or a new stack created with CreateStack
    module: ModuleType | None             # cloudformation.py (for its stack policy functions)
    request: dict[str, Any]               # the change set request (CreateStack takes the same arguments)
    settings: SettingsPlan = SettingsPlan()  # tag changes (shown) and a termination protection change
    last_event: str | None = None         # the newest event when planning, read only when the change set has no
                                          # CreationTime (an event after it means another run changed the stack)

    @property
    def creates_stack(self) -> bool:
        """A new stack that deploy creates with CreateStack (no change set)."""
        return self.stack is None and self.change_set is None

    @property
    def has_changes(self) -> bool:
        return self.change_set is not None or self.creates_stack

    @property
    def ids(self) -> dict[str, str]:
        assert self.change_set is not None
        return {"ChangeSetName": self.change_set["ChangeSetId"], "StackName": self.change_set["StackId"]}


def timeout_of(config: dict) -> float:
    return float(config.get("deployment", {}).get("timeout", 3600))


def check_deployable(stack: dict[str, Any] | None) -> None:
    """Refuse stacks that CloudFormation cannot update, with the way forward."""
    if stack is None:
        return
    name, status = stack["StackName"], stack["StackStatus"]
    if status in _BLOCKED:
        message, hint = _BLOCKED[status]
        raise FinkError(message.format(name=name), hint=hint.format(name=name))
    if status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
        raise FinkError(f"Stack '{name}' is busy ({status}).",
                        hint="Wait until CloudFormation has finished, then deploy again.")


def _is_new(stack: dict[str, Any] | None) -> bool:
    return stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS"


def _template_source(context: dict, config: dict, body: str) -> dict[str, str]:
    """TemplateBody, or TemplateURL after uploading to ``stack.artifactBucket`` (required above 51,200 bytes)."""
    bucket = config["stack"].get("artifactBucket")
    if not bucket:
        if len(body.encode()) > MAX_BODY_BYTES:
            raise ConfigError(f"The template has {len(body.encode())} bytes, more than CloudFormation accepts "
                              f"inline ({MAX_BODY_BYTES}).",
                              hint="Set cloud.stack.artifactBucket to an S3 bucket; the template is uploaded there.")
        return {"TemplateBody": body}
    from fink.s3 import s3_url, upload_if_missing
    awsclient = context["_awsclient"]
    digest = hashlib.sha256(body.encode()).hexdigest()[:16]
    key = template_key(config["stack"], awsclient.region, digest)
    upload_if_missing(awsclient, bucket, key, body.encode(), **upload_extra(config["stack"]))
    return {"TemplateURL": s3_url(bucket, key, awsclient.region)}


def _change_set_request(context: dict, config: dict, body: str, change_set_type: str,
                        state: dict[str, str] | None = None) -> dict[str, Any]:
    """The change set request (CreateStack takes the same arguments); ``state``: the deploy state parameter."""
    stack = config["stack"]
    request: dict[str, Any] = {
        "StackName": stack["StackName"], "ChangeSetType": change_set_type,
        "ChangeSetName": "fink-" + context["_clock"].now().strftime("%Y%m%d%H%M%S-") + request_id(),
        "Parameters": parameter_list(config.get("parameters") or {}) + ([state] if state else []),
        **_template_source(context, config, body),
        **change_set_settings(stack, change_set_type),
    }
    if stack.get("RoleARN"):
        request["RoleARN"] = stack["RoleARN"]
    if "NotificationARNs" in stack:
        request["NotificationARNs"] = list(stack["NotificationARNs"])
    request["Description"] = description(request)  # pins the request, for `cloud deploy --change-set`
    return request


def make_plan(context: dict, config: dict, cfn: CloudFormation, *, preview: bool = False,
              reviewed: str | None = None) -> Plan:
    """Read the stack, check template and parameters, and create (but not execute) the change set.

    For a stack that does not exist yet only a preview creates a change set. With ``reviewed`` (a change set name
    from ``cloud preview --keep``) that change set is planned instead, if it is exactly what would be deployed."""
    if not config.get("stack", {}).get("StackName"):
        raise ConfigError("cloud.stack.StackName is not set.", hint="Add it to the cloud section of your config.")
    config_params = config.get("parameters") or {}
    check_values(config_params)
    template, module = load_template(context, config)
    template_params = template.get("Parameters", {})
    check_parameters(template_params, config_params)
    stack = cfn.describe_stack(config["stack"]["StackName"])
    check_deployable(stack)
    _check_keep_previous(config_params, stack)
    secrets = _secret_parameters(context["_ui"], template, config_params)
    new_params = parameter_list(config_params)
    changes = [] if _is_new(stack) else _parameter_changes(context["_ui"], cfn, template_params, stack, new_params,
                                                           secrets)
    state = add_state(template, secrets)
    change_set_type = "CREATE" if _is_new(stack) else "UPDATE"
    request = _change_set_request(context, config, json.dumps(template, indent=2), change_set_type, state)
    settings = plan_settings(None if _is_new(stack) else stack, config["stack"])
    change_set, last_event = None, None
    if not preview and not reviewed and not changes and not settings.tag_changes \
            and _same_as_deployed(cfn, stack, template, request):
        return Plan(config["stack"]["StackName"], change_set_type, stack, changes, None, module, request,
                    settings=settings)
    if reviewed:
        change_set = adopt_change_set(cfn, request, reviewed)
    elif stack is not None or preview:
        change_set = cfn.create_change_set(request, context["_clock"], timeout_of(config))
    if change_set is not None and change_set_type == "UPDATE" and not change_set.get("CreationTime"):
        last_event = cfn.latest_event_id(change_set["StackId"])  # no CreationTime to compare events with
    return Plan(config["stack"]["StackName"], change_set_type, stack, changes, change_set, module, request,
                settings=settings, last_event=last_event)


def _same_as_deployed(cfn: CloudFormation, stack: dict[str, Any] | None, template: dict, request: dict) -> bool:
    """Whether the deployed stack already has this template, these parameters and settings, so that deploy needs
    no change set at all (a repeated deploy makes no change, not even a change set to delete again).

    Only when nothing outside the template can change the outcome: no NoEcho or SSM parameter (their values cannot
    be compared), no transform (macros expand at deploy time)."""
    if _is_new(stack) or not str(stack["StackStatus"]).endswith("_COMPLETE"):  # type: ignore[index]
        return False
    params = (template.get("Parameters") or {}).values()
    if "Transform" in template or any(str(p.get("NoEcho", "")).lower() == "true"
                                      or str(p.get("Type", "")).startswith("AWS::SSM::") for p in params):
        return False
    if "NotificationARNs" in request and sorted(request["NotificationARNs"]) != sorted(
            stack.get("NotificationARNs", [])):  # type: ignore[union-attr]
        return False
    if request.get("RoleARN", stack.get("RoleARN")) != stack.get("RoleARN"):  # type: ignore[union-attr]
        return False
    state = deployed_state(stack)
    if state is not None and state.get("t") != template_digest(template):
        return False  # a different digest proves a change; an equal one is confirmed below (another tool may
        # have updated the stack since)
    deployed = cfn.original_template(stack["StackId"])  # type: ignore[index]
    return without_state(deployed) == without_state(json.loads(json.dumps(template)))


def _check_keep_previous(config_params: dict, stack: dict[str, Any] | None) -> None:
    kept = sorted(k for k, v in config_params.items() if keeps_previous(v))
    if kept and _is_new(stack):
        raise ConfigError(f"cloud.parameters: UsePreviousValue for a stack that does not exist yet: "
                          f"{', '.join(kept)}.", hint="Give these parameters a value for the first deploy.")


def _secret_parameters(ui: Any, template: dict[str, Any], config_params: dict) -> set[str]:
    """The parameters whose new value is a secret; NoEcho values are registered as secrets. The deployed template
    lists them in its Metadata, so the next deploy knows which previous values must not be shown."""
    params = template.get("Parameters", {})
    keys = secret_keys(params, config_params, ui.is_secret)
    for key in keys:
        if not keeps_previous(config_params.get(key)) and key in config_params:
            ui.register_secret(config_params[key])
    if keys:
        template["Metadata"] = {**(template.get("Metadata") or {}), SECRETS_METADATA: sorted(keys)}
    return keys


def _parameter_changes(ui: Any, cfn: CloudFormation, template_params: dict, stack: dict[str, Any],
                       new_params: list[dict[str, Any]], secrets: set[str]) -> list[ParameterChange]:
    """The parameter diff; if it would show a previous value, the parameters that held a secret then are looked up
    (in the deploy state, or else in the deployed template) and their previous values registered as secrets and
    shown masked."""
    current = stack.get("Parameters", [])
    _register_previous(ui, current, secrets)
    changes = parameter_changes(template_params, current, new_params, secrets)
    if not any(not c.secret and c.old is not None for c in changes):
        return changes
    state = deployed_state(stack)
    if state is not None and isinstance(state.get("s"), list):
        were = {str(name) for name in state["s"]}
    else:
        deployed = cfn.processed_template(stack["StackName"])
        were = set((deployed.get("Metadata") or {}).get(SECRETS_METADATA) or ())
    _register_previous(ui, current, were)
    return parameter_changes(template_params, current, new_params, secrets | were) if were else changes


def _register_previous(ui: Any, current: list[dict[str, Any]], keys: set[str]) -> None:
    """The deployed values of secret parameters are secrets too (a rotated secret's old value, stale outputs)."""
    for param in current:
        if param["ParameterKey"] in keys and param.get("ParameterValue") not in (None, "****"):
            ui.register_secret(param["ParameterValue"])


def parameter_table(changes: list[ParameterChange]) -> str:
    from .preview import parameter_rows
    return table(["Parameter", "Old value", "New value"], parameter_rows(changes))


def discard_plan(plan: Plan, cfn: CloudFormation) -> None:
    """Remove what planning left in AWS: the change set and a stack that exists only for it.

    A REVIEW_IN_PROGRESS stack that still has other change sets (someone else's review) is left alone."""
    if plan.change_set is not None:
        cfn.delete_change_set(plan.ids)
    if plan.change_set_type == "CREATE":
        stack = cfn.describe_stack(plan.stack_name)
        if stack is not None and stack["StackStatus"] == "REVIEW_IN_PROGRESS" \
                and not cfn.has_change_sets(stack["StackId"]):
            cfn.delete_stack(stack["StackId"])


class ChangeSetGuard:
    """No debris: from "change set ready" until ExecuteChangeSet has been sent, any failure or interrupt deletes the
    change set (and the empty REVIEW_IN_PROGRESS stack of a new one). An interrupt while ExecuteChangeSet is in
    flight reads back whether it was executed: if not, the change set goes too; if so, the update is running."""

    def __init__(self, plan: Plan, cfn: CloudFormation, ui: Any):
        self.plan, self.cfn, self.ui = plan, cfn, ui
        self.sent = False
        self._closed = False

    def __enter__(self) -> "ChangeSetGuard":
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or self.sent or self._closed or self.plan.change_set is None:
            return False
        self._closed = True
        try:
            discard_plan(self.plan, self.cfn)
            self.ui.info(f"Deleted the unexecuted change set of stack '{self.plan.stack_name}': nothing was changed.")
        except FinkError as error:
            self.ui.warn(f"Could not delete the change set {self.plan.change_set['ChangeSetId']}: {error.message} "
                         f"Delete it with `aws cloudformation delete-change-set --change-set-name "
                         f"{self.plan.change_set['ChangeSetId']}`.")
        return False

    def execute(self, disable_rollback: bool = False) -> None:
        """Send ExecuteChangeSet; an interrupt during the call is resolved by reading the change set back."""
        from fink.checkpoints import checkpoint
        checkpoint("change-set-ready")
        try:
            self.cfn.execute_change_set(self.plan.ids, **({"disable_rollback": True} if disable_rollback else {}))
        except GracefulExit:
            self.sent = self._was_executed()
            if self.sent:
                self.ui.warn(_running_message(self.plan.stack_name))
            raise
        self.sent = True

    def _was_executed(self) -> bool:
        try:
            change_set = self.cfn.describe_change_set(self.plan.ids)
        except FinkError:
            return True  # gone or unreadable: assume the update runs, and say so
        return change_set.get("ExecutionStatus", "AVAILABLE") != "AVAILABLE"


def _running_message(stack_name: str) -> str:
    return (f"The update of stack '{stack_name}' may still be running in CloudFormation. Watch it with "
            f"`aws cloudformation describe-stacks --stack-name {stack_name}` (or the console) and run `cloud deploy` "
            "again when it has finished.")


def outputs_of(stack: dict[str, Any] | None) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in (stack or {}).get("Outputs", [])}


# ---- executing ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    status: str                          # the stack's final status
    stack: dict[str, Any] | None = None  # the stack as last read, when following it ended with DescribeStacks


def execute_plan(context: dict, config: dict, cfn: CloudFormation, plan: Plan,
                 guard: ChangeSetGuard | None = None) -> Outcome:
    """Execute the change set, follow the stack and apply the stack policy; returns the final status (and the
    stack, when following it already read it).

    Until ExecuteChangeSet has been sent, ``guard`` (one is made when none is handed in) deletes the change set
    on any failure or interrupt."""
    ui = context["_ui"]
    guard = guard or ChangeSetGuard(plan, cfn, ui)
    with guard:
        return _execute(context, config, cfn, plan, guard)


def _execute(context: dict, config: dict, cfn: CloudFormation, plan: Plan, guard: ChangeSetGuard) -> Outcome:
    ui = context["_ui"]
    override = bool(context["_arguments"].get("--override-stack-policy"))
    policy, during = stack_policies(plan.module, override)
    if override_note(plan.module, override):
        ui.warn(override_note(plan.module, override))
    if plan.creates_stack:
        ui.info(f"Creating stack '{plan.stack_name}' ...")
        stack_id = cfn.create_stack({**plan.request, **create_stack_settings(config["stack"])}, json.dumps(policy))
        watcher = _watcher(context, config, cfn, plan, stack_id, None)
    else:
        stack_id = plan.change_set["StackId"]  # type: ignore[index]
        watcher = _watcher(context, config, cfn, plan, stack_id, _unchanged_since_plan(cfn, plan, stack_id))
    restore = plan.change_set_type == "UPDATE" and during is not None
    try:
        if not plan.creates_stack:
            _apply_update_policy(ui, cfn, plan, stack_id, policy, during)
            guard.execute(disable_rollback=plan.change_set_type == "UPDATE"
                          and bool(config["stack"].get("DisableRollback")))
            ui.info(f"{'Creating' if plan.change_set_type == 'CREATE' else 'Updating'} stack '{plan.stack_name}' ...")
        status = _follow(cfn, ui, watcher, plan)
        if status not in SUCCESS_STATUSES:
            raise FinkError(failure_summary(plan.stack_name, status, watcher.events, stack_id),
                            hint=_failure_hint(plan.change_set_type, config))
    except BaseException:  # failed, interrupted or timed out: the policy for this update must not stay
        if restore:
            _restore_policy_quietly(ui, cfn, plan.stack_name, stack_id, policy)
        raise
    if restore or (plan.change_set_type == "CREATE" and not plan.creates_stack):
        cfn.set_stack_policy(stack_id, json.dumps(policy))
    return Outcome(status, watcher.stack)


def _unchanged_since_plan(cfn: CloudFormation, plan: Plan, stack_id: str) -> str | None:
    """The stack's newest event id (where following the stack starts); refuses (and discards the change set) when
    another run changed the stack after this one's change set was computed, so that its change is never silently
    overwritten. One event read: an event later than the change set's CreationTime (both AWS's clock) is another
    run's; without a CreationTime the newest event must still be the one read when planning."""
    latest = cfn.latest_event(stack_id)
    created = (plan.change_set or {}).get("CreationTime")
    if plan.change_set_type == "UPDATE" and (
            (latest is not None and latest["Timestamp"] > created) if created
            else (latest or {}).get("EventId") != plan.last_event):
        discard_plan(plan, cfn)
        raise FinkError(f"Stack '{plan.stack_name}' was changed by someone else while this deploy was planning; "
                        "nothing was changed by this run and its change set was deleted.",
                        hint="Another `cloud deploy` may be running: wait until the stack is stable, then run "
                             "`cloud deploy` again (it plans against the new state).")
    return latest["EventId"] if latest else None


def _restore_policy_quietly(ui: Any, cfn: CloudFormation, name: str, stack_id: str, policy: dict) -> None:
    """Put the stack policy back after an update that did not succeed (without hiding why it did not)."""
    try:
        cfn.set_stack_policy(stack_id, json.dumps(policy))
    except FinkError as error:
        ui.warn(f"Could not put the stack policy of '{name}' back: {error.message} The policy for the update is "
                "still in place: set the stack policy again (aws cloudformation set-stack-policy) when the stack is "
                "stable.")


def _watcher(context: dict, config: dict, cfn: CloudFormation, plan: Plan, stack_id: str,
             after: str | None, since: Any = None) -> StackWatcher:
    started_after = (plan.change_set or {}).get("CreationTime") if plan.change_set_type == "UPDATE" else None
    return StackWatcher(cfn, context["_ui"], context["_clock"], stack_id, plan.stack_name, after, timeout_of(config),
                        since=since, quick=True, started_after=started_after)


def _apply_update_policy(ui: Any, cfn: CloudFormation, plan: Plan, stack_id: str, policy: dict,
                         during: dict | None) -> None:
    """ExecuteChangeSet takes no policy: a policy for this update is set before and restored afterwards. Without
    one, the stack policy is set only when ``get_stack_policy()`` is defined and differs from the stack's (no
    SetStackPolicy when nothing changed; the default policy was set when the stack was created)."""
    if plan.change_set_type != "UPDATE":
        return
    if during is not None:
        ui.info("Applying the stack policy for this update: " + _policy_source(during))
        cfn.set_stack_policy(stack_id, json.dumps(during))
    elif has_stack_policy(plan.module) and cfn.stack_policy(stack_id) != json.loads(json.dumps(policy)):
        cfn.set_stack_policy(stack_id, json.dumps(policy))


def _policy_source(during: dict) -> str:
    """Which policy was really applied for the update (the message must not claim a flag that was not given)."""
    from .template import OVERRIDE_POLICY
    if during is OVERRIDE_POLICY:
        return "--override-stack-policy (every update action allowed)"
    return "get_stack_policy_during_update() of cloudformation.py"


def apply_settings(context: dict, config: dict, cfn: CloudFormation, plan: Plan) -> None:
    """After the change set: termination protection where it differs (a stack created from a change set gets it
    now; CreateStack set it already)."""
    ui, wanted = context["_ui"], config["stack"].get("TerminationProtection")
    protection = plan.settings.protection
    if plan.change_set_type == "CREATE" and not plan.creates_stack and wanted:
        protection = True
    if protection is not None:
        cfn.set_termination_protection(plan.stack_name, protection)
        ui.info(f"Termination protection of stack '{plan.stack_name}' is now {'on' if protection else 'off'}.")
    if plan.settings.tag_changes and plan.change_set is None and not plan.creates_stack:
        ui.warn(f"CloudFormation reported no changes for stack '{plan.stack_name}', so its tags were not updated. "
                "Deploy again together with a template or parameter change.")


def _failure_hint(change_set_type: str, config: dict | None = None) -> str:
    stack = (config or {}).get("stack", {})
    if change_set_type == "UPDATE" and stack.get("DisableRollback"):
        return ("Rollback is disabled (cloud.stack.DisableRollback): the resources stay as they failed, for "
                "debugging. Fix the cause and deploy again, or roll back with "
                f"`aws cloudformation rollback-stack --stack-name {stack.get('StackName')}`.")
    if change_set_type == "CREATE" and stack.get("OnFailure") in ("DO_NOTHING", "DELETE"):
        return {"DO_NOTHING": "The stack was kept as it failed (cloud.stack.OnFailure DO_NOTHING), for debugging. "
                              "Fix the cause, delete the stack with `cloud delete -f`, then deploy again.",
                "DELETE": "The stack was deleted (cloud.stack.OnFailure DELETE). Fix the cause and deploy "
                          "again."}[stack["OnFailure"]]
    if change_set_type == "CREATE":
        return "The stack was rolled back. Fix the cause, delete the stack with `cloud delete -f`, then deploy again."
    return "The stack was rolled back to its previous state. Fix the cause and deploy again."


def _follow(cfn: CloudFormation, ui: Any, watcher: StackWatcher, plan: Plan) -> str:
    """Follow the stack; on SIGINT/SIGTERM cancel an update and follow its rollback, then re-raise."""
    from fink.checkpoints import checkpoint
    try:
        checkpoint("stack-changing")
        return watcher.watch()
    except GracefulExit as exc:
        if plan.change_set_type == "CREATE":
            ui.warn(f"Stack '{plan.stack_name}' is still being created ({watcher.status or 'CREATE_IN_PROGRESS'}); "
                    "CloudFormation carries on without fink. When it has finished, run `cloud deploy` again or "
                    "remove the stack with `cloud delete -f`.")
            raise
        _cancel_update(cfn, ui, watcher, plan, exc)
        raise


def _cancel_update(cfn: CloudFormation, ui: Any, watcher: StackWatcher, plan: Plan, exc: GracefulExit) -> None:
    ui.warn(f"Received {exc.signal_name}: cancelling the update of stack '{plan.stack_name}' and following its "
            "rollback (send the signal again to exit at once).")
    try:
        cfn.cancel_update(plan.stack_name)
    except FinkError as error:
        ui.warn(f"Could not cancel the update: {error.message} {_running_message(plan.stack_name)}")
        return
    status = watcher.watch()
    ui.info(f"Stack '{plan.stack_name}' is now {status}.")
