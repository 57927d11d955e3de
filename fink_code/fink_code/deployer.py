"""Running one CodeDeploy deployment: upload the bundle, create the deployment, watch it, explain failures, stop it
on SIGINT/SIGTERM.

The seams are handed in; waiting goes through :class:`fink.clock.Poller` on the injected clock, so the live status
and the interrupt path run in tests without sleeping. On a TTY the status is one line redrawn in place; elsewhere
a plain line is written whenever the status or the instance counts change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from fink.awsclient import AWSClient
from fink.clock import Backoff, Clock, Poller
from fink.errors import AWSError, FinkError
from fink.s3 import upload_if_missing
from fink.ui import UI

from . import aws_logs
from .aws_codedeploy import CodeDeploy
from .model import DeploymentState, InstanceReport, S3Revision, revision_key
from .report import deployment_outcome, instance_details, instance_table, progress_line

__all__ = ["upload_bundle", "Watcher", "explain_failure", "stop_deployment", "failure_error", "DeploymentFailed"]

POLL_INITIAL = 2.0
POLL_FACTOR = 1.5
POLL_MAX = 15.0


class DeploymentFailed(FinkError):
    """The deployment ended Failed or Stopped."""


def upload_bundle(awsclient: AWSClient, ui: UI, bucket: str, application: str, data: bytes,
                  sha256: str) -> S3Revision:
    """Uploads the bundle under its content-addressed key unless it is already there."""
    revision = S3Revision(bucket, revision_key(application, sha256))
    if upload_if_missing(awsclient, bucket, revision.key, data, ContentType="application/zip"):
        ui.info(f"Uploaded bundle to s3://{bucket}/{revision.key}")
    else:
        ui.info(f"Bundle unchanged, already at s3://{bucket}/{revision.key} - not uploading it again")
    return revision


@dataclass
class Watcher:
    """Polls one deployment until it is done, showing its progress."""

    codedeploy: CodeDeploy
    ui: UI
    clock: Clock
    timeout: float

    def wait(self, deployment_id: str) -> DeploymentState:
        started = self.clock.monotonic()
        shown: list[tuple] = []

        def step() -> DeploymentState | None:
            state = self.codedeploy.deployment(deployment_id)
            self._show(state, self.clock.monotonic() - started, shown)
            return state if state.done else None

        backoff = Backoff(initial=POLL_INITIAL, factor=POLL_FACTOR, maximum=POLL_MAX, timeout=self.timeout)
        try:
            return Poller(self.clock, backoff).poll(step, what=f"deployment {deployment_id}")
        finally:
            self.ui.end_status()

    def _show(self, state: DeploymentState, elapsed: float, shown: list[tuple]) -> None:
        line = progress_line(state, elapsed)
        if self.ui.is_tty:
            self.ui.status(line)
            return
        key = (state.status, state.overview)
        if not shown or shown[-1] != key:
            shown.append(key)
            self.ui.info(line)


def _log_lines(read: Callable[[], list[str] | None], ui: UI) -> list[str] | None:
    try:
        return read()
    except AWSError as exc:  # diagnostics must not hide the deployment's own failure
        ui.warn(f"Could not read the instance's logs: {exc.message}")
        return []


def explain_failure(codedeploy: CodeDeploy, awsclient: AWSClient, ui: UI, state: DeploymentState,
                    log_group: str) -> None:
    """Writes the diagnostics of a failed or stopped deployment: per instance its status, first failed lifecycle
    event and recent log lines."""
    instances = codedeploy.instances(state.deployment_id)
    if not instances:
        ui.info(f"No instances took part in deployment {state.deployment_id}.")
        return
    ui.info(f"Instances of deployment {state.deployment_id}:\n{instance_table(instances)}")
    for instance in instances:
        if _needs_details(instance):
            lines = _log_lines(lambda i=instance: aws_logs.recent_lines(
                awsclient, log_group, i.instance_id, state.create_time), ui)
            ui.info("\n".join(instance_details(instance, log_group, lines)))


def _needs_details(instance: InstanceReport) -> bool:
    return instance.failed_event is not None or instance.status not in ("Succeeded", "Skipped")


def stop_deployment(codedeploy: CodeDeploy, ui: UI, deployment_id: str, signal_name: str) -> None:
    """Called on SIGINT/SIGTERM: stops the deployment with automatic rollback and shows what CodeDeploy said."""
    ui.end_status()
    ui.warn(f"Received {signal_name}: stopping deployment {deployment_id} with automatic rollback")
    try:
        status, message = codedeploy.stop(deployment_id)
    except AWSError as exc:
        ui.error(str(exc))
        return
    ui.info(f"StopDeployment {deployment_id}: {status}" + (f" - {message}" if message else ""))


def failure_error(state: DeploymentState) -> DeploymentFailed:
    return DeploymentFailed(deployment_outcome(state),
                            hint="See the diagnostics above; fix the revision and run `code deploy` again.")

