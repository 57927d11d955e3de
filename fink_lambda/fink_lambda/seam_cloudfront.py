"""The CloudFront seam for Lambda@Edge: a distribution's configuration, read with its ETag and written back."""
from __future__ import annotations

from typing import Any

from fink.awsclient import AWSClient, aws_errors, error_code

__all__ = ["CloudFrontSeam"]


class CloudFrontSeam:
    def __init__(self, awsclient: AWSClient):
        self.client = awsclient.get_client("cloudfront", "us-east-1")  # a global service, served from us-east-1

    def distribution_config(self, distribution_id: str) -> tuple[dict[str, Any], str] | None:
        """The distribution's configuration and ETag; ``None`` when it does not exist."""
        from botocore.exceptions import ClientError
        try:
            response = self.client.get_distribution_config(Id=distribution_id)
        except ClientError as exc:
            if error_code(exc) == "NoSuchDistribution":
                return None
            with aws_errors(f"Reading CloudFront distribution {distribution_id}"):
                raise
        return response["DistributionConfig"], response["ETag"]

    def update(self, distribution_id: str, config: dict[str, Any], etag: str) -> None:
        with aws_errors(f"Updating CloudFront distribution {distribution_id}"):
            self.client.update_distribution(Id=distribution_id, IfMatch=etag, DistributionConfig=config)
