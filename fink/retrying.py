"""Retrying AWS calls without ever doing their work twice: the retry policy of the AWS seam.

botocore's standard retry mode resends a request after any connection error, on every operation. For a create
that is wrong: when the connection breaks after AWS did the work (the response is lost), the resent request
creates a second REST API, a second deployment, a second version, or fails with "already exists" although this
very run created the thing. fink therefore replaces botocore's retry handler on every client it makes
(:class:`RetryHook`) and decides per request, from botocore's own service model:

* a request is **safe to resend** when it only reads (``Get``/``List``/``Describe``/``Query``/``Decrypt``/...), or when sending it
  twice sets the same state (``Put``/``Update``/``Set``/``Tag``) and it is not conditional (``RevisionId``,
  ``IfMatch``: a resend after success would fail its own precondition). A create that carries the API's
  idempotency token (``ClientRequestToken``) is *not* resent blindly either: emulators and some APIs ignore the
  token, so :meth:`~fink.awsclient.AWSClient.mutate` reads back first and resends (with the same token) only when
  nothing was created;
* every failure whose request certainly did not reach AWS (throttled, connection refused, connect timeout) is
  resent for every operation;
* a failure after which AWS may have done the work (connection cut after sending, read timeout, HTTP 5xx) is
  resent only when the request is safe to resend. Otherwise it reaches the seam, where
  :meth:`fink.awsclient.AWSClient.mutate` reads back the state and adopts what the request created, or sends it
  again when it created nothing.

Waiting between attempts goes through the injected :class:`fink.clock.Clock` with exponential backoff and
jitter from a seedable random generator, so tests retry without sleeping and deterministically.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock

__all__ = ["RetrySettings", "RetryHook", "RetryStats", "resend_is_safe", "failure_kind", "THROTTLING_CODES",
           "TRANSIENT_CODES"]

THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "RequestLimitExceeded", "SlowDown", "RequestThrottled", "PriorRequestNotComplete",
})
# errors that say AWS was busy or failed, not that the request was wrong: still there after the last retry, they are
# reported as such (exit 1), never as a problem of what was asked (a lookup that "failed", a config error)
TRANSIENT_CODES = THROTTLING_CODES | frozenset({
    "InternalFailure", "InternalError", "InternalServerError", "ServiceUnavailable", "ServiceUnavailableException",
    "RequestTimeout", "RequestTimeoutException"})
READ_PREFIXES = ("Get", "List", "Describe", "Head", "BatchGet", "Lookup", "Filter", "Search", "Validate",
                 "Estimate", "Test", "Simulate", "Check", "Query", "Scan", "Decrypt")
STATE_PREFIXES = ("Put", "Update", "Set", "Tag", "Untag")
CONDITION_MEMBERS = ("RevisionId", "IfMatch")


def resend_is_safe(operation_name: str, params: dict[str, Any]) -> bool:
    """Whether botocore may send this request a second time after a failure that may have done its work."""
    if operation_name.startswith(READ_PREFIXES):
        return True
    if any(params.get(name) for name in CONDITION_MEMBERS):
        return False
    return operation_name.startswith(STATE_PREFIXES)


def failure_kind(response: Any, caught_exception: BaseException | None) -> str | None:
    """``None`` (no failure worth retrying), ``"unsent"`` (AWS certainly did nothing) or ``"ambiguous"``
    (AWS may have done the work: the connection broke after sending, or AWS answered 5xx)."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, HTTPClientError
    if caught_exception is not None:
        if isinstance(caught_exception, (EndpointConnectionError, ConnectTimeoutError)):
            return "unsent"
        if isinstance(caught_exception, (HTTPClientError, BotoConnectionError)):
            return "ambiguous"
        return None
    if response is None:
        return None
    http, parsed = response
    code = str((parsed or {}).get("Error", {}).get("Code", ""))
    if code in THROTTLING_CODES or http.status_code == 429:
        return "unsent"
    if http.status_code >= 500 or code in ("RequestTimeout", "RequestTimeoutException", "InternalFailure"):
        return "ambiguous"
    return None


@dataclass
class RetrySettings:
    """How often and how patiently the seam retries (tests hand in a FakeClock and a seed)."""

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 20.0
    clock: Clock = field(default_factory=Clock)
    seed: int | None = None

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter before attempt ``attempt + 1``."""
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1)) * (0.5 + self._random.random() / 2)

    def wait(self, attempt: int) -> None:
        self.clock.sleep(self.delay(attempt))


@dataclass
class RetryStats:
    """What the seam met and did, per ``service.Operation``: for ``-v`` output and the reliability figures."""

    failures: Counter = field(default_factory=Counter)   # (operation, kind) -> failed attempts
    resent: Counter = field(default_factory=Counter)     # operation -> attempts botocore sent again
    adopted: Counter = field(default_factory=Counter)    # operation -> lost responses whose work fink adopted
    recreated: Counter = field(default_factory=Counter)  # operation -> sent again after reading back found nothing

    def ambiguous_total(self) -> int:
        return sum(count for (_, kind), count in self.failures.items() if kind == "ambiguous")


class RetryHook:
    """botocore's ``needs-retry`` handler, replacing the standard one on every client the seam makes."""

    CONTEXT_KEY = "fink_resend_safe"

    def __init__(self, settings: RetrySettings, stats: RetryStats):
        self.settings = settings
        self.stats = stats

    def classify(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        """``before-parameter-build``: decide once per call, from the caller's parameters, if a resend is safe."""
        context[self.CONTEXT_KEY] = resend_is_safe(model.name, params)

    def needs_retry(self, attempts: int, operation: Any, response: Any = None,
                    caught_exception: BaseException | None = None, request_dict: Any = None, **_: Any) -> Any:
        kind = failure_kind(response, caught_exception)
        if kind is None:
            return None
        name = f"{operation.service_model.service_name}.{operation.name}"
        self.stats.failures[(name, kind)] += 1
        safe = (request_dict or {}).get("context", {}).get(self.CONTEXT_KEY, False)
        if (kind == "ambiguous" and not safe) or attempts >= self.settings.max_attempts:
            return None
        self.stats.resent[name] += 1
        self.settings.wait(attempts)
        return 0  # waited already, on fink's clock; botocore sends again at once
