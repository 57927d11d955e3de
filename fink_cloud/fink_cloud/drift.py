"""cloud drift and cloud outputs: what the stack looks like now, for people and for scripts.

``cloud drift`` starts CloudFormation's drift detection, waits for it on the injected clock (progress on a TTY, a
plain line per state in CI), and lists the resources that were modified or deleted outside CloudFormation with
their property differences. Its exit code answers the question: 0 in sync, 4 (``ExitCode.DIFFERENCES``) drifted.
Rendering is pure; the waiting goes through the one poller.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from fink.clock import Backoff, Clock, Poller
from fink.errors import FinkError
from fink.render import table

__all__ = ["drift_rows", "render_drift", "detect_drift", "output_rows", "render_outputs"]

_DRIFTED = ("MODIFIED", "DELETED")


def drift_rows(drifts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The drifted resources (in logical id order) with their property differences, JSON-able."""
    rows = []
    for drift in sorted(drifts, key=lambda d: d.get("LogicalResourceId", "")):
        if drift.get("StackResourceDriftStatus") not in _DRIFTED:
            continue
        rows.append({"LogicalResourceId": drift.get("LogicalResourceId", ""),
                     "ResourceType": drift.get("ResourceType", ""),
                     "PhysicalResourceId": drift.get("PhysicalResourceId", ""),
                     "DriftStatus": drift["StackResourceDriftStatus"],
                     "Differences": [{"PropertyPath": d.get("PropertyPath", ""), "Type": d.get("DifferenceType", ""),
                                      "Expected": d.get("ExpectedValue"), "Actual": d.get("ActualValue")}
                                     for d in drift.get("PropertyDifferences") or []]})
    return rows


def render_drift(stack_name: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"Stack '{stack_name}' is in sync with its template: no resource has drifted."
    lines = [f"Stack '{stack_name}' has drifted: {len(rows)} resource(s).",
             table(["Logical ID", "Resource type", "Drift"], [[r["LogicalResourceId"], r["ResourceType"],
                                                              r["DriftStatus"]] for r in rows])]
    differences = [[r["LogicalResourceId"], d["PropertyPath"], d["Type"], _short(d["Expected"]), _short(d["Actual"])]
                   for r in rows for d in r["Differences"]]
    if differences:
        lines.append(table(["Logical ID", "Property", "Difference", "Expected", "Actual"], differences))
    return "\n\n".join(lines)


def _short(value: Any, limit: int = 60) -> str:
    text = "-" if value is None else str(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def detect_drift(cfn: Any, ui: Any, clock: Clock, stack_name: str, timeout: float) -> dict[str, Any]:
    """Start drift detection and wait for its result (``DetectionStatus`` DETECTION_COMPLETE or _FAILED)."""
    detection_id = cfn.start_drift_detection(stack_name)

    def step() -> dict[str, Any] | None:
        status = cfn.drift_detection_status(detection_id)
        ui.progress(f"Drift detection of stack '{stack_name}': {status['DetectionStatus']}")
        return None if status["DetectionStatus"] == "DETECTION_IN_PROGRESS" else status
    poller = Poller(clock, Backoff(initial=2.0, factor=1.5, maximum=10.0, timeout=timeout))
    status = poller.poll(step, what=f"drift detection of stack '{stack_name}'")
    ui.end_status()
    if status["DetectionStatus"] == "DETECTION_FAILED" and status.get("StackDriftStatus") in (None, "UNKNOWN"):
        raise FinkError(f"Drift detection of stack '{stack_name}' failed: {status.get('DetectionStatusReason', '')}",
                        hint="Check that you may read every resource of the stack, then run `cloud drift` again.")
    if status["DetectionStatus"] == "DETECTION_FAILED":  # some resources could not be checked; the rest counts
        ui.warn(f"Drift detection could not check every resource: {status.get('DetectionStatusReason', '')}")
    return status


def output_rows(stack: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"OutputKey": o["OutputKey"], "OutputValue": o.get("OutputValue", ""),
             "Description": o.get("Description", ""), "ExportName": o.get("ExportName", "")}
            for o in sorted(stack.get("Outputs") or [], key=lambda o: o["OutputKey"])]


def render_outputs(stack_name: str, rows: list[dict[str, str]]) -> str:
    if not rows:
        return f"Stack '{stack_name}' has no outputs."
    return table(["Output", "Value", "Export", "Description"],
                 [[r["OutputKey"], r["OutputValue"], r["ExportName"] or "-", r["Description"]] for r in rows])
