"""`fink version` tells about newer releases, caches the answer for a day, and never fails or waits offline."""
import http.server
import json
import threading
import time

import pytest

from fink_testtools.helpers import run_cli
from fink_testtools.moto_server import free_port


class _PyPI(http.server.BaseHTTPRequestHandler):
    hits = 0
    latest = "9.9.9"

    def do_GET(self):
        type(self).hits += 1
        body = json.dumps({"info": {"version": type(self).latest}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def pypi():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PyPI)
    _PyPI.hits = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/pypi/fink/json"
    server.shutdown()


def version(url, cache_dir, **extra):
    env = {"FINK_NO_UPDATE_CHECK": None, "FINK_PYPI_URL": url, "XDG_CACHE_HOME": str(cache_dir), **extra}
    return run_cli("fink", "version", env=env)


def test_newer_release_is_announced_and_cached_for_a_day(pypi, tmp_path):
    first = version(pypi, tmp_path)
    assert first.exit_code == 0
    assert "WARNING: Please consider an update to fink version: 9.9.9" in first.stderr
    assert first.stdout.startswith("fink version 1.0.0")
    second = version(pypi, tmp_path)
    assert "9.9.9" in second.stderr
    assert _PyPI.hits == 1  # the second run answered from the cache


def test_offline_check_neither_fails_nor_delays(tmp_path):
    closed = f"http://127.0.0.1:{free_port()}/pypi/fink/json"
    started = time.monotonic()
    result = version(closed, tmp_path)
    assert result.exit_code == 0
    assert "WARNING" not in result.stderr and result.stdout.startswith("fink version 1.0.0")
    assert time.monotonic() - started < 5  # generous bound: the check waits at most 0.3 s for its answer


def test_check_can_be_switched_off(pypi, tmp_path):
    result = version(pypi, tmp_path, FINK_NO_UPDATE_CHECK="1")
    assert result.exit_code == 0 and "WARNING" not in result.stderr
    assert _PyPI.hits == 0


def test_same_version_says_nothing(pypi, tmp_path):
    _PyPI.latest = "1.0.0"
    try:
        assert "WARNING" not in version(pypi, tmp_path).stderr
    finally:
        _PyPI.latest = "9.9.9"


def test_every_tool_version_prints_the_same_listing(tmp_path):
    fink = run_cli("fink", "version").stdout
    for tool in ("cloud", "code", "lambda", "api"):
        result = run_cli(tool, "version")
        assert (result.exit_code, result.stdout) == (0, fink)


@pytest.mark.parametrize("latest, current, announce", [
    ("1.0.1", "1.0.0", True), ("1.10.0", "1.9.3", True), ("1.0.0", "1.0.0rc1", True), ("1.0.0", "1.0.0.dev3", True),
    ("1.0.0", "1.0.0", False), ("1.0", "1.0.0", False), ("1.0.0rc1", "1.0.0", False), ("0.9.9", "1.0.0", False),
    ("1.0.0.post1", "1.0.0", True), ("", "1.0.0", False), (None, "1.0.0", False),
])
def test_announcement_compares_versions_as_releases(latest, current, announce):
    from fink.update_check import newer
    assert newer(latest, current) is announce


def test_odd_answer_from_pypi_says_nothing(pypi, tmp_path):
    _PyPI.latest = None
    try:
        result = version(pypi, tmp_path)
        assert result.exit_code == 0 and "WARNING" not in result.stderr and "ERROR" not in result.stderr
        assert version(pypi, tmp_path).exit_code == 0  # the cached odd answer neither
    finally:
        _PyPI.latest = "9.9.9"
