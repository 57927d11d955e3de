"""The S3 seam for event wiring: a bucket's notification configuration, read and written whole."""
from __future__ import annotations

from typing import Any

from fink.awsclient import AWSClient, aws_errors

__all__ = ["S3Seam"]


class S3Seam:
    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.client = awsclient.get_client("s3", region)

    def notifications(self, bucket: str) -> dict[str, Any]:
        """The bucket's whole notification configuration (topics, queues, functions, EventBridge)."""
        with aws_errors(f"Reading the notifications of bucket {bucket}", hint="Check that the bucket exists."):
            response = self.client.get_bucket_notification_configuration(Bucket=bucket)
        response.pop("ResponseMetadata", None)
        return response

    def put_notifications(self, bucket: str, configuration: dict[str, Any]) -> None:
        with aws_errors(f"Writing the notifications of bucket {bucket}"):
            self.client.put_bucket_notification_configuration(Bucket=bucket,
                                                              NotificationConfiguration=configuration)
