"""Whether a stream or queue event source exists: read before ``lambda wire`` changes anything.

Kinesis streams, DynamoDB streams and SQS queues are wired through event source mappings, which Lambda refuses for a
source that does not exist; checking every source first keeps a missing second source from stopping a wire half-way.
"""
from __future__ import annotations

from fink.awsclient import AWSClient, aws_errors, error_code

__all__ = ["SourcesSeam", "MISSING_CODES"]

MISSING_CODES = ("ResourceNotFoundException", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist",
                 "NotFound", "NotFoundException", "NoSuchBucket", "NoSuchDistribution")


class SourcesSeam:
    def __init__(self, awsclient: AWSClient):
        self.awsclient = awsclient

    def exists(self, kind: str, arn: str) -> bool:
        """``kind``: kinesis, dynamodb or sqs (the service part of ``arn``)."""
        from botocore.exceptions import ClientError
        region = arn.split(":")[3] or None
        try:
            with_client = {"kinesis": self._kinesis, "dynamodb": self._dynamodb, "sqs": self._sqs}[kind]
            with_client(arn, region)
            return True
        except ClientError as exc:
            if error_code(exc) in MISSING_CODES:
                return False
            with aws_errors(f"Reading event source {arn}"):
                raise

    def _kinesis(self, arn: str, region: str | None) -> None:
        self.awsclient.get_client("kinesis", region).describe_stream_summary(StreamARN=arn)

    def _dynamodb(self, arn: str, region: str | None) -> None:
        self.awsclient.get_client("dynamodbstreams", region).describe_stream(StreamArn=arn, Limit=1)

    def _sqs(self, arn: str, region: str | None) -> None:
        parts = arn.split(":")
        self.awsclient.get_client("sqs", region).get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])
