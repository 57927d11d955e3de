"""The test harness itself: moto on 127.0.0.1 reached through AWS_ENDPOINT_URL, counted calls, reset state."""


def test_awsclient_reaches_moto_and_counts_calls(aws, awsclient):
    s3 = awsclient.get_client("s3")
    s3.create_bucket(Bucket="bucket-one", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert names == ["bucket-one"]
    assert awsclient.call_counts == {"s3.CreateBucket": 1, "s3.ListBuckets": 1}
    assert awsclient.get_client("s3") is s3  # cached per service and region


def test_state_is_reset_between_tests(aws, awsclient):
    assert awsclient.get_client("s3").list_buckets()["Buckets"] == []
