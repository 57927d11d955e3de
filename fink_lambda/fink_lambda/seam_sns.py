"""The SNS seam for event wiring: lambda subscriptions of a topic."""
from __future__ import annotations

from typing import Any

from fink.awsclient import AWSClient, aws_errors, error_code

__all__ = ["SNSSeam"]


class SNSSeam:
    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.client = awsclient.get_client("sns", region)

    def subscriptions(self, topic_arn: str) -> list[dict[str, Any]] | None:
        """The topic's subscriptions; ``None`` when the topic does not exist."""
        from botocore.exceptions import ClientError
        try:
            pages = self.client.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
            return [s for page in pages for s in page["Subscriptions"]]
        except ClientError as exc:
            if error_code(exc) in ("NotFound", "NotFoundException"):
                return None
            with aws_errors(f"Listing the subscriptions of {topic_arn}"):
                raise

    def subscribe_lambda(self, topic_arn: str, function_arn: str) -> None:
        with aws_errors(f"Subscribing {function_arn} to {topic_arn}"):
            self.client.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=function_arn)

    def unsubscribe(self, subscription_arn: str) -> None:
        with aws_errors(f"Unsubscribing {subscription_arn}"):
            self.client.unsubscribe(SubscriptionArn=subscription_arn)
