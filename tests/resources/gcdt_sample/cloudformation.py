#!/usr/bin/env python
"""A gcdt-era template (gcdt 0.1 layout and imports), kept as a team would have written it."""
import json

from troposphere import GetAtt, Join, Output, Parameter, Ref, Template
from troposphere.s3 import Bucket

from gcdt import gcdt_signals
from gcdt import kumo_particle_helper
from gcdt.iam import IAMRoleAndPolicies
from gcdt.utils import get_env

LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
DEPLOYED = {}


def generate_template():
    t = Template()
    kumo_particle_helper.initialize(t, "gcdt-sample")
    t.add_description("gcdt sample stack: a bucket and the function's role")
    prefix = t.add_parameter(Parameter("BucketPrefix", Type="String"))
    bucket = t.add_resource(Bucket("ArtifactBucket", BucketName=Join("-", [Ref(prefix), get_env()]),
                                   Tags=t.DEFAULT_TAGS))
    iam = IAMRoleAndPolicies(t, "gcdt-sample-", ["lambda.amazonaws.com"], "/lambda/")
    role = iam.build_role("lambda", [LAMBDA_BASIC])
    iam.build_policy("bucket-access", [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}],
                     iam.roles_list)
    t.add_output(Output("LambdaRoleArn", Value=GetAtt(role, "Arn")))
    t.add_output(Output("BucketName", Value=Ref(bucket)))
    DEPLOYED["template"] = "generated"
    return t.to_json()


def get_stack_policy():
    return json.dumps({"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*",
                                      "Resource": "*"}]})


def announce(params):
    context, config = params
    if context["tool"] == "kumo" and context["command"] == "deploy":
        print("sample stack deployed: %s (%s)" % (context["stack_output"]["BucketName"], DEPLOYED))


def register():
    gcdt_signals.command_finalized.connect(announce)


def deregister():
    gcdt_signals.command_finalized.disconnect(announce)
