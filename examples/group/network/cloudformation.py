"""The network of the example system: one VPC. Its outputs are looked up by the other members."""
from troposphere import Output, Parameter, Ref, Tags, Template
from troposphere.ec2 import VPC


def generate_template():
    t = Template(Description="fink example system: network")
    prefix = t.add_parameter(Parameter("NamePrefix", Type="String"))
    vpc = t.add_resource(VPC("Vpc", CidrBlock="10.42.0.0/16", Tags=Tags(Name=Ref(prefix))))
    t.add_output(Output("VpcId", Value=Ref(vpc)))
    return t
