"""See what a command sent to AWS, and answer the few operations the emulator lacks, while moto serves the rest.

``CallLog(awsclient)`` records the parameters of every call made through the clients of that
:class:`fink.awsclient.AWSClient` (``log.params("cloudformation", "CreateStack")``); ``log.answer(service,
operation, response)`` makes that one operation return ``response`` without sending anything (botocore's
``before-call`` event, the mechanism its Stubber uses), for operations moto does not implement. Everything else
still goes to moto, so a test stays end to end. A test that uses ``answer`` must say why moto cannot serve.
"""
from __future__ import annotations

from typing import Any

__all__ = ["CallLog"]


class CallLog:
    def __init__(self, awsclient: Any):
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self._answers: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._seen: set[int] = set()
        self._awsclient = awsclient
        original = awsclient.get_client

        def get_client(service: str, region: str | None = None) -> Any:
            client = original(service, region)
            if id(client) not in self._seen:
                self._seen.add(id(client))
                client.meta.events.register("provide-client-params", self._record)
                client.meta.events.register("before-call", self._answer)
            return client
        awsclient.get_client = get_client

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.service_model.service_name, model.name, dict(params)))

    def _answer(self, model: Any, **_: Any) -> Any:
        queue = self._answers.get((model.service_model.service_name, model.name))
        if not queue:
            return None
        from botocore.awsrequest import AWSResponse
        response = queue.pop(0) if len(queue) > 1 else queue[0]
        return AWSResponse("https://fink-test.invalid", 200, {}, None), response

    def answer(self, service: str, operation: str, *responses: dict[str, Any]) -> None:
        """Answer ``operation`` with ``responses`` in turn (the last one repeats)."""
        self._answers[(service, operation)] = [dict(r) for r in (responses or ({},))]

    def params(self, service: str, operation: str) -> list[dict[str, Any]]:
        """The parameters of every ``operation`` call, in order."""
        return [p for s, o, p in self.calls if (s, o) == (service, operation)]

    def operations(self, service: str | None = None) -> list[str]:
        return [o for s, o, _ in self.calls if service in (None, s)]
