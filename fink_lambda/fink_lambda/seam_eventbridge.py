"""The EventBridge (CloudWatch Events) seam: rules and their targets."""
from __future__ import annotations

from typing import Any

from fink.awsclient import ADOPTED, AWSClient, aws_errors, read_or_none

__all__ = ["EventBridgeSeam"]


class EventBridgeSeam:
    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.awsclient = awsclient
        self.client = awsclient.get_client("events", region)

    def rule(self, name: str) -> dict[str, Any] | None:
        return read_or_none(f"Reading rule {name}", self.client.describe_rule, ("ResourceNotFoundException",),
                            Name=name)

    def targets(self, rule: str) -> list[dict[str, Any]]:
        with aws_errors(f"Listing the targets of rule {rule}"):
            pages = self.client.get_paginator("list_targets_by_rule").paginate(Rule=rule)
            return [t for page in pages for t in page["Targets"]]

    def put_rule(self, **params: Any) -> str:
        with aws_errors(f"Writing rule {params['Name']}"):
            return self.client.put_rule(**params)["RuleArn"]

    def put_target(self, rule: str, target: dict[str, Any]) -> None:
        with aws_errors(f"Adding target {target['Id']} to rule {rule}"):
            response = self.client.put_targets(Rule=rule, Targets=[target])
        if response.get("FailedEntryCount"):
            raise_failed(f"Adding target {target['Id']} to rule {rule}", response)

    def remove_target(self, rule: str, target_id: str) -> None:
        response = self.awsclient.mutate(
            f"Removing target {target_id} from rule {rule}",
            lambda: self.client.remove_targets(Rule=rule, Ids=[target_id]),
            adopt=lambda: {} if all(t["Id"] != target_id for t in self.targets(rule)) else None,
            done_codes=("ResourceNotFoundException",))
        if response.get("FailedEntryCount"):
            raise_failed(f"Removing target {target_id} from rule {rule}", response)

    def delete_rule(self, name: str) -> None:
        self.awsclient.mutate(f"Deleting rule {name}", lambda: self.client.delete_rule(Name=name),
                              adopt=lambda: ADOPTED if self.rule(name) is None else None,
                              done_codes=("ResourceNotFoundException",))


def raise_failed(what: str, response: dict[str, Any]) -> None:
    from fink.errors import AWSError
    entry = (response.get("FailedEntries") or [{}])[0]
    raise AWSError(f"{what} failed: {entry.get('ErrorMessage')} ({entry.get('ErrorCode')})",
                   code=str(entry.get("ErrorCode", "")), aws_message=str(entry.get("ErrorMessage", "")))
