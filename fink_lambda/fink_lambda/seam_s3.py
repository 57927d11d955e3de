"""The S3 seam for event wiring: a bucket's notification configuration, read and written whole."""
from __future__ import annotations

from typing import Any

from fink.awsclient import AWSClient, aws_errors, error_code

__all__ = ["S3Seam"]


class S3Seam:
    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.client = awsclient.get_client("s3", region)

    def notifications(self, bucket: str) -> dict[str, Any] | None:
        """The bucket's whole notification configuration (topics, queues, functions, EventBridge); ``None`` when
        the bucket does not exist."""
        from botocore.exceptions import ClientError
        try:
            response = self.client.get_bucket_notification_configuration(Bucket=bucket)
        except ClientError as exc:
            if error_code(exc) in ("NoSuchBucket", "404"):
                return None
            with aws_errors(f"Reading the notifications of bucket {bucket}"):
                raise
        response.pop("ResponseMetadata", None)
        return response

    def put_notifications(self, bucket: str, configuration: dict[str, Any]) -> None:
        with aws_errors(f"Writing the notifications of bucket {bucket}"):
            self.client.put_bucket_notification_configuration(Bucket=bucket,
                                                              NotificationConfiguration=configuration)
