"""Pure renderings of a deployment: the live status line and the diagnostics of a failed or stopped deployment.

They return text; the deployer writes it through the UI. Golden files in ``tests/code/golden`` pin them.
"""
from __future__ import annotations

from typing import Sequence

from fink.render import duration, table

from .model import DeploymentState, FailedEvent, InstanceReport

__all__ = ["progress_line", "deployment_outcome", "instance_table", "instance_details", "console_url"]

_INDENT = "    | "


def progress_line(state: DeploymentState, elapsed: float) -> str:
    """``d-123 InProgress: 1 pending, 2 in progress, 0 succeeded, 0 failed, 0 skipped (1m05s)``."""
    o = state.overview
    return (f"{state.deployment_id} {state.status}: {o.pending} pending, {o.in_progress} in progress, "
            f"{o.succeeded} succeeded, {o.failed} failed, {o.skipped} skipped ({duration(elapsed)})")


def deployment_outcome(state: DeploymentState) -> str:
    """One line: how the deployment ended and what CodeDeploy said about it."""
    verb = {"Stopped": "was stopped", "Failed": "failed", "Succeeded": "succeeded"}.get(state.status, state.status)
    text = f"Deployment {state.deployment_id} {verb}"
    if state.error_message:
        text += f": {state.error_message}" + (f" ({state.error_code})" if state.error_code else "")
    return text if state.error_message else text + "."


def instance_table(instances: Sequence[InstanceReport]) -> str:
    rows = [(i.instance_id, i.status, i.last_event) for i in instances]
    return table(["instance", "status", "last lifecycle event"], rows)


def _quoted(text: str) -> list[str]:
    return [_INDENT + line for line in text.rstrip("\n").splitlines()] or [_INDENT + "(empty)"]


def _event_lines(event: FailedEvent) -> list[str]:
    lines = [f"  lifecycle event {event.name} {event.status}"
             + (f": script {event.script}" if event.script else "")
             + (f", error {event.error_code}" if event.error_code else "")]
    if event.message:
        lines.append(f"  message: {event.message}")
    if event.log_tail:
        lines += ["  log tail:", *_quoted(event.log_tail)]
    return lines


def instance_details(instance: InstanceReport, log_group: str, log_lines: Sequence[str] | None) -> list[str]:
    """The diagnostics of one instance: its failed lifecycle event and its recent CloudWatch log lines."""
    lines = [f"Instance {instance.instance_id}: {instance.status}"]
    if instance.failed_event:
        lines += _event_lines(instance.failed_event)
    if log_lines is None:
        lines.append(f"  no log stream {instance.instance_id} in log group {log_group}")
    elif not log_lines:
        lines.append(f"  no lines in log group {log_group} (stream {instance.instance_id}) since the deployment began")
    else:
        lines.append(f"  recent lines of log group {log_group} (stream {instance.instance_id}):")
        lines += _quoted("\n".join(log_lines))
    return lines


def console_url(deployment_id: str, region: str) -> str:
    return (f"https://{region}.console.aws.amazon.com/codesuite/codedeploy/deployments/{deployment_id}"
            f"?region={region}")
