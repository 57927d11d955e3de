"""Fixtures of the slack plugin tests: a recording webhook on 127.0.0.1, a closed port and a silent port."""
from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest



@dataclass
class Recorded:
    path: str
    headers: dict
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Webhook:
    """A local HTTP server recording every request; ``statuses`` are answered in order (then 200)."""

    server: ThreadingHTTPServer
    requests: list[Recorded] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/hook-token"


def _handler(hook: Webhook) -> type:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            hook.requests.append(Recorded(self.path, dict(self.headers), self.rfile.read(length).decode("utf-8")))
            status = hook.statuses.pop(0) if hook.statuses else 200
            answer = b"ok" if status == 200 else b"internal_error"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def webhook() -> Webhook:
    hook = Webhook(server=None)  # type: ignore[arg-type]
    hook.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hook))
    thread = threading.Thread(target=hook.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()
    thread.join(5)


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@pytest.fixture
def silent_url() -> str:
    """A URL on 127.0.0.1 that accepts connections and never answers (a hanging Slack)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    sock.close()
