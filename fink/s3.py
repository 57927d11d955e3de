"""S3 seam shared by the tools: content-addressed artifact uploads that skip what is already there."""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from .awsclient import AWSClient, aws_errors, error_code

__all__ = ["object_exists", "upload_bytes", "upload_if_missing", "s3_url", "sha256_b64"]


def sha256_b64(data: bytes) -> str:
    """base64(sha256(data)): the format of Lambda's ``CodeSha256``."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def object_exists(awsclient: AWSClient, bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError
    client = awsclient.get_client("s3")
    try:
        client.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return False
        with aws_errors(f"Checking s3://{bucket}/{key}"):
            raise


def upload_bytes(awsclient: AWSClient, bucket: str, key: str, data: bytes, **extra: Any) -> None:
    with aws_errors(f"Uploading s3://{bucket}/{key}", hint="Check that the bucket exists and you may write to it."):
        awsclient.get_client("s3").put_object(Bucket=bucket, Key=key, Body=data, **extra)


def upload_if_missing(awsclient: AWSClient, bucket: str, key: str, data: bytes, **extra: Any) -> bool:
    """Upload unless the (content-addressed) key exists; returns True when it uploaded."""
    if object_exists(awsclient, bucket, key):
        return False
    upload_bytes(awsclient, bucket, key, data, **extra)
    return True


def s3_url(bucket: str, key: str, region: str) -> str:
    """A virtual-hosted style URL, as CloudFormation's TemplateURL expects."""
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"
