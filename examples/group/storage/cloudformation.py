"""Storage of the example system: a bucket, tagged with the VPC it serves (looked up from the network stack)."""
from troposphere import Output, Parameter, Ref, Sub, Tags, Template
from troposphere.s3 import Bucket


def generate_template():
    t = Template(Description="fink example system: storage")
    prefix = t.add_parameter(Parameter("NamePrefix", Type="String"))
    vpc = t.add_parameter(Parameter("VpcId", Type="String"))
    bucket = t.add_resource(Bucket("Data", BucketName=Sub("${NamePrefix}-data"), Tags=Tags(vpc=Ref(vpc))))
    t.add_output(Output("BucketName", Value=Ref(bucket)))
    return t
