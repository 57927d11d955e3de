"""What ``code deploy`` knows about a CodeDeploy deployment, as frozen data, and the pure parsers that build it.

The seams hand AWS's response dicts to the ``*_from`` functions here; everything downstream (waiting, rendering,
diagnostics) works on these models only, so it can be tested without AWS.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

__all__ = [
    "DONE_STATUSES", "Overview", "DeploymentState", "FailedEvent", "InstanceReport", "S3Revision",
    "overview_from", "state_from", "instance_from", "revision_key", "sha256_hex",
]

#: deployment statuses after which nothing changes any more
DONE_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})


@dataclass(frozen=True)
class Overview:
    """Instance counts of a deployment (CodeDeploy's ``deploymentOverview``)."""

    pending: int = 0
    in_progress: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class DeploymentState:
    deployment_id: str
    status: str
    overview: Overview
    error_code: str = ""
    error_message: str = ""
    create_time: datetime | None = None

    @property
    def done(self) -> bool:
        return self.status in DONE_STATUSES


@dataclass(frozen=True)
class FailedEvent:
    """The first lifecycle event of an instance that did not succeed, with CodeDeploy's diagnostics."""

    name: str
    status: str
    script: str = ""
    error_code: str = ""
    message: str = ""
    log_tail: str = ""


@dataclass(frozen=True)
class InstanceReport:
    instance_id: str
    status: str
    last_event: str = ""
    failed_event: FailedEvent | None = None


@dataclass(frozen=True)
class S3Revision:
    bucket: str
    key: str

    def as_revision(self) -> dict[str, Any]:
        """The ``revision`` argument of CreateDeployment."""
        return {"revisionType": "S3", "s3Location": {"bucket": self.bucket, "key": self.key, "bundleType": "zip"}}


def sha256_hex(sha256_b64: str) -> str:
    """The bundler reports base64(sha256); S3 keys read better (and stay free of ``/`` and ``+``) in hex."""
    return base64.b64decode(sha256_b64).hex()


def revision_key(application: str, sha256_b64: str) -> str:
    """Content-addressed key: the same bundle for the same application always lands on the same key."""
    return f"{application}/bundle-{sha256_hex(sha256_b64)}.zip"


def overview_from(data: Mapping[str, Any] | None) -> Overview:
    data = data or {}
    return Overview(pending=int(data.get("Pending", 0)), in_progress=int(data.get("InProgress", 0)),
                    succeeded=int(data.get("Succeeded", 0)), failed=int(data.get("Failed", 0)),
                    skipped=int(data.get("Skipped", 0)))


def state_from(info: Mapping[str, Any]) -> DeploymentState:
    """A :class:`DeploymentState` from GetDeployment's ``deploymentInfo``."""
    error = info.get("errorInformation") or {}
    return DeploymentState(
        deployment_id=info["deploymentId"], status=info.get("status", "Unknown"),
        overview=overview_from(info.get("deploymentOverview")), error_code=error.get("code", ""),
        error_message=error.get("message", ""), create_time=info.get("createTime"))


def _failed_event(events: list[Mapping[str, Any]]) -> FailedEvent | None:
    for event in events:
        if event.get("status") == "Failed":
            diagnostics = event.get("diagnostics") or {}
            return FailedEvent(name=event.get("lifecycleEventName", ""), status=event["status"],
                               script=diagnostics.get("scriptName", ""), error_code=diagnostics.get("errorCode", ""),
                               message=diagnostics.get("message", ""), log_tail=diagnostics.get("logTail", ""))
    return None


def _last_event(events: list[Mapping[str, Any]]) -> str:
    started = [e for e in events if e.get("status") not in (None, "Pending", "Skipped")]
    return f"{started[-1].get('lifecycleEventName', '')} ({started[-1]['status']})" if started else ""


def instance_from(target: Mapping[str, Any]) -> InstanceReport:
    """An :class:`InstanceReport` from one ``instanceTarget`` of BatchGetDeploymentTargets."""
    events = list(target.get("lifecycleEvents") or [])
    return InstanceReport(instance_id=target.get("targetId", ""), status=target.get("status", "Unknown"),
                          last_event=_last_event(events), failed_event=_failed_event(events))
