"""A moto server on 127.0.0.1 at a free port, for tests and for the quick-start example run."""
from __future__ import annotations

import json
import os
import socket
import time
import urllib.request

__all__ = ["MotoServer", "free_port", "AWS_TEST_ENV"]

#: dummy credentials and region that send every botocore client to the local emulator
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """moto's ThreadedMotoServer with docker-less Lambda, ACM certificates issued after 1 s, and reset()."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None

    @classmethod
    def attach(cls, url: str) -> "MotoServer":
        """A handle on a running server that another process started (``stop()`` leaves it running)."""
        return cls(port=int(url.rsplit(":", 1)[1]))

    def start(self) -> "MotoServer":
        os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", "1")
        import logging
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log lines in test or example output
        from moto.server import ThreadedMotoServer
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self._wait_ready()
        self.configure_lambda()
        return self

    def _wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/moto-api/data.json", timeout=1).read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # start-up of a real server: the one sleep that waits for the outside world

    def _post(self, path: str, data: dict | None = None) -> None:
        body = json.dumps(data or {}).encode()
        request = urllib.request.Request(self.url + path, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()

    def configure_lambda(self) -> None:
        """Lambda without docker: must be set before any function exists."""
        self._post("/moto-api/config", {"lambda": {"use_docker": False}})

    def reset(self) -> None:
        self._post("/moto-api/reset")

    def queue_lambda_results(self, results: list, region: str = "eu-west-1") -> None:
        """Canned answers for the next Lambda invocations (docker-less mode)."""
        self._post("/moto-api/static/lambda-simple/response", {"results": results, "region": region})

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> "MotoServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
