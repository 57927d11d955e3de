"""cloud stop / cloud start against moto: a stack with an auto scaling group, an EC2 instance and an RDS instance
(moto's CloudFormation creates all three)."""
from __future__ import annotations

import json

import boto3
import pytest

from fink.errors import FinkError
from fink_cloud.stopstart import asg_sizes, targets_of

STACK = "fink-test-compute"


@pytest.fixture(autouse=True)
def _env_dev(monkeypatch):
    monkeypatch.setenv("ENV", "dev")


def _physical(kind):
    resources = boto3.client("cloudformation").list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    return next(r["PhysicalResourceId"] for r in resources if r["ResourceType"] == kind)


def _state():
    group = boto3.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[_physical("AWS::AutoScaling::AutoScalingGroup")])["AutoScalingGroups"][0]
    instance = boto3.client("ec2").describe_instances(InstanceIds=[_physical("AWS::EC2::Instance")])
    db = boto3.client("rds").describe_db_instances(DBInstanceIdentifier="fink-test-db")["DBInstances"][0]
    live = [i for i in group["Instances"] if not i["LifecycleState"].startswith("Terminat")]
    return {"asg": (group["MinSize"], group["MaxSize"], group["DesiredCapacity"], len(live)),
            "ec2": instance["Reservations"][0]["Instances"][0]["State"]["Name"], "rds": db["DBInstanceStatus"]}


def test_stop_and_start_a_stack(aws, project, run_cli, fake_clock):
    project("cloud_compute")
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    assert _state() == {"asg": (2, 4, 2, 2), "ec2": "running", "rds": "available"}
    stopped = run_cli("cloud", "stop", clock=fake_clock)
    assert stopped.exit_code == 0, stopped.output
    assert _state() == {"asg": (0, 0, 0, 0), "ec2": "stopped", "rds": "stopped"}
    assert "stopped: 1 auto scaling group(s), 1 EC2 instance(s), 1 RDS instance(s)" in stopped.stderr
    started = run_cli("cloud", "start", clock=fake_clock)
    assert started.exit_code == 0, started.output
    # sizes come back from the template; MaxSize is a Ref to a parameter set to 4 in the config
    assert _state() == {"asg": (2, 4, 2, 2), "ec2": "running", "rds": "available"}
    assert "to min 2, max 4, desired 2" in started.stderr


def test_disable_stop_excludes_the_stack(aws, project, run_cli, fake_clock):
    folder = project("cloud_compute")
    assert run_cli("cloud", "deploy", clock=fake_clock).exit_code == 0
    config = json.loads((folder / "fink_dev.json").read_text())
    config["cloud"]["deployment"] = {"DisableStop": True}
    (folder / "fink_dev.json").write_text(json.dumps(config))
    result = run_cli("cloud", "stop", clock=fake_clock)
    assert result.exit_code == 0
    assert "excluded from stop/start (deployment.DisableStop)" in result.stderr
    assert _state() == {"asg": (2, 4, 2, 2), "ec2": "running", "rds": "available"}


def test_stop_of_a_missing_stack(aws, project, run_cli, fake_clock):
    project("cloud_compute")
    result = run_cli("cloud", "stop", clock=fake_clock)
    assert result.exit_code == 1
    assert "Stack 'fink-test-compute' does not exist." in result.stderr


def test_sizes_and_targets_are_read_from_template_and_resources():
    template = {"Resources": {"G": {"Properties": {"MinSize": "1", "MaxSize": {"Ref": "Max"}}}}}
    assert asg_sizes(template, {"Max": "5"}, "G") == (1, 5, 1)
    template["Resources"]["G"]["Properties"]["MinSize"] = {"Fn::If": ["Prod", "2", "1"]}
    with pytest.raises(FinkError, match=r"Cannot tell the size \{'Fn::If'"):
        asg_sizes(template, {"Max": "5"}, "G")
    targets = targets_of([
        {"LogicalResourceId": "G", "ResourceType": "AWS::AutoScaling::AutoScalingGroup", "PhysicalResourceId": "g-1",
         "ResourceStatus": "CREATE_COMPLETE"},
        {"LogicalResourceId": "I", "ResourceType": "AWS::EC2::Instance", "PhysicalResourceId": "i-1",
         "ResourceStatus": "DELETE_COMPLETE"},
        {"LogicalResourceId": "D", "ResourceType": "AWS::RDS::DBInstance", "PhysicalResourceId": "db",
         "ResourceStatus": "UPDATE_COMPLETE"}])
    assert (targets.asgs, targets.instances, targets.databases) == ({"G": "g-1"}, [], ["db"])
