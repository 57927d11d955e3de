"""Lambda@Edge wiring. moto's CloudFront drops LambdaFunctionAssociations on update_distribution (and ignores
IfMatch), so the CloudFront side is checked with botocore's Stubber; the function itself lives in moto (us-east-1)."""
import copy

import pytest
from botocore.stub import Stubber

from fink.awsclient import AWSClient

NAME = "fink-test-function"
FN_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{NAME}"
DIST = "E1V934UN4EJGJA"
OTHER = {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:someone-else:3",
         "EventType": "viewer-request", "IncludeBody": False}


def behavior(**extra):
    return {"TargetOriginId": "origin", "ViewerProtocolPolicy": "allow-all", **extra}


def distribution(default_assocs=(), images_assocs=()):
    def assocs(items):
        return {"Quantity": len(items), **({"Items": list(items)} if items else {})}
    return {
        "CallerReference": "ref", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "origin", "DomainName": "example.com",
                                               "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                      "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": behavior(LambdaFunctionAssociations=assocs(default_assocs)),
        "CacheBehaviors": {"Quantity": 1, "Items": [behavior(PathPattern="images/*",
                                                             LambdaFunctionAssociations=assocs(images_assocs))]},
    }


@pytest.fixture
def edge(aws, role, project, bundler, run_cli, fake_clock, edit_config):
    project("lambda_python")
    edit_config(lambda d: d["lambda"].update(deployment={"region": "us-east-1"}))
    edit_config(lambda d: d["lambda"]["lambda"].update(events=[{"event_source": {
        "arn": f"arn:aws:cloudfront::123456789012:distribution/{DIST}", "cache_behavior": "images/*",
        "cloudfront_event": "origin-request"}}]))
    aws.queue_lambda_results(["alive"], region="us-east-1")
    assert run_cli("lambda", "deploy", env={"ENV": "dev"}, clock=fake_clock).exit_code == 0


def stubbed():
    client = AWSClient()
    stubber = Stubber(client.get_client("cloudfront", "us-east-1"))
    stubber.activate()
    return client, stubber


def test_wire_associates_the_numbered_version_with_only_that_behavior(edge, run_cli, fake_clock):
    client, stubber = stubbed()
    current = distribution(default_assocs=[OTHER], images_assocs=[dict(OTHER, EventType="viewer-response")])
    stubber.add_response("get_distribution_config", {"DistributionConfig": current, "ETag": "E1"}, {"Id": DIST})
    expected = copy.deepcopy(current)
    ours = {"LambdaFunctionARN": f"{FN_ARN}:1", "EventType": "origin-request", "IncludeBody": False}
    expected["CacheBehaviors"]["Items"][0]["LambdaFunctionAssociations"] = {
        "Quantity": 2, "Items": [dict(OTHER, EventType="viewer-response"), ours]}
    stubber.add_response("update_distribution", {"ETag": "E2"},
                         {"Id": DIST, "IfMatch": "E1", "DistributionConfig": expected})
    result = run_cli("lambda", "wire", env={"ENV": "dev"}, clock=fake_clock, awsclient=client)
    assert result.exit_code == 0, result.output
    assert "associate version 1 with origin-request" in result.stderr
    stubber.assert_no_pending_responses()


def test_wire_twice_changes_nothing(edge, run_cli, fake_clock):
    client, stubber = stubbed()
    wired = distribution(images_assocs=[{"LambdaFunctionARN": f"{FN_ARN}:1", "EventType": "origin-request",
                                         "IncludeBody": False}])
    stubber.add_response("get_distribution_config", {"DistributionConfig": wired, "ETag": "E2"}, {"Id": DIST})
    result = run_cli("lambda", "wire", env={"ENV": "dev"}, clock=fake_clock, awsclient=client)
    assert result.exit_code == 0 and "already wired" in result.stderr
    stubber.assert_no_pending_responses()  # and no update_distribution was made (the stubber would refuse it)


def test_unwire_removes_only_our_association(edge, run_cli, fake_clock):
    client, stubber = stubbed()
    ours = {"LambdaFunctionARN": f"{FN_ARN}:1", "EventType": "origin-request", "IncludeBody": False}
    current = distribution(default_assocs=[OTHER], images_assocs=[ours, dict(OTHER, EventType="viewer-response")])
    stubber.add_response("get_distribution_config", {"DistributionConfig": current, "ETag": "E3"}, {"Id": DIST})
    expected = copy.deepcopy(current)
    expected["CacheBehaviors"]["Items"][0]["LambdaFunctionAssociations"] = {
        "Quantity": 1, "Items": [dict(OTHER, EventType="viewer-response")]}
    stubber.add_response("update_distribution", {"ETag": "E4"},
                         {"Id": DIST, "IfMatch": "E3", "DistributionConfig": expected})
    result = run_cli("lambda", "unwire", env={"ENV": "dev"}, clock=fake_clock, awsclient=client)
    assert result.exit_code == 0, result.output
    stubber.assert_no_pending_responses()


def test_edge_outside_us_east_1_is_refused(aws, role, project, bundler, run_cli, fake_clock, edit_config):
    project("lambda_python")
    edit_config(lambda d: d["lambda"]["lambda"].update(events=[{"event_source": {
        "arn": f"arn:aws:cloudfront::123456789012:distribution/{DIST}", "cloudfront_event": "viewer-request"}}]))
    aws.queue_lambda_results(["alive"])
    assert run_cli("lambda", "deploy", env={"ENV": "dev"}, clock=fake_clock).exit_code == 0
    result = run_cli("lambda", "wire", env={"ENV": "dev"}, clock=fake_clock)
    assert result.exit_code == 3 and "us-east-1" in result.stderr
