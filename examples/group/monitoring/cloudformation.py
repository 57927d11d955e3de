"""Monitoring of the example system: an alarm topic. It depends on nothing, so it is deployed beside the network."""
from troposphere import Output, Ref, Template
from troposphere.sns import Topic


def generate_template():
    t = Template(Description="fink example system: monitoring")
    topic = t.add_resource(Topic("Alarms", TopicName="fink-example-grp-alarms"))
    t.add_output(Output("AlarmTopicArn", Value=Ref(topic)))
    return t
