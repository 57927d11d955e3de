"""Fixtures of the lambda tests: an IAM role in moto, a stand-in bundle and config editing."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import boto3
import pytest

from fink import fink_signals

ROLE_ARN = "arn:aws:iam::123456789012:role/fink-lambda-test"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def make_zip(files: dict[str, str]) -> bytes:
    """A small deterministic zip (fixed timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), files[name])
    return buffer.getvalue()


@pytest.fixture
def role(aws):
    boto3.client("iam").create_role(RoleName="fink-lambda-test", AssumeRolePolicyDocument=json.dumps(TRUST))
    return ROLE_ARN


class StandInBundler:
    """Stands in for the bundler plugin: writes ``bundle.zip`` from ``files`` and tells the command about it.

    It listens on ``bundle_finalized`` (after any real bundler's ``bundle_init``), so these tests control the
    code bytes exactly."""

    def __init__(self) -> None:
        self.files = {"handler.py": "def handle(event, context):\n    return 'alive'\n"}

    def __call__(self, payload) -> None:
        context, _config = payload
        path = Path("bundle.zip").resolve()
        path.write_bytes(make_zip(self.files))
        context["_bundle_file"] = str(path)
        context.pop("_bundle_sha256", None)
        context.pop("_bundle_size", None)


@pytest.fixture
def bundler():
    stand_in = StandInBundler()
    fink_signals.bundle_finalized.connect(stand_in)
    yield stand_in
    fink_signals.bundle_finalized.disconnect(stand_in)


@pytest.fixture
def deployed(aws, role, project, bundler, run_cli, fake_clock):
    """The sample function ``lambda_python`` deployed to the emulator (its ping answered "alive")."""
    project("lambda_python")
    aws.queue_lambda_results(["alive"])
    assert run_cli("lambda", "deploy", env={"ENV": "dev"}, clock=fake_clock).exit_code == 0


@pytest.fixture
def edit_config():
    """``edit_config(lambda d: ...)`` changes fink_dev.json in the working folder."""
    def edit(change, path="fink_dev.json"):
        data = json.loads(Path(path).read_text())
        change(data)
        Path(path).write_text(json.dumps(data, indent=2))
    return edit


@pytest.fixture
def build_wheel():
    """``build_wheel(folder, name, version, files)`` writes a minimal pure-Python ``py3-none-any`` wheel, so tests
    install dependencies without PyPI."""
    from fink_testtools.wheels import build_wheel as build
    return build
