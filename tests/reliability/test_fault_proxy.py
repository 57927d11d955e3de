"""The fault injector itself: it names requests by their AWS operation, its faults are seeded, and each kind does
what it says to the client and to the emulator."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from fink.awsclient import AWSClient
from fink.clock import FakeClock
from fink.retrying import RetrySettings
from fink_testtools.faults import FaultProxy, FaultRule, operation_of


def _auth(service):
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/{service}/aws4_request, "
                             "SignedHeaders=host, Signature=0"}


@pytest.mark.parametrize("method, path, service, headers, body, expected", [
    ("POST", "/2015-03-31/functions", "lambda", {}, b"{}", "lambda.CreateFunction"),
    ("POST", "/2015-03-31/functions/f/versions", "lambda", {}, b"{}", "lambda.PublishVersion"),
    ("GET", "/2015-03-31/functions/f/versions", "lambda", {}, b"", "lambda.ListVersionsByFunction"),
    ("PUT", "/bucket?notification", "s3", {}, b"<x/>", "s3.PutBucketNotificationConfiguration"),
    ("POST", "/restapis/abc/deployments", "apigateway", {}, b"{}", "apigateway.CreateDeployment"),
    ("POST", "/", "cloudformation", {}, b"Action=CreateChangeSet&Version=2010-05-15", "cloudformation.CreateChangeSet"),
    ("POST", "/", "codedeploy", {"X-Amz-Target": "CodeDeploy_20141006.CreateDeployment"}, b"{}",
     "codedeploy.CreateDeployment"),
])
def test_requests_are_named_by_their_operation(method, path, service, headers, body, expected):
    assert operation_of(method, path, {**_auth(service), **headers}, body) == expected


def test_faults_are_seeded_and_limited_by_count():
    def decisions(seed):
        proxy = FaultProxy("http://127.0.0.1:9", [FaultRule("drop", "lambda.*", 0.5, count=3)], seed=seed)
        return [proxy.decide("lambda.GetFunction") for _ in range(20)] + [proxy.decide("s3.ListBuckets")]
    assert decisions(1) == decisions(1)
    assert decisions(1).count("drop") == 3 and decisions(1)[-1] is None


def test_each_kind_reaches_the_client_and_the_emulator_as_documented(aws, fault_proxy, monkeypatch):
    direct = AWSClient().get_client("sns")  # to moto itself, not through the proxy
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)

    def create(kind, name):
        fault_proxy.set_rules([FaultRule(kind, "sns.CreateTopic", 1.0, count=1)])
        client = AWSClient(retry=RetrySettings(clock=FakeClock(), max_attempts=1)).get_client("sns")
        with pytest.raises((ClientError, ConnectionClosedError)) as raised:
            client.create_topic(Name=name)
        return raised.value

    assert "Throttling" in str(create("throttle", "t1"))
    assert "InternalFailure" in str(create("error500", "t2"))
    assert isinstance(create("drop", "t3"), ConnectionClosedError)
    assert isinstance(create("lose_response", "t4"), ConnectionClosedError)
    fault_proxy.set_rules([])
    names = sorted(t["TopicArn"].rsplit(":", 1)[1] for t in direct.list_topics()["Topics"])
    assert names == ["t4"]  # only the lost response's request reached the emulator
