"""Seams for the services cloud stop/start touches: Auto Scaling, EC2 and RDS (intent-named, errors translated).

They only make single calls; waiting is done by the caller with the injected clock (botocore's waiters would
sleep on the real clock).
"""
from __future__ import annotations

from typing import Any

from fink.awsclient import AWSClient, aws_errors

__all__ = ["AutoScaling", "EC2", "RDS"]


class AutoScaling:
    def __init__(self, awsclient: AWSClient):
        self.client = awsclient.get_client("autoscaling")

    def resize(self, name: str, min_size: int, max_size: int, desired: int) -> None:
        with aws_errors(f"Resizing auto scaling group '{name}'"):
            self.client.update_auto_scaling_group(AutoScalingGroupName=name, MinSize=min_size, MaxSize=max_size,
                                                  DesiredCapacity=desired)

    def instance_count(self, name: str) -> int:
        """Instances of the group that are not terminated or terminating."""
        with aws_errors(f"Describing auto scaling group '{name}'"):
            groups = self.client.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
        instances = groups[0].get("Instances", []) if groups else []
        return sum(not i.get("LifecycleState", "").startswith("Terminat") for i in instances)


class EC2:
    def __init__(self, awsclient: AWSClient):
        self.client = awsclient.get_client("ec2")

    def states(self, instance_ids: list[str]) -> dict[str, str]:
        """``{instance id: state name}``."""
        with aws_errors("Describing EC2 instances"):
            pages = self.client.get_paginator("describe_instances").paginate(InstanceIds=instance_ids)
            return {i["InstanceId"]: i["State"]["Name"]
                    for page in pages for r in page["Reservations"] for i in r["Instances"]}

    def stop(self, instance_ids: list[str]) -> None:
        with aws_errors(f"Stopping EC2 instances {', '.join(instance_ids)}"):
            self.client.stop_instances(InstanceIds=instance_ids)

    def start(self, instance_ids: list[str]) -> None:
        with aws_errors(f"Starting EC2 instances {', '.join(instance_ids)}"):
            self.client.start_instances(InstanceIds=instance_ids)


class RDS:
    def __init__(self, awsclient: AWSClient):
        self.client = awsclient.get_client("rds")

    def status(self, identifier: str) -> str:
        with aws_errors(f"Describing RDS instance '{identifier}'"):
            return self.client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0][
                "DBInstanceStatus"]

    def stop(self, identifier: str) -> Any:
        with aws_errors(f"Stopping RDS instance '{identifier}'"):
            self.client.stop_db_instance(DBInstanceIdentifier=identifier)

    def start(self, identifier: str) -> Any:
        with aws_errors(f"Starting RDS instance '{identifier}'"):
            self.client.start_db_instance(DBInstanceIdentifier=identifier)
