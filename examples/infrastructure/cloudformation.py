"""The example infrastructure: what the lambda, api and codedeploy examples build on.

Outputs (read by the other examples through ``lookup:stack:fink-example-infra:<Output>``):
LambdaRoleArn, ArtifactBucket, EventTopicArn.
"""
from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template
from troposphere.iam import Policy, Role
from troposphere.s3 import Bucket, VersioningConfiguration
from troposphere.sns import Topic

from fink_cloud import cloud_particle_helper as ph
from fink_cloud.iam import assume_role_policy


def generate_template(context, config):
    template = ph.initialize(Template(), "fink-example", environment=context["env"])
    prefix = template.add_parameter(Parameter(
        "NamePrefix", Type="String", Description="prefix of the names of the example's resources"))
    bucket = template.add_resource(Bucket(
        "ArtifactBucket", BucketName=Sub("${NamePrefix}-artifacts-${AWS::AccountId}"),
        VersioningConfiguration=VersioningConfiguration(Status="Enabled"), Tags=template.DEFAULT_TAGS))
    topic = template.add_resource(Topic("EventTopic", TopicName=Sub("${NamePrefix}-events"),
                                        Tags=template.DEFAULT_TAGS))
    role = template.add_resource(Role(
        "LambdaRole", RoleName=Sub("${NamePrefix}-lambda"),
        AssumeRolePolicyDocument=assume_role_policy(["lambda.amazonaws.com"]),
        Policies=[Policy(PolicyName="logs-and-artifacts", PolicyDocument={"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": Sub("${ArtifactBucket.Arn}/*")},
        ]})]))
    template.add_output(Output("LambdaRoleArn", Value=GetAtt(role, "Arn"),
                               Description="role the example functions run with"))
    template.add_output(Output("ArtifactBucket", Value=Ref(bucket), Description="bucket for artifacts"))
    template.add_output(Output("EventTopicArn", Value=Ref(topic), Description="topic the example function reads"))
    template.add_output(Output("NamePrefix", Value=Ref(prefix)))
    return template
