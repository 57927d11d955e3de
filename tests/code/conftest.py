"""Fixtures of the code tool's tests: CodeDeploy set-up on moto, Stubber and golden files. The bundle is built by
the real fink.bundler plugin."""
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fink.awsclient import AWSClient
from fink_testtools.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"
APP, GROUP, CONFIG, BUCKET = "sample-app", "sample-group", "CodeDeployDefault.AllAtOnce", "sample-artifacts"


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
    assert_golden(GOLDEN / name, text)


@pytest.fixture
def golden():
    """``golden("name.txt", text)`` compares with (or, with FINK_UPDATE_GOLDEN=1, rewrites) a golden file."""
    return lambda name, text: check_golden(name, scrub(text))


@pytest.fixture
def info():
    """``info("d-1", "InProgress", pending=1, ...)``: a GetDeployment response for Stubber."""
    return deployment_info
