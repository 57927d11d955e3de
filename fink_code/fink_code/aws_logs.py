"""The CloudWatch Logs seam of the code tool: an instance's recent log lines for deployment diagnostics.

Convention (from the guide): every EC2 instance logs into the configured log group with its instance id as the
stream name. A missing group or stream is normal (not every instance ships its logs) and is reported as ``None``.
"""
from __future__ import annotations

from datetime import datetime, timezone

from fink.awsclient import AWSClient, aws_errors, error_code

__all__ = ["recent_lines"]

DEFAULT_LINES = 20


def _millis(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() * 1000)


def recent_lines(awsclient: AWSClient, group: str, stream: str, since: datetime | None,
                 limit: int = DEFAULT_LINES) -> list[str] | None:
    """The last ``limit`` lines of ``group``/``stream`` since ``since``, oldest first; ``None`` if there is no stream."""
    from botocore.exceptions import ClientError
    kwargs = {"logGroupName": group, "logStreamName": stream, "limit": limit, "startFromHead": False}
    if since is not None:
        kwargs["startTime"] = _millis(since)
    try:
        events = awsclient.get_client("logs").get_log_events(**kwargs)["events"]
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        with aws_errors(f"Reading log stream {group}/{stream}"):
            raise
    return [event["message"].rstrip("\n") for event in events]
