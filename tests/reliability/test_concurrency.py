"""lambda deploy racing another run: every update is conditional on the RevisionId this run read.

moto's functions have no RevisionId (it neither returns nor checks one), so the refusal is driven by botocore
Stubber and the conditions the deployer sends are recorded on a stand-in seam."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from botocore.stub import Stubber

from fink.awsclient import AWSClient
from fink.errors import AWSError
from fink_lambda.deploy import Deployer
from fink_lambda.deploy_plan import DeployPlan
from fink_lambda.seam_lambda import LambdaSeam


def test_an_update_refused_for_a_moved_revision_says_another_run_changed_the_function(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    seam = LambdaSeam(AWSClient())
    with Stubber(seam.client) as stubber:
        stubber.add_client_error("update_function_code", "PreconditionFailedException",
                                 "The Revision Id provided does not match the latest Revision Id.", 412,
                                 expected_params={"FunctionName": "f", "ZipFile": b"zip", "RevisionId": "r1"})
        with pytest.raises(AWSError) as raised:
            seam.update_code(FunctionName="f", ZipFile=b"zip", RevisionId="r1", expected_sha256="abc")
    assert raised.value.message.startswith("Function 'f' was changed by someone else while this deploy ran")
    assert "When it has finished, run `lambda deploy` again." in str(raised.value)


class RecordingSeam:
    """Stands in for the Lambda seam: records the RevisionId each update is conditional on."""

    def __init__(self):
        self.conditions = []

    def update_code(self, **params):
        self.conditions.append(("UpdateFunctionCode", params.get("RevisionId")))

    def update_configuration(self, **params):
        self.conditions.append(("UpdateFunctionConfiguration", params.get("RevisionId")))

    def publish_version(self, name, sha256, description, revision_id=None):
        self.conditions.append(("PublishVersion", revision_id))
        return "2"


def test_each_update_is_conditional_on_the_revision_the_previous_step_left():
    """moto's functions have no RevisionId at all, so the deployer runs against a recording seam."""
    deployer = Deployer.__new__(Deployer)
    deployer.seam, deployer.revision = RecordingSeam(), "r0"  # r0: read with the plan
    deployer.spec = SimpleNamespace(architectures=("x86_64",))
    deployer.code = lambda: {"ZipFile": b"zip"}
    deployer.wait_ready = iter([{"RevisionId": "r1"}, {"RevisionId": "r2"}]).__next__
    plan = DeployPlan("f", "sha", upload_code=True, config_changes={"MemorySize": 256}, publish=True)
    assert deployer.execute(plan) == "2"
    assert deployer.seam.conditions == [("UpdateFunctionCode", "r0"), ("UpdateFunctionConfiguration", "r1"),
                                        ("PublishVersion", "r2")]
