"""Template helpers: a template assembled from particles (pinned by a golden file), IAM and Route53 helpers."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from troposphere import GetAtt, Output, Parameter, Ref, Template
from troposphere.ec2 import Instance
from troposphere.iam import Policy
from troposphere.s3 import Bucket
from troposphere.sqs import Queue

from fink.awsclient import AWSClient
from fink.errors import ConfigError
from fink_cloud import cloud_particle_helper as ph
from fink_cloud.iam import IAMRoleAndPolicies
from fink_cloud.route53 import create_record
from fink_testtools.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"


def bucket_particle(template):
    fragment = Template()
    fragment.add_parameter(Parameter("BucketRetentionDays", Type="Number", Default="30"))
    bucket = fragment.add_resource(Bucket(f"{template.SERVICE_NAME}Bucket", Tags=template.DEFAULT_TAGS))
    fragment.add_output(Output(f"{template.SERVICE_NAME}BucketName", Value=Ref(bucket)))
    return ph.Particle("bucket", fragment, permissions=[
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}])


def queue_particle(template):
    fragment = Template()
    queue = fragment.add_resource(Queue(f"{template.SERVICE_NAME}Queue", Tags=template.DEFAULT_TAGS))
    fragment.add_output(Output(f"{template.SERVICE_NAME}QueueArn", Value=GetAtt(queue, "Arn")))
    return ph.Particle("queue", fragment, permissions=[
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}])


def assemble():
    template = Template()
    ph.initialize(template, "mia", environment="DEV")
    particles = [bucket_particle(template).override_default("BucketRetentionDays", "7"), queue_particle(template)]
    ph.add_particles(template, particles)
    iam = IAMRoleAndPolicies(template, "mia-", ["lambda.amazonaws.com"])
    role = iam.build_role("worker", policies=[Policy(PolicyName="particles", PolicyDocument={
        "Version": "2012-10-17", "Statement": ph.get_particle_permissions(particles)})])
    iam.build_policy("extra", [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}], [role])
    return template


def test_template_from_particles_matches_golden():
    text = assemble().to_json()
    assert_golden(GOLDEN / "particles_template.json", text)
    data = json.loads(text)
    assert data["Parameters"]["BucketRetentionDays"]["Default"] == "7"
    statements = data["Resources"]["MiaWorkerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert len(statements) == 2  # the shared s3 statement is listed once
    assert {"Key": "environment", "Value": "dev"} in data["Resources"]["miaBucket"]["Properties"]["Tags"]


def test_particles_with_clashing_names_are_refused():
    template = ph.initialize(Template(), "mia", environment="dev")
    first, second = bucket_particle(template), bucket_particle(template)
    with pytest.raises(ValueError, match="parameter 'BucketRetentionDays' already exists in the template"):
        ph.add_particles(template, [first, second])
    with pytest.raises(KeyError, match="has no parameter 'Nope'"):
        first.override_default("Nope", 1)


def test_route53_record_looks_up_the_zone(aws):
    boto3.client("route53").create_hosted_zone(Name="example.org", CallerReference="fink-test")
    template = Template()
    instance = template.add_resource(Instance("Web", ImageId="ami-1", InstanceType="t3.micro"))
    record = create_record("web", instance, awsclient=AWSClient())
    assert record.to_dict()["Properties"]["HostedZoneName"] == "example.org."
    assert record.to_dict()["Properties"]["ResourceRecords"] == [{"Fn::GetAtt": ["Web", "PrivateIp"]}]
    cname = create_record("alias", "target.example.org", type="CNAME", host_zone_name="example.org")
    assert cname.to_dict()["Properties"]["ResourceRecords"] == ["target.example.org"]
    boto3.client("route53").create_hosted_zone(Name="example.com", CallerReference="fink-test-2")
    with pytest.raises(ConfigError, match="Found 2 public hosted zones"):
        create_record("web", instance, awsclient=AWSClient())
