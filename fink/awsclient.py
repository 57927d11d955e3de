"""The AWS seam: one client object over one botocore session, handed to every command and plugin.

Nothing else in fink builds sessions or clients. The client follows botocore's standard credential and region
chain (``AWS_PROFILE``, ``AWS_DEFAULT_REGION``, config files), honours ``AWS_ENDPOINT_URL`` (moto, LocalStack),
sends a ``fink/<version>`` user agent, caches clients per service and region and counts the API calls it makes per
operation.

Retrying follows :mod:`fink.retrying`: botocore resends only what cannot do its work twice, and every other
mutating call goes through :meth:`AWSClient.mutate`, which reads back and adopts what a request whose response was
lost created, instead of creating it again.

botocore is imported lazily so that ``--help`` and ``version`` start instantly.
"""
from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any, Callable, Iterator, TypeVar

from . import __version__
from .errors import AWSError, ConfigError
from .retrying import RetryHook, RetrySettings, RetryStats, failure_kind

__all__ = ["AWSClient", "aws_errors", "error_code", "read_or_none", "response_lost", "request_id", "ADOPTED"]

T = TypeVar("T")
#: what an ``adopt`` callback of :meth:`AWSClient.mutate` returns when the work is done but has no result
ADOPTED: Any = {}

MAX_ATTEMPTS = 8


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (``''`` for anything else)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def request_id() -> str:
    """A short random id that marks one create call (in a name or description) where the API has no idempotency
    token, so that :meth:`AWSClient.mutate` can find what the call created after its response was lost."""
    import uuid
    return uuid.uuid4().hex[:12]


def response_lost(exc: BaseException) -> bool:
    """AWS may have done the work of the failed call: the connection broke after sending, or AWS answered 5xx."""
    response = getattr(exc, "response", None)
    if response is not None:
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or error_code(exc) in ("InternalFailure", "ServiceUnavailable", "RequestTimeout")
    return failure_kind(None, exc) == "ambiguous"


_LOST_HINT = ("The connection broke after the request was sent, so AWS may have done it. Check the state in AWS, "
              "then run the command again.")


def _error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Message", "")) or str(exc)


@contextlib.contextmanager
def aws_errors(what: str, hint: str | None = None) -> Iterator[None]:
    """Turn botocore errors raised inside the block into :class:`AWSError` saying ``what`` failed."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
    try:
        yield
    except ClientError as exc:
        op = getattr(exc, "operation_name", "")
        raise AWSError(f"{what} failed: {_error_message(exc)} ({error_code(exc)})", operation=op,
                       code=error_code(exc), aws_message=_error_message(exc), hint=hint) from exc
    except (BotoCoreError, ResponseParserError) as exc:  # connection, timeout, parameter validation ...: see fink.error_map
        from .error_map import botocore_error
        raise botocore_error(exc, what) from exc


def read_or_none(what: str, call: Callable[..., T], missing: tuple[str, ...], **params: Any) -> T | None:
    """A read that answers ``None`` when AWS says the thing does not exist (an error code in ``missing``, or a
    ValidationError saying "does not exist"); every other failure, connection errors included, is an AWSError."""
    from botocore.exceptions import ClientError
    with aws_errors(what):
        try:
            return call(**params)
        except ClientError as exc:
            code = error_code(exc)
            if code in missing or (code == "ValidationError" and "does not exist" in _error_message(exc)
                                   and "ValidationError" in missing):
                return None
            raise


class _PlaceboSessionShim:
    """placebo attaches to ``session.events``; botocore sessions keep their emitter as a component."""

    def __init__(self, session: Any):
        self.events = session.get_component("event_emitter")
        self._session = session

    def create_client(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.create_client(*args, **kwargs)


class AWSClient:
    """Creates and caches botocore clients; counts calls per ``service.Operation``."""

    def __init__(self, session: Any = None, *, region: str | None = None, retry: RetrySettings | None = None):
        self._session = session
        self._region = region
        self._clients: dict[tuple[str, str], Any] = {}
        self.call_counts: Counter[str] = Counter()
        self.pill: Any = None
        self.retry = retry or RetrySettings(max_attempts=MAX_ATTEMPTS)
        self.retry_stats = RetryStats()
        self.last_operation = ""

    @property
    def session(self) -> Any:
        if self._session is None:
            import botocore.session

            from .aws_loader import install
            self._session = botocore.session.get_session()
            install(self._session)  # finds a service's model without walking every service's folder
        return self._session

    @property
    def region(self) -> str:
        region = self._region or self.session.get_config_variable("region")
        if not region:
            raise ConfigError("No AWS region configured.",
                              hint="Set AWS_DEFAULT_REGION or a region in your AWS profile.")
        return region

    def get_client(self, service: str, region: str | None = None) -> Any:
        """A cached client for ``service`` in ``region`` (default: the session's region)."""
        region = region or self.region
        key = (service, region)
        if key not in self._clients:
            from botocore.config import Config
            config = Config(retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
                            user_agent_extra=f"fink/{__version__}")
            client = self.session.create_client(service, region_name=region, config=config)
            client.meta.events.register("before-parameter-build.*.*", self._count)
            self._install_retry_hook(client)
            self._clients[key] = client
        return self._clients[key]

    def get_resource(self, service: str, region: str | None = None) -> Any:
        """A cached boto3 resource for ``service`` on this seam's session, for libraries that want one (credstash):
        its client counts calls and retries by fink's policy like every other client."""
        region = region or self.region
        key = (f"resource:{service}", region)
        if key not in self._clients:
            import boto3
            from botocore.config import Config
            config = Config(retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
                            user_agent_extra=f"fink/{__version__}")
            resource = boto3.Session(botocore_session=self.session).resource(service, region_name=region,
                                                                             config=config)
            resource.meta.client.meta.events.register("before-parameter-build.*.*", self._count)
            self._install_retry_hook(resource.meta.client)
            self._clients[key] = resource
        return self._clients[key]

    def _install_retry_hook(self, client: Any) -> None:
        """Replace botocore's retry handler with fink's (see :mod:`fink.retrying`)."""
        event = client.meta.service_model.service_id.hyphenize()
        hook = RetryHook(self.retry, self.retry_stats)
        client.meta.events.unregister(f"needs-retry.{event}", unique_id=f"retry-config-{event}")
        client.meta.events.register(f"needs-retry.{event}", hook.needs_retry, unique_id=f"retry-config-{event}")
        client.meta.events.register(f"before-parameter-build.{event}", hook.classify)

    # ---- mutating calls -----------------------------------------------------------------------------------------
    def mutate(self, what: str, call: Callable[[], T], *, adopt: Callable[[], T | None] | None = None,
               done_codes: tuple[str, ...] = (), repeatable: bool = False, hint: str | None = None) -> T:
        """Make one mutating call so that a lost response never gets its work done twice.

        When the call fails in a way after which AWS may have done the work (its response was lost), ``adopt``
        reads back the state: what it returns (``ADOPTED`` when the call has no result) is taken as the call's
        result; ``None`` means nothing was created, and the call is sent again. An error whose code is in
        ``done_codes`` ("already exists", "not found" for a delete) after such a loss is the loss's own doing and
        is adopted too. Without ``adopt`` a lost response is an error, unless the call is ``repeatable`` (sending
        it again is harmless, like a ping). Other errors become :class:`AWSError` saying ``what`` failed.
        """
        lost = False
        for attempt in range(1, self.retry.max_attempts + 1):
            before = self.retry_stats.ambiguous_total()
            try:
                return call()
            except Exception as exc:  # noqa: BLE001 - anything not sorted out below is raised as it came
                this_lost, operation = response_lost(exc), self.last_operation
                lost = lost or this_lost or self.retry_stats.ambiguous_total() != before
                if lost and adopt is not None and (this_lost or error_code(exc) in done_codes):
                    found = adopt()
                    if found is not None:
                        self.retry_stats.adopted[operation] += 1
                        return found
                if not (this_lost and (adopt is not None or repeatable) and attempt < self.retry.max_attempts):
                    if this_lost and getattr(exc, "response", None) is None:
                        raise AWSError(f"{what} failed: the connection broke after the request was sent, before AWS "
                                       f"answered ({exc}).", operation=operation, code="ResponseLost",
                                       hint=hint or _LOST_HINT) from exc
                    with aws_errors(what, hint or (_LOST_HINT if this_lost else None)):
                        raise
                self.retry_stats.recreated[operation] += 1
            self.retry.wait(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _count(self, model: Any = None, **_: Any) -> None:
        if model is not None:
            self.last_operation = f"{model.service_model.service_name}.{model.name}"
            self.call_counts[self.last_operation] += 1

    @property
    def total_calls(self) -> int:
        return sum(self.call_counts.values())

    def reset_counts(self) -> None:
        self.call_counts.clear()

    def account_id(self) -> str:
        with aws_errors("Reading the AWS account id"):
            return self.get_client("sts").get_caller_identity()["Account"]

    # ---- placebo ------------------------------------------------------------------------------------------------
    def attach_placebo(self, data_path: str, mode: str) -> None:
        """Record or play back every call (``mode``: ``record``, ``playback`` or ``normal``)."""
        if mode == "normal":
            return
        import placebo
        self._clients.clear()
        self.pill = placebo.attach(_PlaceboSessionShim(self.session), data_path=data_path)
        if mode == "record":
            self.pill.record()
        elif mode == "playback":
            self.pill.playback()
        else:
            raise ConfigError(f"PLACEBO_MODE must be record, playback or normal, not {mode!r}.")
