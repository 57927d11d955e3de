"""The AWS seam: one client object over one botocore session, handed to every command and plugin.

Nothing else in fink builds sessions or clients. The client follows botocore's standard credential and region
chain (``AWS_PROFILE``, ``AWS_DEFAULT_REGION``, config files), honours ``AWS_ENDPOINT_URL`` (moto, LocalStack),
uses the standard retry mode, sends a ``fink/<version>`` user agent, caches clients per service and region and
counts the API calls it makes per operation.

botocore is imported lazily so that ``--help`` and ``version`` start instantly.
"""
from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any, Iterator

from . import __version__
from .errors import AWSError, ConfigError

__all__ = ["AWSClient", "aws_errors", "error_code"]

MAX_ATTEMPTS = 8


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (``''`` for anything else)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


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


class _PlaceboSessionShim:
    """placebo attaches to ``session.events``; botocore sessions keep their emitter as a component."""

    def __init__(self, session: Any):
        self.events = session.get_component("event_emitter")
        self._session = session

    def create_client(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.create_client(*args, **kwargs)


class AWSClient:
    """Creates and caches botocore clients; counts calls per ``service.Operation``."""

    def __init__(self, session: Any = None, *, region: str | None = None):
        self._session = session
        self._region = region
        self._clients: dict[tuple[str, str], Any] = {}
        self.call_counts: Counter[str] = Counter()
        self.pill: Any = None

    @property
    def session(self) -> Any:
        if self._session is None:
            import botocore.session
            self._session = botocore.session.get_session()
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
            self._clients[key] = client
        return self._clients[key]

    def _count(self, model: Any = None, **_: Any) -> None:
        if model is not None:
            self.call_counts[f"{model.service_model.service_name}.{model.name}"] += 1

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
