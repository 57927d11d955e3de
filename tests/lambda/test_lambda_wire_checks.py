"""Check before change and teardown when parts are gone: `lambda wire` reads every event source before it changes
anything; `unwire` and `delete -f` treat a source that no longer exists as "not wired" and finish the job."""
import json

import boto3
import pytest

NAME = "fink-test-function"
EU = {"LocationConstraint": "eu-west-1"}

BUCKET = "arn:aws:s3:::fink-events"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:fink-gone-topic"


def set_events(edit_config, *sources):
    edit_config(lambda d: d["lambda"]["lambda"].update(events=[{"event_source": s} for s in sources]))


def cli(run_cli, fake_clock, *args):
    return run_cli("lambda", *args, env={"ENV": "dev"}, clock=fake_clock)


def policy_sids():
    client = boto3.client("lambda")
    try:
        policy = client.get_policy(FunctionName=NAME, Qualifier="ACTIVE")["Policy"]
    except client.exceptions.ResourceNotFoundException:
        return []
    return sorted(s["Sid"] for s in json.loads(policy)["Statement"])


def _bucket_functions():
    conf = boto3.client("s3").get_bucket_notification_configuration(Bucket="fink-events")
    return conf.get("LambdaFunctionConfigurations", [])


@pytest.mark.parametrize("missing", [TOPIC, "arn:aws:kinesis:eu-west-1:123456789012:stream/fink-gone",
                                     "arn:aws:sqs:eu-west-1:123456789012:fink-gone-queue"])
def test_a_missing_second_source_stops_wire_before_the_first_is_wired(missing, deployed, run_cli, fake_clock,
                                                                      edit_config):
    boto3.client("s3").create_bucket(Bucket="fink-events", CreateBucketConfiguration=EU)
    set_events(edit_config, {"arn": BUCKET}, {"arn": missing})
    result = cli(run_cli, fake_clock, "wire")
    assert result.exit_code == 1, result.output
    assert f"the event source {missing} does not exist; nothing was wired." in result.stderr
    assert _bucket_functions() == [] and policy_sids() == []


def test_unwire_with_a_missing_topic_completes(deployed, run_cli, fake_clock, edit_config):
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="fink-gone-topic")["TopicArn"]
    boto3.client("s3").create_bucket(Bucket="fink-events", CreateBucketConfiguration=EU)
    set_events(edit_config, {"arn": topic}, {"arn": BUCKET})
    assert cli(run_cli, fake_clock, "wire").exit_code == 0
    assert len(policy_sids()) == 2
    sns.delete_topic(TopicArn=topic)
    result = cli(run_cli, fake_clock, "unwire")
    assert result.exit_code == 0, result.output
    assert f"{topic} no longer exists: nothing of it to unwire" in result.stderr
    assert _bucket_functions() == [] and policy_sids() == []


def test_info_shows_a_missing_source_as_not_wired(deployed, run_cli, fake_clock, edit_config):
    set_events(edit_config, {"arn": TOPIC})
    result = cli(run_cli, fake_clock, "info")
    assert result.exit_code == 0, result.output
    assert "not wired (the source does not exist)" in result.output


def test_delete_with_a_gone_event_bucket_still_deletes_the_function(deployed, run_cli, fake_clock, edit_config):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="fink-events", CreateBucketConfiguration=EU)
    set_events(edit_config, {"arn": BUCKET})
    assert cli(run_cli, fake_clock, "wire").exit_code == 0
    s3.delete_bucket(Bucket="fink-events")
    result = cli(run_cli, fake_clock, "delete", "-f", NAME)
    assert result.exit_code == 0, result.output
    assert f"{BUCKET} no longer exists: nothing of it to unwire" in result.stderr
    assert NAME not in [f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]]
