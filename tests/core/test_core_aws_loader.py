"""fink's sessions find a service's model without listing every service folder (fink.aws_loader), and answer
everything botocore's own loader answers: the same services, the same models, AWS_DATA_PATH models, the same error
for an unknown service."""
import json
import os
import threading

import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader

from fink.aws_loader import QuickLoader
from fink.awsclient import AWSClient


@pytest.fixture
def listings(monkeypatch):
    """Counts this thread's os.listdir calls (the full walk lists every service folder: hundreds)."""
    counted = []
    real = os.listdir
    me = threading.get_ident()

    def listdir(path="."):
        if threading.get_ident() == me:
            counted.append(path)
        return real(path)
    monkeypatch.setattr(os, "listdir", listdir)
    return counted


def test_a_client_is_created_without_walking_every_service_folder(aws, listings):
    client = AWSClient()
    assert isinstance(client.session.get_component("data_loader"), QuickLoader)
    cfn = client.get_client("cloudformation")
    assert cfn.list_stacks()["StackSummaries"] == []
    assert len(listings) < 20, len(listings)


@pytest.mark.parametrize("type_name", ["service-2", "endpoint-rule-set-1", "waiters-2"])
def test_same_services_and_models_as_botocore(type_name):
    quick, plain = QuickLoader(), Loader()
    for name in ("cloudformation", "s3", "lambda", "nosuchservice", "", "../botocore", "CloudFormation"):
        assert (name in quick.list_available_services(type_name)) == (name in plain.list_available_services(type_name))
    assert list(quick.list_available_services(type_name)) == plain.list_available_services(type_name)
    assert quick.list_available_services(type_name) == plain.list_available_services(type_name)
    assert quick.load_service_model("cloudformation", type_name) == plain.load_service_model("cloudformation",
                                                                                            type_name)


def test_unknown_service_is_the_same_error():
    with pytest.raises(UnknownServiceError) as quick:
        QuickLoader().load_service_model("nosuchservice", "service-2")
    with pytest.raises(UnknownServiceError) as plain:
        Loader().load_service_model("nosuchservice", "service-2")
    assert str(quick.value) == str(plain.value) and "cloudformation" in str(quick.value)


def test_models_on_the_data_path_are_found(aws, tmp_path, monkeypatch):
    """AWS_DATA_PATH adds model folders (as awscli's `aws configure add-model` does under ~/.aws/models)."""
    model = botocore.session.get_session().get_component("data_loader").load_service_model("sqs", "service-2")
    folder = tmp_path / "models" / "finkqueue" / "2012-11-05"
    folder.mkdir(parents=True)
    model = {**model, "metadata": {**model["metadata"], "serviceId": "FinkQueue"}}
    (folder / "service-2.json").write_text(json.dumps(model))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path / "models"))
    client = AWSClient()
    assert "finkqueue" in client.session.get_component("data_loader").list_available_services("service-2")
    assert "finkqueue" in client.session.get_available_services()
    assert client.get_client("finkqueue").meta.service_model.service_id == "FinkQueue"


def test_sessions_share_the_warm_loader_of_their_data_path(monkeypatch):
    """A stack group's zygote parses models into the warm loader before forking: every session fink creates later
    with the same data path must use that loader (else each member parses the models again)."""
    from fink import aws_loader
    monkeypatch.setattr(aws_loader, "_WARM", {})
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    warm = aws_loader.warm_loader(None)
    assert AWSClient().session.get_component("data_loader") is warm
    monkeypatch.setenv("AWS_DATA_PATH", "/nonexistent/models")
    assert AWSClient().session.get_component("data_loader") is not warm  # another path: a loader of its own
