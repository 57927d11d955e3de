"""A small stack for the cloud tests: a bucket and a topic, named after a parameter."""
from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template
from troposphere.s3 import Bucket
from troposphere.sns import Topic

from fink import fink_signals

SEEN = {}


def generate_template():
    t = Template(Description="fink cloud test stack")
    prefix = t.add_parameter(Parameter("Prefix", Type="String"))
    t.add_parameter(Parameter("Retention", Type="Number", Default="7"))
    t.add_parameter(Parameter("Zones", Type="CommaDelimitedList", Default="a,b"))
    bucket = t.add_resource(Bucket("ArtifactBucket", BucketName=Sub("${Prefix}-artifacts")))
    topic = t.add_resource(Topic("EventTopic", TopicName=Sub("${Prefix}-events"), DependsOn=["ArtifactBucket"]))
    t.add_output(Output("BucketName", Value=Ref(bucket)))
    t.add_output(Output("BucketArn", Value=GetAtt(bucket, "Arn")))
    t.add_output(Output("TopicArn", Value=Ref(topic)))
    t.add_output(Output("PrefixUsed", Value=Ref(prefix)))
    return t.to_json()


def _finalized(params):
    context, _config = params
    SEEN["stack_output"] = context.get("stack_output")
    context["_ui"].info(f"hook saw outputs: {sorted((context.get('stack_output') or {}).items())}")


def register():
    fink_signals.command_finalized.connect(_finalized)


def deregister():
    fink_signals.command_finalized.disconnect(_finalized)
