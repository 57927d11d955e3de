"""Route53 helper for troposphere templates (an import path templates rely on): a DNS record for a resource.

``create_record`` needs the hosted zone's name; without one it asks Route53 through the awsclient, which
templates only have inside a hook (see the cloud docs).
"""
from __future__ import annotations

from typing import Any

from fink.awsclient import AWSClient, aws_errors
from fink.errors import ConfigError

__all__ = ["create_record", "hosted_zone_name"]


def hosted_zone_name(awsclient: AWSClient) -> str:
    """The name of the account's only public hosted zone (with its trailing dot)."""
    with aws_errors("Listing Route53 hosted zones"):
        pages = awsclient.get_client("route53").get_paginator("list_hosted_zones").paginate()
        zones = [z["Name"] for page in pages for z in page["HostedZones"]
                 if not z.get("Config", {}).get("PrivateZone")]
    if len(zones) != 1:
        raise ConfigError(f"Found {len(zones)} public hosted zones, so the zone of the record is ambiguous.",
                          hint="Pass host_zone_name to create_record().")
    return zones[0]


def create_record(name_prefix: str, instance_reference: Any, type: str = "A", host_zone_name: str | None = None,
                  awsclient: AWSClient | None = None, ttl: int = 300) -> Any:
    """A ``AWS::Route53::RecordSet`` ``<name_prefix>.<zone>`` pointing at ``instance_reference``.

    For ``A`` records the reference is read as an instance's private IP (``Fn::GetAtt <ref>.PrivateIp``);
    for other types it is used as the record value as it is.
    """
    from troposphere import GetAtt, Join
    from troposphere.route53 import RecordSetType
    if host_zone_name is None:
        if awsclient is None:
            raise ConfigError("create_record() needs host_zone_name or an awsclient to look the zone up.")
        host_zone_name = hosted_zone_name(awsclient)
    zone = host_zone_name if host_zone_name.endswith(".") else host_zone_name + "."
    value = GetAtt(instance_reference, "PrivateIp") if type == "A" else instance_reference
    title = "".join(ch for ch in name_prefix.title() if ch.isalnum()) + "Record"
    return RecordSetType(title, HostedZoneName=zone, Name=Join("", [name_prefix, ".", zone]), Type=type,
                         TTL=str(ttl), ResourceRecords=[value])
