"""A fault injector: an HTTP proxy on 127.0.0.1 in front of the moto server that fails requests on purpose.

Point ``AWS_ENDPOINT_URL`` at :attr:`FaultProxy.url` instead of moto's. Each request is named by its AWS operation
(``lambda.CreateFunction``, read from the signature's credential scope and botocore's service model) and checked
against the rules in order; the first rule that matches and wins its seeded coin toss decides what happens:

* ``throttle``: answers "Rate exceeded" in the service's own error format (AWS did nothing);
* ``error500``: answers HTTP 500 InternalFailure without forwarding;
* ``drop``: closes the connection without forwarding and without answering;
* ``lose_response``: forwards the request, lets moto do the work, then closes the connection without answering
  (what a client sees when the network breaks after AWS acted).

The coin tosses come from ``random.Random(seed)``, so the same requests in the same order meet the same faults.
:attr:`FaultProxy.injected` counts the faults per ``(kind, operation)`` and :attr:`FaultProxy.requests` the requests
per operation.
"""
from __future__ import annotations

import fnmatch
import http.client
import json
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from .moto_server import free_port

__all__ = ["FaultRule", "FaultProxy", "KINDS", "operation_of"]

KINDS = ("throttle", "error500", "drop", "lose_response")
_SIGNING_TO_SERVICE = {"execute-api": "apigateway", "monitoring": "cloudwatch", "email": "ses"}


@dataclass(frozen=True)
class FaultRule:
    """Fail requests whose operation matches ``operation`` (a glob over ``service.Operation``, ``*`` for all)
    with probability ``probability``, at most ``count`` times (``None``: no limit)."""

    kind: str
    operation: str = "*"
    probability: float = 1.0
    count: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {KINDS}, not {self.kind!r}")

    def matches(self, operation: str) -> bool:
        return fnmatch.fnmatchcase(operation, self.operation)


# ---- naming a request by its operation ---------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _model(service: str) -> Any:
    import botocore.session
    return botocore.session.get_session().get_service_model(_SIGNING_TO_SERVICE.get(service, service))


@lru_cache(maxsize=None)
def _routes(service: str) -> list[tuple[str, Any, frozenset[str], int, str]]:
    """(method, path regex, required query keys, specificity, operation) for a REST service."""
    model = _model(service)
    routes = []
    for name in model.operation_names:
        if model.operation_model(name).deprecated:  # e.g. s3 PutBucketNotification: same route as its successor
            continue
        http_ = model.operation_model(name).http
        path, _, query = http_.get("requestUri", "/").partition("?")
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(path))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        keys = frozenset(k.split("=")[0] for k in query.split("&") if k)
        literal = len(re.sub(r"\{[^}]+\}", "", path))
        routes.append((http_.get("method", "POST"), re.compile(pattern.rstrip("/") + "/?$"), keys,
                       literal * 10 + len(keys), name))
    return routes


def operation_of(method: str, path: str, headers: Any, body: bytes) -> str:
    """``service.Operation`` of a signed botocore request (``unknown`` when it cannot be told)."""
    scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    service = scope.group(1) if scope else "unknown"
    target = headers.get("X-Amz-Target")
    if target:
        return f"{service}.{target.rsplit('.', 1)[-1]}"
    if body and b"Action=" in body[:200]:
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", ["unknown"])[0]
        return f"{service}.{action}"
    try:
        routes = _routes(service)
    except Exception:  # noqa: BLE001 - an unknown service is simply not named
        return f"{service}.unknown"
    parts = urlsplit(path)
    keys = set(parse_qs(parts.query, keep_blank_values=True))
    found = [(spec, name) for verb, regex, need, spec, name in routes
             if verb == method and regex.match(parts.path) and need <= keys]
    return f"{service}.{max(found, key=lambda f: (f[0], -len(f[1])))[1]}" if found else f"{service}.unknown"


def _protocol(operation: str) -> str:
    try:
        return _model(operation.split(".")[0]).metadata.get("protocol", "json")
    except Exception:  # noqa: BLE001
        return "json"


def _error_response(operation: str, status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """An error in the wire format botocore expects from the service."""
    protocol = _protocol(operation)
    if protocol in ("query", "ec2"):
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                f"<RequestId>fault</RequestId></ErrorResponse>")
        return status, {"Content-Type": "text/xml"}, body.encode()
    if protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault</RequestId></Error>"
        return status, {"Content-Type": "application/xml"}, body.encode()
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
    return status, headers, json.dumps({"__type": code, "message": message}).encode()


# ---- the proxy ---------------------------------------------------------------------------------------------------
class FaultProxy:
    """The proxy; ``with FaultProxy(moto.url, rules, seed=1) as proxy:`` or ``start()``/``stop()``."""

    def __init__(self, target_url: str, rules: Iterable[FaultRule] = (), *, seed: int = 0):
        self.target = urlsplit(target_url)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: Counter[str] = Counter()
        self.injected: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.set_rules(rules, seed=seed)

    def set_rules(self, rules: Iterable[FaultRule], *, seed: int = 0) -> None:
        """New rules and a new seed; the counters start again from zero."""
        with self._lock:
            self.rules = list(rules)
            self._random = random.Random(seed)
            self._used: Counter[int] = Counter()
            self.requests.clear()
            self.injected.clear()

    def decide(self, operation: str) -> str | None:
        """The fault for the next request of ``operation`` (``None``: pass it through)."""
        with self._lock:
            self.requests[operation] += 1
            for index, rule in enumerate(self.rules):
                if not rule.matches(operation):
                    continue
                if rule.count is not None and self._used[index] >= rule.count:
                    continue
                if self._random.random() < rule.probability:
                    self._used[index] += 1
                    self.injected[(rule.kind, operation)] += 1
                    return rule.kind
            return None

    @property
    def total_injected(self) -> int:
        return sum(self.injected.values())

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list, bytes]:
        conn = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def start(self) -> "FaultProxy":
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _handler_for(proxy: FaultProxy) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # no request log in test output
            pass

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            operation = operation_of(self.command, self.path, self.headers, body)
            fault = proxy.decide(operation)
            if fault == "drop":
                return self._cut()
            if fault in ("throttle", "error500"):
                status, code = (400, "Throttling") if fault == "throttle" else (500, "InternalFailure")
                if fault == "throttle" and _protocol(operation) in ("rest-json", "rest-xml"):
                    status, code = (429, "TooManyRequestsException") if _protocol(operation) == "rest-json" \
                        else (503, "SlowDown")
                return self._answer(*_error_response(operation, status, code, f"fault injected ({fault})"))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            status, out_headers, data = proxy.forward(self.command, self.path, headers, body)
            if fault == "lose_response":
                return self._cut()
            self._answer(status, {k: v for k, v in out_headers
                                  if k.lower() not in ("connection", "transfer-encoding", "content-length")}, data)

        def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _cut(self) -> None:
            self.close_connection = True
            self.wfile.flush()
            try:
                import socket
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    return Handler
