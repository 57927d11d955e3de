"""Posting to a Slack incoming webhook: the plugin's only I/O, with a short timeout and one retry.

``requests`` is imported only here, when a message is actually sent. Every failure becomes :class:`PostFailed`
with a short reason that never contains the webhook's path (the path is the webhook's credential).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

__all__ = ["PostFailed", "post_json", "where", "TIMEOUT", "ATTEMPTS", "RETRY_DELAY"]

TIMEOUT = 3.0  # seconds per attempt (connect and read)
ATTEMPTS = 2  # one retry
RETRY_DELAY = 1.0  # seconds between the attempts, on the run's clock


class PostFailed(Exception):
    """Slack could not be reached or did not accept the message; ``reason`` says why in a few words."""

    def __init__(self, reason: str, retry: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def where(url: str) -> str:
    """``https://hooks.slack.com`` for a webhook URL: enough to name it, without its secret path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _connection_reason(exc: Exception) -> str:
    inner = getattr(exc.args[0], "reason", None) if exc.args else None
    name = type(inner).__name__ if inner is not None else ""
    if "NameResolution" in name:
        return "DNS lookup failed"
    return "connection failed (refused or unreachable)"


def _attempt(url: str, body: str) -> None:
    import requests
    try:
        response = requests.post(url, data=body.encode("utf-8"), timeout=TIMEOUT,
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    except requests.Timeout as exc:
        raise PostFailed(f"no answer within {TIMEOUT:g}s") from exc
    except requests.ConnectionError as exc:
        raise PostFailed(_connection_reason(exc)) from exc
    except requests.RequestException as exc:
        raise PostFailed(type(exc).__name__, retry=False) from exc
    if response.status_code >= 400:
        answer = " ".join(response.text.split())[:200]
        retry = response.status_code >= 500 or response.status_code == 429
        raise PostFailed(f"HTTP {response.status_code}" + (f": {answer}" if answer else ""), retry=retry)


def post_json(url: str, body: str, clock: Any = None) -> int:
    """POST ``body`` (JSON text) to ``url``; retries once after an outage, a timeout, 429 or 5xx.

    Returns the number of attempts it took; raises :class:`PostFailed` when the last attempt failed.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _attempt(url, body)
            return attempt
        except PostFailed as exc:
            if attempt == ATTEMPTS or not exc.retry:
                raise
        if clock is not None:
            clock.sleep(RETRY_DELAY)
    raise AssertionError("unreachable")  # pragma: no cover
