"""lambda wire / unwire end-to-end against moto: S3 (other notifications survive), SNS, Kinesis, SQS, schedules."""
import json

import boto3

from fink.awsclient import AWSClient

NAME = "fink-test-function"
ALIAS_ARN = f"arn:aws:lambda:eu-west-1:123456789012:function:{NAME}:ACTIVE"
EU = {"LocationConstraint": "eu-west-1"}


def set_events(edit_config, *sources):
    edit_config(lambda d: d["lambda"]["lambda"].update(events=[{"event_source": s} for s in sources]))


def cli(run_cli, fake_clock, *args, awsclient=None):
    return run_cli("lambda", *args, env={"ENV": "dev"}, clock=fake_clock, awsclient=awsclient)


def policy_sids():
    try:
        policy = boto3.client("lambda").get_policy(FunctionName=NAME, Qualifier="ACTIVE")["Policy"]
    except boto3.client("lambda").exceptions.ResourceNotFoundException:
        return []
    return sorted(s["Sid"] for s in json.loads(policy)["Statement"])


def test_s3_wire_keeps_other_notifications_and_unwire_removes_only_ours(deployed, run_cli, fake_clock, edit_config):
    s3, sns = boto3.client("s3"), boto3.client("sns")
    s3.create_bucket(Bucket="fink-events", CreateBucketConfiguration=EU)
    topic = sns.create_topic(Name="other-topic")["TopicArn"]
    other = {"TopicConfigurations": [{"Id": "someone-else", "TopicArn": topic, "Events": ["s3:ObjectRemoved:*"]}]}
    s3.put_bucket_notification_configuration(Bucket="fink-events", NotificationConfiguration=other)
    set_events(edit_config, {"arn": "arn:aws:s3:::fink-events", "events": ["s3:ObjectCreated:*"], "suffix": ".jpg"})

    result = cli(run_cli, fake_clock, "wire")
    assert result.exit_code == 0, result.output
    conf = s3.get_bucket_notification_configuration(Bucket="fink-events")
    assert [t["Id"] for t in conf["TopicConfigurations"]] == ["someone-else"]
    (ours,) = conf["LambdaFunctionConfigurations"]
    assert ours["LambdaFunctionArn"] == ALIAS_ARN and ours["Events"] == ["s3:ObjectCreated:*"]
    assert ours["Filter"]["Key"]["FilterRules"][0]["Value"] == ".jpg"
    assert len(policy_sids()) == 1

    client = AWSClient()
    again = cli(run_cli, fake_clock, "wire", awsclient=client)
    assert again.exit_code == 0 and "already wired" in again.stderr and "(0 changes)" in again.stderr
    assert client.call_counts["s3.PutBucketNotificationConfiguration"] == 0
    assert client.call_counts["lambda.AddPermission"] == 0

    result = cli(run_cli, fake_clock, "unwire")
    assert result.exit_code == 0, result.output
    conf = s3.get_bucket_notification_configuration(Bucket="fink-events")
    assert "LambdaFunctionConfigurations" not in conf
    assert [t["Id"] for t in conf["TopicConfigurations"]] == ["someone-else"]
    assert policy_sids() == []


def test_s3_changed_filter_replaces_finks_old_notification(deployed, run_cli, fake_clock, edit_config):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="fink-events", CreateBucketConfiguration=EU)
    other = {"Id": "someone-else", "LambdaFunctionArn": ALIAS_ARN, "Events": ["s3:ObjectRemoved:*"]}
    s3.put_bucket_notification_configuration(Bucket="fink-events",
                                             NotificationConfiguration={"LambdaFunctionConfigurations": [other]})
    set_events(edit_config, {"arn": "arn:aws:s3:::fink-events", "suffix": ".jpg"})
    assert cli(run_cli, fake_clock, "wire").exit_code == 0
    set_events(edit_config, {"arn": "arn:aws:s3:::fink-events", "suffix": ".png"},
               {"arn": "arn:aws:s3:::fink-events", "prefix": "raw/"})
    result = cli(run_cli, fake_clock, "wire")
    assert result.exit_code == 0, result.output

    def rules():
        conf = s3.get_bucket_notification_configuration(Bucket="fink-events")
        return sorted(" ".join([c["Id"] if c["Id"] == "someone-else" else "fink"] + [
            f"{r['Name'].lower()}={r['Value']}" for r in c.get("Filter", {}).get("Key", {}).get("FilterRules", [])])
            for c in conf.get("LambdaFunctionConfigurations", []))
    assert rules() == ["fink prefix=raw/", "fink suffix=.png", "someone-else"]
    assert "(0 changes)" in cli(run_cli, fake_clock, "wire").stderr
    assert cli(run_cli, fake_clock, "unwire").exit_code == 0
    assert rules() == ["someone-else"]


def test_sns_subscription_wired_once_and_unwired(deployed, run_cli, fake_clock, edit_config):
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="fink-topic")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:eu-west-1:123456789012:other")
    set_events(edit_config, {"arn": topic, "events": ["sns:Publish"]})
    assert cli(run_cli, fake_clock, "wire").exit_code == 0
    assert cli(run_cli, fake_clock, "wire").exit_code == 0

    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sorted(s["Protocol"] for s in subs) == ["lambda", "sqs"]
    assert [s["Endpoint"] for s in subs if s["Protocol"] == "lambda"] == [ALIAS_ARN]
    assert len(policy_sids()) == 1

    assert cli(run_cli, fake_clock, "unwire").exit_code == 0
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["Protocol"] for s in subs] == ["sqs"]
    assert policy_sids() == []


def test_kinesis_and_sqs_mappings_created_updated_in_place_and_deleted(deployed, run_cli, fake_clock, edit_config):
    kinesis, sqs, lam = boto3.client("kinesis"), boto3.client("sqs"), boto3.client("lambda")
    kinesis.create_stream(StreamName="fink-stream", ShardCount=1)
    stream = kinesis.describe_stream(StreamName="fink-stream")["StreamDescription"]["StreamARN"]
    queue_url = sqs.create_queue(QueueName="fink-queue")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    set_events(edit_config, {"arn": stream, "starting_position": "TRIM_HORIZON", "batch_size": 50},
               {"arn": queue})
    assert cli(run_cli, fake_clock, "wire").exit_code == 0
    mappings = lam.list_event_source_mappings(FunctionName=ALIAS_ARN)["EventSourceMappings"]
    by_source = {m["EventSourceArn"]: m for m in mappings}
    assert by_source[stream]["BatchSize"] == 50 and by_source[queue]["BatchSize"] == 10
    uuid = by_source[stream]["UUID"]

    set_events(edit_config, {"arn": stream, "starting_position": "TRIM_HORIZON", "batch_size": 20},
               {"arn": queue})
    result = cli(run_cli, fake_clock, "wire")
    assert result.exit_code == 0 and f"update event source mapping {uuid}" in result.stderr
    mappings = lam.list_event_source_mappings(FunctionName=ALIAS_ARN)["EventSourceMappings"]
    assert {m["UUID"]: m["BatchSize"] for m in mappings}[uuid] == 20
    assert len(mappings) == 2

    assert cli(run_cli, fake_clock, "unwire").exit_code == 0
    assert lam.list_event_source_mappings(FunctionName=ALIAS_ARN)["EventSourceMappings"] == []


def test_schedule_rule_wired_and_unwired(deployed, run_cli, fake_clock, edit_config):
    events = boto3.client("events")
    set_events(edit_config, {"name": "fink-every-minute", "schedule": "rate(1 minute)"})
    assert cli(run_cli, fake_clock, "wire").exit_code == 0
    rule = events.describe_rule(Name="fink-every-minute")
    assert rule["ScheduleExpression"] == "rate(1 minute)" and rule["State"] == "ENABLED"
    targets = events.list_targets_by_rule(Rule="fink-every-minute")["Targets"]
    assert [t["Arn"] for t in targets] == [ALIAS_ARN]
    client = AWSClient()
    again = cli(run_cli, fake_clock, "wire", awsclient=client)
    assert "(0 changes)" in again.stderr and client.call_counts["events.PutRule"] == 0

    assert cli(run_cli, fake_clock, "unwire").exit_code == 0
    assert "fink-every-minute" not in [r["Name"] for r in events.list_rules()["Rules"]]
    assert policy_sids() == []


def test_wire_of_a_missing_source_fails_naming_it(deployed, run_cli, fake_clock, edit_config):
    set_events(edit_config, {"arn": "arn:aws:s3:::no-such-bucket", "events": ["s3:ObjectCreated:*"]})
    result = cli(run_cli, fake_clock, "wire")
    assert result.exit_code == 1
    assert "ERROR: lambda.events: the event source arn:aws:s3:::no-such-bucket does not exist; nothing was wired." \
        in result.stderr


def test_wire_before_deploy_says_to_deploy(aws, role, project, run_cli, fake_clock, edit_config):
    project("lambda_python")
    set_events(edit_config, {"name": "r", "schedule": "rate(1 minute)"})
    result = cli(run_cli, fake_clock, "wire")
    assert result.exit_code == 1 and "lambda deploy" in result.stderr


def test_pattern_rule_is_updated_in_place_when_the_pattern_changes(deployed, run_cli, fake_clock, edit_config):
    events = boto3.client("events")
    pattern = {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]}
    set_events(edit_config, {"name": "fink-ec2-changes", "pattern": pattern, "description": "ec2 state"})
    assert cli(run_cli, fake_clock, "wire").exit_code == 0
    assert json.loads(events.describe_rule(Name="fink-ec2-changes")["EventPattern"]) == pattern
    set_events(edit_config, {"name": "fink-ec2-changes", "pattern": {**pattern, "source": ["aws.autoscaling"]}})
    result = cli(run_cli, fake_clock, "wire")
    assert result.exit_code == 0 and "update rule fink-ec2-changes" in result.stderr
    assert "(1 change)" in result.stderr  # the target and the permission stay
    assert json.loads(events.describe_rule(Name="fink-ec2-changes")["EventPattern"])["source"] == ["aws.autoscaling"]


def test_dynamodb_stream_mapping(deployed, run_cli, fake_clock, edit_config):
    table = boto3.client("dynamodb").create_table(
        TableName="fink-table", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]
    stream = table["LatestStreamArn"]
    set_events(edit_config, {"arn": stream, "enabled": False})
    assert cli(run_cli, fake_clock, "wire").exit_code == 0
    (mapping,) = boto3.client("lambda").list_event_source_mappings(FunctionName=ALIAS_ARN)["EventSourceMappings"]
    assert mapping["EventSourceArn"] == stream and mapping["BatchSize"] == 100 and mapping["State"] == "Disabled"
    assert "(0 changes)" in cli(run_cli, fake_clock, "wire").stderr
