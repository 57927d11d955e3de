"""`fink version` tells about newer releases, caches the answer for a day, and never fails or waits offline."""
import http.server
import json
import threading
import time

import pytest

from fink_testtools.helpers import run_cli
from fink.update_check import SUMMARY, fink_release
from fink_testtools.moto_server import free_port


FINK_INFO = {"name": "fink-core", "summary": SUMMARY}


class _PyPI(http.server.BaseHTTPRequestHandler):
    hits = 0
    latest = "9.9.9"
    info = FINK_INFO
    paths: list = []

    def do_GET(self):
        type(self).hits += 1
        type(self).paths.append(self.path)
        body = json.dumps({"info": {**type(self).info, "version": type(self).latest}}).encode()
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
    _PyPI.hits, _PyPI.paths, _PyPI.info = 0, [], FINK_INFO
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/pypi/fink-core/json"
    server.shutdown()


def _env(url, cache_dir, **extra):
    # CI runs of this suite set CI, which switches the check off; a generous wait keeps the first answer in-run
    return {"FINK_NO_UPDATE_CHECK": None, "CI": None, "FINK_UPDATE_CHECK_WAIT": "10", "FINK_PYPI_URL": url,
            "XDG_CACHE_HOME": str(cache_dir), **extra}


def version(url, cache_dir, **extra):
    env = _env(url, cache_dir, **extra)
    return run_cli("fink", "version", env=env)


def test_newer_release_is_announced_and_cached_for_a_day(pypi, tmp_path):
    first = version(pypi, tmp_path)
    assert first.exit_code == 0
    assert "WARNING: Please consider an update to fink version: 9.9.9 (pip install -U fink-core)" in first.stderr
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
    assert time.monotonic() - started < 5  # generous bound: the check waits at most its budget for its answer


@pytest.fixture
def stalled_pypi():
    """A PyPI that accepts the connection and answers only when the test lets it."""
    release = threading.Event()

    class Stalled(_PyPI):
        def do_GET(self):
            release.wait(10)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stalled)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/pypi/fink/json"
    release.set()
    server.shutdown()


def test_uncached_check_never_waits_by_default_and_refreshes_in_the_background(stalled_pypi, tmp_path):
    from fink.update_check import UpdateCheck
    environ = {k: v for k, v in _env(stalled_pypi, tmp_path).items() if v is not None}
    del environ["FINK_UPDATE_CHECK_WAIT"]  # the default: no waiting at all
    spawned = []
    check = UpdateCheck(environ, spawn=spawned.append).start()
    assert spawned == [environ]  # the background process will cache the answer for the next run
    assert check.latest() is None  # nothing cached yet, and nothing waited for


def test_a_wait_budget_is_kept_then_the_background_takes_over(stalled_pypi, tmp_path):
    from fink.update_check import UpdateCheck
    environ = {k: v for k, v in _env(stalled_pypi, tmp_path, FINK_UPDATE_CHECK_WAIT="0.05").items()
               if v is not None}
    clock = iter([100.0, 100.025])  # started, then asked half-way through the budget
    spawned = []
    check = UpdateCheck(environ, monotonic=lambda: next(clock), spawn=spawned.append).start()
    assert spawned == []
    started = time.monotonic()
    assert check.latest() is None
    assert time.monotonic() - started < 1  # joined for the rest of the budget (25 ms), not for the answer
    assert spawned == [environ]


def test_background_refresh_caches_the_answer_for_the_next_run(pypi, tmp_path):
    import os
    import subprocess
    import sys
    env = {**os.environ, **{k: v for k, v in _env(pypi, tmp_path).items() if v is not None}}
    env.pop("CI", None)
    env.pop("FINK_NO_UPDATE_CHECK", None)
    subprocess.run([sys.executable, "-m", "fink.update_check"], env=env, check=True, timeout=60)
    assert _PyPI.hits == 1
    assert "9.9.9" in version(pypi, tmp_path).stderr
    assert _PyPI.hits == 1  # answered from the cache the background process wrote


def test_check_is_skipped_in_ci(pypi, tmp_path):
    result = version(pypi, tmp_path, CI="true")
    assert result.exit_code == 0 and "WARNING" not in result.stderr
    assert _PyPI.hits == 0


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


@pytest.mark.parametrize("info", [
    {"name": "fink", "summary": "Fink UI"},                      # the unrelated project that owns the name fink
    {"name": "fink-core", "summary": "Somebody else's fink-core"},  # the right name, another project
    {"name": "fink", "summary": SUMMARY},                        # fink's summary under a name fink does not use
    {"name": "fink-core"},                                       # no summary: cannot tell whose it is
])
def test_a_release_of_another_project_is_never_announced(pypi, tmp_path, info):
    _PyPI.info = info
    result = version(pypi, tmp_path)
    assert result.exit_code == 0 and "WARNING" not in result.stderr and "pip install" not in result.stderr


def test_the_index_is_asked_about_fink_core_by_default():
    from fink.update_check import PYPI_URL
    assert PYPI_URL == "https://pypi.org/pypi/fink-core/json"


def test_the_summary_that_proves_identity_is_the_core_distributions_own():
    import importlib.metadata as md
    assert md.metadata("fink-core")["Summary"] == SUMMARY


def test_a_cache_written_about_another_name_is_not_trusted(pypi, tmp_path):
    cache = tmp_path / "fink" / "update-check.json"
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps({"checked": time.time(), "latest": "7.0.0"}))  # as fink 1.0 wrote it about "fink"
    result = version(pypi, tmp_path)
    assert "7.0.0" not in result.stderr and "9.9.9" in result.stderr and _PyPI.hits == 1


@pytest.mark.parametrize("answer", [None, [], {"info": None}, {"info": {"name": "fink-core", "summary": SUMMARY}},
                                    {"info": {"name": ["fink-core"], "summary": SUMMARY, "version": "2.0"}}])
def test_malformed_answers_name_no_release(answer):
    assert fink_release(answer) is None


def test_fink_core_spelled_any_way_pip_accepts_is_fink():
    assert fink_release({"info": {"name": "Fink_Core", "summary": SUMMARY, "version": "2.0"}}) == "2.0"


def test_an_update_cache_others_can_write_is_ignored(pypi, tmp_path):
    """The cached answer is read with the start-up cache's checks: a file anyone may write cannot announce a
    release (and a symbolic link planted there is neither read nor written through)."""
    import os
    import stat
    cache = tmp_path / "fink" / "update-check.json"
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps({"checked": time.time(), "distribution": "fink-core", "latest": "7.0.0"}))
    os.chmod(cache, stat.S_IRUSR | stat.S_IWUSR | stat.S_IWOTH)
    result = version(pypi, tmp_path)
    assert "7.0.0" not in result.stderr and "9.9.9" in result.stderr and _PyPI.hits == 1
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    cache.unlink()
    cache.symlink_to(target)
    version(pypi, tmp_path)
    assert target.read_text() == "{}"
