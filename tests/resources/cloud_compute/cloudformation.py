"""A stack with the three kinds of resources cloud stop/start handles: an ASG, an EC2 instance, an RDS instance."""
from troposphere import Parameter, Ref, Template
from troposphere.autoscaling import AutoScalingGroup, LaunchConfiguration
from troposphere.ec2 import Instance
from troposphere.rds import DBInstance


def generate_template():
    t = Template()
    image = t.add_parameter(Parameter("ImageId", Type="String"))
    max_size = t.add_parameter(Parameter("MaxSize", Type="Number", Default="3"))
    config = t.add_resource(LaunchConfiguration("WebConfig", ImageId=Ref(image), InstanceType="t3.micro"))
    t.add_resource(AutoScalingGroup("WebGroup", LaunchConfigurationName=Ref(config), MinSize="2",
                                    MaxSize=Ref(max_size), DesiredCapacity="2", AvailabilityZones=["eu-west-1a"]))
    t.add_resource(Instance("Bastion", ImageId=Ref(image), InstanceType="t3.micro"))
    t.add_resource(DBInstance("Database", DBInstanceIdentifier="fink-test-db", DBInstanceClass="db.t3.micro",
                              Engine="postgres", AllocatedStorage="20", MasterUsername="fink",
                              MasterUserPassword="not-a-secret-123"))
    return t.to_json()
