"""EBS tagging helpers for hooks, with gcdt's contract (``gcdt.kumo_util.ensure_ebs_volume_tags_*``; the guide
names this module ``fink.cloud_util``; ``fink_cloud.cloud_util`` re-exports it next to the template helpers).

CloudFormation does not pass an instance's tags on to its EBS volumes. These functions add the missing ``tags``
(a list of ``{"Key": ..., "Value": ...}``) to every volume attached to an instance, or to every instance of an
auto scaling group. They only add tags a volume lacks (a tag with the same key but another value is added, i.e.
overwritten); they never remove tags. Call them from a hook, e.g. on ``command_finalized`` of ``cloud deploy``,
with ``context['_awsclient']``.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping, Sequence

from .awsclient import aws_errors

__all__ = ["ensure_ebs_volume_tags_autoscaling_group", "ensure_ebs_volume_tags_ec2_instance",
           "ensure_tags_ebs_volume"]


def _pages(client: Any, operation: str, what: str, **kwargs: Any) -> Iterator[dict]:
    with aws_errors(what):
        yield from client.get_paginator(operation).paginate(**kwargs)


def ensure_ebs_volume_tags_autoscaling_group(awsclient: Any, as_group_name: str,
                                             tags: Sequence[Mapping[str, str]]) -> None:
    """Tag the EBS volumes of every instance that belongs to the auto scaling group ``as_group_name``."""
    ec2 = awsclient.get_client("ec2")
    group_filter = [{"Name": "tag:aws:autoscaling:groupName", "Values": [as_group_name]}]
    for page in _pages(ec2, "describe_instances", f"Listing the instances of auto scaling group {as_group_name}",
                       Filters=group_filter):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                ensure_ebs_volume_tags_ec2_instance(awsclient, instance["InstanceId"], tags)


def ensure_ebs_volume_tags_ec2_instance(awsclient: Any, instance_id: str, tags: Sequence[Mapping[str, str]]) -> None:
    """Tag every EBS volume attached to the EC2 instance ``instance_id``."""
    ec2 = awsclient.get_client("ec2")
    attached = [{"Name": "attachment.instance-id", "Values": [instance_id]}]
    for page in _pages(ec2, "describe_volumes", f"Listing the volumes of instance {instance_id}", Filters=attached):
        for volume in page["Volumes"]:
            ensure_tags_ebs_volume(awsclient, volume, tags)


def ensure_tags_ebs_volume(awsclient: Any, volume: Mapping[str, Any], tags: Sequence[Mapping[str, str]]) -> None:
    """Add the tags of ``tags`` that the volume (as ``describe_volumes`` returns it) does not carry yet."""
    present = volume.get("Tags") or []
    missing = [dict(tag) for tag in tags if dict(tag) not in present]
    if missing:
        with aws_errors(f"Tagging volume {volume['VolumeId']}"):
            awsclient.get_client("ec2").create_tags(Resources=[volume["VolumeId"]], Tags=missing)
