"""The service of the example system: a queue and a topic that name the bucket and the VPC they work with."""
from troposphere import Output, Parameter, Ref, Sub, Tags, Template
from troposphere.sns import Topic
from troposphere.sqs import Queue


def generate_template():
    t = Template(Description="fink example system: service")
    t.add_parameter(Parameter("NamePrefix", Type="String"))
    bucket = t.add_parameter(Parameter("BucketName", Type="String"))
    vpc = t.add_parameter(Parameter("VpcId", Type="String"))
    queue = t.add_resource(Queue("Work", QueueName=Sub("${NamePrefix}-work"),
                                 Tags=Tags(bucket=Ref(bucket), vpc=Ref(vpc))))
    topic = t.add_resource(Topic("Events", TopicName=Sub("${NamePrefix}-events")))
    t.add_output(Output("QueueUrl", Value=Ref(queue)))
    t.add_output(Output("TopicArn", Value=Ref(topic)))
    return t
