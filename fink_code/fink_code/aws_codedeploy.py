"""The CodeDeploy seam: the few CodeDeploy calls ``code deploy`` makes, named by intent.

Only this module (and :mod:`fink_code.aws_logs`) talks to botocore for the code tool; AWS errors become
:class:`fink.errors.AWSError` here, with a hint saying what to do next. Responses are turned into the frozen models
of :mod:`fink_code.model`.

CreateDeployment has no idempotency token: its description carries a request id, and after a lost response the
deployment with that description is read back and adopted (see :meth:`fink.awsclient.AWSClient.mutate`).

No RegisterApplicationRevision: CreateDeployment with an S3 revision registers that revision with the application
implicitly (it shows up in ListApplicationRevisions), so a separate call would only duplicate it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from fink.awsclient import AWSClient, aws_errors, request_id

from .model import DeploymentState, InstanceReport, S3Revision, instance_from, state_from

__all__ = ["DeploymentTarget", "CodeDeploy"]

_BATCH = 25  # BatchGetDeploymentTargets takes at most 25 target ids
_MISSING_HINT = ("Check code.codedeploy in your fink_<env> config; the application and deployment group must exist "
                 "in this account and region (create them with your infrastructure stack).")


@dataclass(frozen=True)
class DeploymentTarget:
    application: str
    group: str
    config: str


class CodeDeploy:
    def __init__(self, awsclient: AWSClient):
        self._awsclient = awsclient
        self._client = awsclient.get_client("codedeploy")

    def deployment_ids(self, target: DeploymentTarget) -> list[str]:
        paginator: Any = self._client.get_paginator("list_deployments")
        with aws_errors(f"Listing the deployments of {target.application}/{target.group}", hint=_MISSING_HINT):
            return [d for page in paginator.paginate(applicationName=target.application,
                                                     deploymentGroupName=target.group)
                    for d in page.get("deployments", [])]

    def check_target(self, target: DeploymentTarget) -> None:
        """The application and the deployment group must exist: read before anything is uploaded or created."""
        from botocore.exceptions import ClientError

        from fink.awsclient import error_code
        from fink.errors import ConfigError
        try:
            self._client.get_deployment_group(applicationName=target.application,
                                              deploymentGroupName=target.group)
        except ClientError as exc:
            missing = {"ApplicationDoesNotExistException": f"CodeDeploy application '{target.application}'",
                       "DeploymentGroupDoesNotExistException":
                           f"deployment group '{target.group}' of application '{target.application}'"}
            if error_code(exc) in missing:
                raise ConfigError(f"The {missing[error_code(exc)]} does not exist; nothing was uploaded or deployed.",
                                  hint=_MISSING_HINT) from None
            with aws_errors(f"Reading deployment group {target.application}/{target.group}"):
                raise

    def create_deployment(self, target: DeploymentTarget, revision: S3Revision, *, description: str,
                          ignore_stop_failures: bool) -> str:
        """Starts a deployment of ``revision``; returns its id."""
        description = f"{description} (request {request_id()})"

        def adopt() -> str | None:
            return next((d for d in self.deployment_ids(target) if self._description(d) == description), None)
        return self._awsclient.mutate(
            f"Creating a deployment of {target.application}/{target.group}",
            lambda: self._client.create_deployment(
                applicationName=target.application, deploymentGroupName=target.group,
                deploymentConfigName=target.config, revision=revision.as_revision(), description=description,
                ignoreApplicationStopFailures=ignore_stop_failures)["deploymentId"],
            adopt=adopt, hint=_MISSING_HINT)

    def _description(self, deployment_id: str) -> str:
        with aws_errors(f"Reading deployment {deployment_id}"):
            return self._client.get_deployment(deploymentId=deployment_id)["deploymentInfo"].get("description", "")

    def deployment(self, deployment_id: str) -> DeploymentState:
        with aws_errors(f"Reading deployment {deployment_id}"):
            info = self._client.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        return state_from(info)

    def stop(self, deployment_id: str) -> tuple[str, str]:
        """Stops the deployment and rolls back; returns CodeDeploy's (status, statusMessage)."""
        with aws_errors(f"Stopping deployment {deployment_id}",
                        hint="Stop it in the CodeDeploy console if it is still running."):
            response = self._client.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
        return response.get("status", ""), response.get("statusMessage", "")

    def instances(self, deployment_id: str) -> list[InstanceReport]:
        """Every instance of the deployment with its status and lifecycle events."""
        ids = list(self._target_ids(deployment_id))
        reports: list[InstanceReport] = []
        for start in range(0, len(ids), _BATCH):
            with aws_errors(f"Reading the instances of deployment {deployment_id}"):
                targets = self._client.batch_get_deployment_targets(
                    deploymentId=deployment_id, targetIds=ids[start:start + _BATCH])["deploymentTargets"]
            reports += [instance_from(t["instanceTarget"]) for t in targets if "instanceTarget" in t]
        return reports

    def _target_ids(self, deployment_id: str) -> Iterator[str]:
        paginator: Any = self._client.get_paginator("list_deployment_targets")
        with aws_errors(f"Listing the instances of deployment {deployment_id}"):
            for page in paginator.paginate(deploymentId=deployment_id):
                yield from page.get("targetIds", [])
