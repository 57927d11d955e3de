"""The SNS seam for event wiring: lambda subscriptions of a topic."""
from __future__ import annotations

from typing import Any

from fink.awsclient import ADOPTED, AWSClient, read_or_none

__all__ = ["SNSSeam"]


class SNSSeam:
    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.awsclient = awsclient
        self.client = awsclient.get_client("sns", region)

    def subscriptions(self, topic_arn: str) -> list[dict[str, Any]] | None:
        """The topic's subscriptions; ``None`` when the topic does not exist."""
        def read() -> list[dict[str, Any]]:
            pages = self.client.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
            return [s for page in pages for s in page["Subscriptions"]]
        return read_or_none(f"Listing the subscriptions of {topic_arn}", read, ("NotFound", "NotFoundException"))

    def subscribe_lambda(self, topic_arn: str, function_arn: str) -> None:
        self.awsclient.mutate(
            f"Subscribing {function_arn} to {topic_arn}",
            lambda: self.client.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=function_arn),
            adopt=lambda: ADOPTED if any(s.get("Endpoint") == function_arn and s.get("Protocol") == "lambda"
                                         for s in self.subscriptions(topic_arn) or []) else None)

    def unsubscribe(self, subscription_arn: str) -> None:
        topic_arn = subscription_arn.rsplit(":", 1)[0]
        self.awsclient.mutate(
            f"Unsubscribing {subscription_arn}", lambda: self.client.unsubscribe(SubscriptionArn=subscription_arn),
            adopt=lambda: ADOPTED if all(s.get("SubscriptionArn") != subscription_arn
                                         for s in self.subscriptions(topic_arn) or []) else None,
            done_codes=("NotFound", "NotFoundException"))
