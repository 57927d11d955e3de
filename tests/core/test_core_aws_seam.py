"""The AWS seam: call counting, the -v call summary, placebo record then playback with nothing listening."""
import json

import pytest

from fink.awsclient import AWSClient, aws_errors
from fink.errors import AWSError
from fink_testtools.moto_server import free_port


def test_placebo_records_then_plays_back_without_a_server(aws, tmp_path, monkeypatch):
    recorder = AWSClient()
    recorder.attach_placebo(str(tmp_path), "record")
    s3 = recorder.get_client("s3")
    s3.create_bucket(Bucket="recorded-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["recorded-bucket"]
    assert (tmp_path / "s3.ListBuckets_1.json").exists()

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    player = AWSClient()
    player.attach_placebo(str(tmp_path), "playback")
    buckets = player.get_client("s3").list_buckets()["Buckets"]
    assert [b["Name"] for b in buckets] == ["recorded-bucket"]
    assert player.call_counts == {"s3.ListBuckets": 1}


def test_aws_errors_become_fink_errors_naming_what_failed(aws):
    client = AWSClient()
    with pytest.raises(AWSError) as info:
        with aws_errors("Reading stack 'nope'"):
            client.get_client("cloudformation").describe_stacks(StackName="nope")
    assert str(info.value).startswith("Reading stack 'nope' failed: Stack with id nope does not exist")
    assert info.value.code == "ValidationError"


def test_user_agent_names_fink(aws):
    client = AWSClient().get_client("s3")
    assert "fink/1.0.0" in client.meta.config.user_agent_extra
    assert client.meta.config.retries["mode"] == "standard"


def test_verbose_run_prints_the_call_summary(aws, temp_folder, run_cli):
    (temp_folder / "fink_dev.json").write_text(json.dumps({"x": 1}))
    client = AWSClient()
    client.get_client("sts").get_caller_identity()
    result = run_cli("fink", "config", "-v", env={"ENV": "dev"}, awsclient=client)
    assert "AWS calls: " in result.stderr
    assert "  sts.GetCallerIdentity: 1" in result.stderr
