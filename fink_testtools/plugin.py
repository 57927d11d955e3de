"""pytest fixtures for fink and fink plugin tests (registered through the ``pytest11`` entry point).

- ``moto_server`` (session): moto on 127.0.0.1 at a free port, docker-less Lambda.
- ``aws``: resets moto's state, points ``AWS_ENDPOINT_URL`` at it and sets dummy credentials; yields the server.
- ``awsclient``: a fresh :class:`fink.awsclient.AWSClient`; tests marked ``@pytest.mark.placebo`` record or play
  back their calls under ``tests/resources/placebo/<module>.<test>/`` according to ``PLACEBO_MODE``
  (``playback`` by default, ``record``, or ``normal``).
- ``fault_proxy``: a :class:`fink_testtools.faults.FaultProxy` in front of the moto server (no rules until the test
  sets them with ``set_rules``); ``retrying_awsclient(clock, seed)`` makes an AWSClient that retries on that clock.
- ``logcapture``, ``temp_folder`` (a temporary working folder), ``project`` (copies a sample project from
  ``tests/resources`` into the temporary folder), ``fake_clock`` and ``run_cli``.
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from .helpers import LogCapture, run_cli as _run_cli
from .moto_server import AWS_TEST_ENV, MotoServer

# nothing a test runs may reach the internet: no PyPI update check, no real AWS endpoint
os.environ.setdefault("FINK_NO_UPDATE_CHECK", "1")
# every test sees the installed distributions and its config as they are, not a previous run's cached view of them
# (tests of the start-up cache switch it on with their own cache folder)
os.environ.setdefault("FINK_NO_STARTUP_CACHE", "1")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "placebo: record/play back AWS calls (PLACEBO_MODE=record|playback|normal)")


@pytest.fixture(scope="session")
def moto_server() -> Any:
    """One moto server per test process (pytest-xdist: per worker, each at its own free port). A pytest run started
    by a test may reuse its parent's idle server: ``FINK_TESTTOOLS_MOTO_URL`` names it (saves moto's start-up)."""
    reuse = os.environ.get("FINK_TESTTOOLS_MOTO_URL")
    if reuse:
        yield MotoServer.attach(reuse)
        return
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    for key, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    return moto_server


def placebo_dir(request: Any) -> Path:
    root = Path(str(request.config.rootpath)) / "tests" / "resources" / "placebo"
    return root / f"{request.node.module.__name__.split('.')[-1]}.{request.node.name}"


@pytest.fixture
def awsclient(request: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from fink.awsclient import AWSClient
    client = AWSClient()
    if request.node.get_closest_marker("placebo"):
        mode = os.environ.get("PLACEBO_MODE", "playback")
        if mode == "playback":  # dummy credentials; nothing is sent anywhere
            for key, value in AWS_TEST_ENV.items():
                monkeypatch.setenv(key, value)
        path = placebo_dir(request)
        if mode == "record":
            shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)
        client.attach_placebo(str(path), mode)
    return client


@pytest.fixture(scope="session")
def _session_fault_proxy(moto_server: MotoServer) -> Any:
    from .faults import FaultProxy
    proxy = FaultProxy(moto_server.url).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def fault_proxy(aws: MotoServer, _session_fault_proxy: Any) -> Any:
    """The fault injector in front of moto, with no rules (``fault_proxy.set_rules([...], seed=1)``)."""
    _session_fault_proxy.set_rules([])
    yield _session_fault_proxy
    _session_fault_proxy.set_rules([])


@pytest.fixture
def retrying_awsclient() -> Callable[..., Any]:
    """``retrying_awsclient(clock, seed=0)``: an AWSClient whose retries wait on ``clock`` with seeded jitter."""
    from fink.awsclient import AWSClient
    from fink.retrying import RetrySettings
    return lambda clock, seed=0: AWSClient(retry=RetrySettings(clock=clock, seed=seed))


@pytest.fixture
def logcapture() -> Any:
    handler = LogCapture()
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(saved)


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def project(request: Any, temp_folder: Path) -> Callable[[str], Path]:
    """``project("sample_lambda")`` copies ``tests/resources/sample_lambda`` into the working folder."""
    def copy(name: str) -> Path:
        source = Path(str(request.config.rootpath)) / "tests" / "resources" / name
        shutil.copytree(source, temp_folder, dirs_exist_ok=True)
        return temp_folder
    return copy


@pytest.fixture
def fake_clock() -> Any:
    from fink.clock import FakeClock
    return FakeClock()


@pytest.fixture
def run_cli() -> Callable[..., Any]:
    return _run_cli
