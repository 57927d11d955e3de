"""The Route53 seam of the api tool: reading and upserting the record of a custom domain."""
from __future__ import annotations

from typing import Any

from fink.awsclient import ADOPTED, AWSClient, aws_errors

from .plan import dotted as _dotted

__all__ = ["Route53Records"]


class Route53Records:
    def __init__(self, awsclient: AWSClient):
        self.awsclient = awsclient
        self.client = awsclient.get_client("route53")

    def record(self, zone_id: str, name: str, record_type: str) -> dict[str, Any] | None:
        """The record set ``name``/``record_type`` in the zone, or ``None``."""
        with aws_errors(f"Reading DNS record {name} in hosted zone {zone_id}",
                        hint="Check customDomain.hostedDomainZoneId."):
            response = self.client.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=_dotted(name),
                                                             StartRecordType=record_type, MaxItems="1")
        for record in response.get("ResourceRecordSets", []):
            if _dotted(record["Name"]).lower() == _dotted(name).lower() and record["Type"] == record_type:
                return record
        return None

    def upsert(self, zone_id: str, record: dict[str, Any], replaces: dict[str, Any] | None = None) -> None:
        """UPSERT ``record``; ``replaces`` (a conflicting record of the same name) is deleted in the same batch."""
        changes = [{"Action": "DELETE", "ResourceRecordSet": replaces}] if replaces else []
        changes.append({"Action": "UPSERT", "ResourceRecordSet": record})
        def adopt() -> object | None:  # the batch is atomic: the record as wanted means it was applied
            found = self.record(zone_id, record["Name"], record["Type"])
            same = found is not None and all(found.get(k) == v for k, v in record.items() if k != "Name")
            return ADOPTED if same else None
        self.awsclient.mutate(
            f"Writing DNS record {record['Name']} in hosted zone {zone_id}",
            lambda: self.client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
                "Comment": "fink api custom domain", "Changes": changes}),
            adopt=adopt, done_codes=("InvalidChangeBatch",))
