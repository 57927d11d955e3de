"""The CloudWatch Logs seam: the function's log group (retention, deletion) and reading its events."""
from __future__ import annotations

from typing import Any

from fink.awsclient import AWSClient, aws_errors, error_code

__all__ = ["LogsSeam", "log_group_name"]


def log_group_name(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


class LogsSeam:
    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.awsclient = awsclient
        self.client = awsclient.get_client("logs", region)

    def describe_group(self, group: str) -> dict[str, Any] | None:
        with aws_errors(f"Reading log group {group}"):
            pages = self.client.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=group)
            for page in pages:
                for found in page["logGroups"]:
                    if found["logGroupName"] == group:
                        return found
        return None

    def retention(self, group: str) -> int | None:
        found = self.describe_group(group)
        return found.get("retentionInDays") if found else None

    def set_retention(self, group: str, days: int) -> None:
        """Create the group when the function has not logged yet, then set its retention."""
        if self.describe_group(group) is None:
            self.awsclient.mutate(f"Creating log group {group}", lambda: self.client.create_log_group(logGroupName=group),
                                  adopt=lambda: self.describe_group(group),
                                  done_codes=("ResourceAlreadyExistsException",))
        with aws_errors(f"Setting the retention of {group}"):
            self.client.put_retention_policy(logGroupName=group, retentionInDays=days)

    def delete_group(self, group: str) -> bool:
        """Delete the group; False when there was none."""
        if self.describe_group(group) is None:
            return False
        self.awsclient.mutate(f"Deleting log group {group}", lambda: self.client.delete_log_group(logGroupName=group),
                              adopt=lambda: {"deleted": True} if self.describe_group(group) is None else None,
                              done_codes=("ResourceNotFoundException",))
        return True

    def events(self, group: str, start_ms: int, end_ms: int | None = None, *,
               missing_ok: bool = False) -> list[dict[str, Any]] | None:
        """All events of the group between the times (milliseconds since the epoch), oldest first; ``None`` for
        a group that does not exist (yet) when ``missing_ok``."""
        from botocore.exceptions import ClientError
        params: dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
        if end_ms is not None:
            params["endTime"] = end_ms
        try:
            pages = self.client.get_paginator("filter_log_events").paginate(**params)
            events = [e for page in pages for e in page.get("events", [])]
        except ClientError as exc:
            if missing_ok and error_code(exc) == "ResourceNotFoundException":
                return None
            with aws_errors(f"Reading the log events of {group}",
                            hint="Check the function name; its log group appears after its first invocation."):
                raise
        return sorted(events, key=lambda e: (e["timestamp"], e.get("eventId", "")))
