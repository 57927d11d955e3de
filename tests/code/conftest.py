"""Fixtures of the code tool's tests: a stand-in bundle, CodeDeploy set-up on moto, Stubber and golden files."""
import io
import os
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fink import fink_signals
from fink.awsclient import AWSClient

GOLDEN = Path(__file__).parent / "golden"
APP, GROUP, CONFIG, BUCKET = "sample-app", "sample-group", "CodeDeployDefault.AllAtOnce", "sample-artifacts"


def _zip_folder(folder: Path) -> bytes:
    """A deterministic zip of ``folder`` (fixed timestamps, sorted names)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(path.relative_to(folder)), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (path.stat().st_mode & 0o777) << 16
            zf.writestr(info, path.read_bytes())
    return buffer.getvalue()


@pytest.fixture
def stand_in_bundle():
    """Sets ``_bundle_file`` when no bundler plugin did (tests of the deployment logic need a bundle, not the
    bundler). Connected to ``bundle_finalized`` so a real bundler, which runs on ``bundle_init``, wins."""
    def receiver(params):
        context, _config = params
        if not context.get("_bundle_file"):
            path = Path("stand-in-bundle.zip").absolute()
            path.write_bytes(_zip_folder(Path("codedeploy")))
            context["_bundle_file"] = str(path)
    fink_signals.bundle_finalized.connect(receiver)
    yield receiver
    fink_signals.bundle_finalized.disconnect(receiver)


@pytest.fixture
def codedeploy_setup(aws):
    """The application, deployment group and artifacts bucket of ``tests/resources/code_simple`` on moto."""
    client = AWSClient()
    client.get_client("s3").create_bucket(Bucket=BUCKET,
                                          CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    cd = client.get_client("codedeploy")
    cd.create_application(applicationName=APP, computePlatform="Server")
    cd.create_deployment_group(applicationName=APP, deploymentGroupName=GROUP, deploymentConfigName=CONFIG,
                               serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy")
    return client


@pytest.fixture
def stubbed_codedeploy(aws):
    """An AWSClient whose CodeDeploy client is stubbed (S3 and CloudWatch Logs still go to moto)."""
    from botocore.stub import Stubber
    awsclient = AWSClient()
    stubber = Stubber(awsclient.get_client("codedeploy"))
    stubber.activate()
    yield awsclient, stubber
    stubber.deactivate()


def deployment_info(deployment_id, status, pending=0, in_progress=0, succeeded=0, failed=0, skipped=0,
                    error=None, created=None):
    info = {"deploymentId": deployment_id, "status": status, "applicationName": APP, "deploymentGroupName": GROUP,
            "createTime": created or datetime.now(timezone.utc) - timedelta(minutes=1),
            "deploymentOverview": {"Pending": pending, "InProgress": in_progress, "Succeeded": succeeded,
                                   "Failed": failed, "Skipped": skipped, "Ready": 0}}
    if error:
        info["errorInformation"] = {"code": error[0], "message": error[1]}
    return {"deploymentInfo": info}


def scrub(text):
    """Replaces what changes between runs (bundle hash) with placeholders."""
    return re.sub(r"bundle-[0-9a-f]{64}\.zip", "bundle-<sha256>.zip", text)


def check_golden(name, text):
    """Compares ``text`` with ``golden/<name>``; ``FINK_UPDATE_GOLDEN=1`` rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("FINK_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8", newline="")
    assert path.exists(), f"golden file {path} missing: run with FINK_UPDATE_GOLDEN=1 and review it"
    with open(path, encoding="utf-8", newline="") as fh:  # keep the \r of in-place status lines
        assert text == fh.read()


@pytest.fixture
def golden():
    """``golden("name.txt", text)`` compares with (or, with FINK_UPDATE_GOLDEN=1, rewrites) a golden file."""
    return lambda name, text: check_golden(name, scrub(text))


@pytest.fixture
def info():
    """``info("d-1", "InProgress", pending=1, ...)``: a GetDeployment response for Stubber."""
    return deployment_info
