"""The template helpers gcdt projects import (iam, route53, particles, StackLookup, EBS tags, service discovery).

Their output is a contract: an existing stack deployed with gcdt must see the same logical ids and properties, or
CloudFormation replaces its roles and records. A gcdt-style template is pinned by a golden file, and the ids and
properties gcdt generated are asserted one by one (read from gcdt's helpers, not from our output).
"""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from troposphere import Output, Parameter, Ref, Template
from troposphere.ec2 import Instance
from troposphere.s3 import LifecycleConfiguration, LifecycleRule

from fink.awsclient import AWSClient
from fink.errors import ConfigError
from fink.servicediscovery import get_outputs_for_stack
from fink_cloud import cloud_particle_helper as ph
from fink_cloud.cloud_util import StackLookup, ensure_ebs_volume_tags_autoscaling_group
from fink_cloud.iam import IAMRoleAndPolicies
from fink_cloud import route53
from fink_testtools.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"
LAMBDA_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"


def bucket_particle(template):
    """A particle as gcdt teams wrote them: adds its resources, returns them with a permission profile."""
    iam = IAMRoleAndPolicies(template, "mia-", ["lambda.amazonaws.com"], "/lambda/")
    bucket = iam.build_bucket("uploads")
    return ph.Particle(template, {"bucket": bucket},
                       permissions=[{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}])


def gcdt_style_template(monkeypatch):
    monkeypatch.setenv("ENV", "DEV")
    monkeypatch.delenv("SERVICE_NAME", raising=False)
    template = Template()
    ph.initialize(template, "mia")
    particles = [bucket_particle(template), ph.Particle(template, {}, None)]
    iam = IAMRoleAndPolicies(template, "lambda-", ["lambda.amazonaws.com"], "/lambda/")
    policy_arn = template.add_parameter(Parameter("LambdaPolicyArn", Type="String", Default=LAMBDA_POLICY))
    role = iam.build_role("embed-player-wrapper", [Ref(policy_arn)])
    iam.build_role("plain")
    iam.build_policy("shared", ph.get_particle_permissions(particles)[0], iam.roles_list)
    iam.build_policy("managed", [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}], [Ref(role)],
                     is_managed_policy=True)
    bucket = template.resources["Uploads"]
    iam.build_policy_bucket(bucket, "uploads", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                                                 "Principal": "*"}])
    iam.build_bucket("raw-data", use_plain_name=True, lifecycle_configuration=LifecycleConfiguration(
        Rules=[LifecycleRule(Status="Enabled", ExpirationInDays=30)]))
    web = template.add_resource(Instance("Web", ImageId="ami-12345678", InstanceType="t3.micro"))
    template.add_resource(route53.create_record(None, "web-1", web, host_zone_name="int.example.org."))
    template.add_resource(route53.create_record(None, "alias.svc", "target.example.org", type="CNAME",
                                                host_zone_name="int.example.org."))
    lookup = StackLookup(template, "LookupArn", "VpcStack")
    template.add_output(Output("Vpc", Value=lookup.get_att("vpcid", as_reference=False)))
    return template


def test_gcdt_style_template_matches_golden(monkeypatch):
    text = gcdt_style_template(monkeypatch).to_json()
    assert_golden(GOLDEN / "gcdt_helpers_template.json", text)


def test_logical_ids_and_properties_are_gcdts(monkeypatch):
    data = json.loads(gcdt_style_template(monkeypatch).to_json())
    res = data["Resources"]
    assert data["Description"] == "Stack for mia microservice"
    role = res["LambdaEmbedPlayerWrapper"]
    assert role["Type"] == "AWS::IAM::Role"
    assert role["Properties"]["ManagedPolicyArns"] == [{"Ref": "LambdaPolicyArn"}]
    assert "Policies" not in role["Properties"]
    assert role["Properties"]["Path"] == "/lambda/"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["lambda.amazonaws.com"]}
    assert "ManagedPolicyArns" not in res["LambdaPlain"]["Properties"]
    shared = res["LambdaSharedPolicy"]
    assert shared["Type"] == "AWS::IAM::Policy" and shared["Properties"]["PolicyName"] == "LambdaSharedPolicy"
    assert shared["Properties"]["Roles"] == [{"Ref": "LambdaEmbedPlayerWrapper"}, {"Ref": "LambdaPlain"}]
    managed = res["LambdaManagedPolicy"]
    assert managed["Type"] == "AWS::IAM::ManagedPolicy" and managed["Properties"]["Path"] == "/lambda/"
    assert res["Uploads"]["Properties"]["BucketName"] == "mia-uploads"
    assert res["UploadsPolicy"]["DependsOn"] == ["Uploads"]
    assert res["UploadsPolicy"]["Properties"]["Bucket"] == {"Ref": "Uploads"}
    assert res["RawData"]["Properties"]["BucketName"] == "raw-data"
    record = res["Web1HostRecord"]["Properties"]
    assert record["ResourceRecords"] == [{"Fn::GetAtt": ["Web", "PrivateIp"]}] and record["TTL"] == "300"
    assert record["Name"] == {"Fn::Join": ["", ["web-1.", "int.example.org."]]}
    assert res["AliassvcHostRecord"]["Properties"]["ResourceRecords"] == ["target.example.org"]
    assert res["StackOutput"] == {"Type": "Custom::StackOutput", "Properties": {
        "ServiceToken": {"Ref": "LookupArn"}, "StackName": {"Ref": "VpcStack"}}}
    assert data["Outputs"]["Vpc"]["Value"] == {"Fn::GetAtt": ["StackOutput", "vpcid"]}


def test_particle_helper_reads_service_name_and_env(monkeypatch):
    monkeypatch.setenv("SERVICE_NAME", "override")
    monkeypatch.setenv("ENV", "PROD")
    template = ph.initialize(Template(), "mia")
    assert (template.SERVICE_NAME, template.SERVICE_ENVIRONMENT) == ("override", "prod")
    assert template.DEFAULT_TAGS.to_dict() == [{"Key": "environment", "Value": "prod"},
                                               {"Key": "service-name", "Value": "override"}]
    assert ph.get_particle_permissions([ph.Particle(template, {}, ["a"]), ph.Particle(template, {})]) == [["a"]]


def test_route53_zone_from_the_dp_stack(aws, monkeypatch):
    """Without host_zone_name, gcdt read the zone from output internalDomainName of stack dp-<ENV>."""
    monkeypatch.setenv("ENV", "dev")
    cfn = boto3.client("cloudformation")
    body = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"internalDomainName": {"Value": "dev.int.example.org"}}}
    cfn.create_stack(StackName="dp-dev", TemplateBody=json.dumps(body))
    client = AWSClient()
    record = route53.create_record(client, "db", "10.0.0.1")
    assert record.to_dict()["Properties"]["HostedZoneName"] == "dev.int.example.org."
    assert get_outputs_for_stack(client, "dp-dev") == {"internalDomainName": "dev.int.example.org"}
    cfn.create_stack(StackName="dp-stage", TemplateBody=json.dumps({"Resources": body["Resources"]}))
    with pytest.raises(ConfigError, match="Stack 'dp-stage' has no output 'internalDomainName'"):
        route53.retrieve_stack_host_zone_name(client, "dp-stage")
    with pytest.raises(ConfigError, match="not supported"):
        route53.create_record(client, "db", "10.0.0.1", type="MX", host_zone_name="x.")


def test_ebs_volumes_of_an_autoscaling_group_get_the_tags(aws):
    ec2 = boto3.client("ec2")
    image = "ami-12345678"  # moto does not check AMI ids (listing its images costs seconds)
    tagged = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, TagSpecifications=[{
        "ResourceType": "instance", "Tags": [{"Key": "aws:autoscaling:groupName", "Value": "web-asg"}]}])
    other = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
    in_group = tagged["Instances"][0]["InstanceId"]
    outside = other["Instances"][0]["InstanceId"]
    for instance in (in_group, outside):
        volume = ec2.create_volume(AvailabilityZone=tagged["Instances"][0]["Placement"]["AvailabilityZone"], Size=1)
        ec2.attach_volume(VolumeId=volume["VolumeId"], InstanceId=instance, Device="/dev/sdf")
    wanted = [{"Key": "service", "Value": "web"}]
    ensure_ebs_volume_tags_autoscaling_group(AWSClient(), "web-asg", wanted)

    def volume_tags(instance):
        volumes = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance]}])["Volumes"]
        return [v.get("Tags", []) for v in volumes]
    assert volume_tags(in_group) and all({"Key": "service", "Value": "web"} in t for t in volume_tags(in_group))
    assert all({"Key": "service", "Value": "web"} not in t for t in volume_tags(outside))
