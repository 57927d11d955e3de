"""The CloudWatch metrics seam: the AWS/Lambda metrics of one function."""
from __future__ import annotations

from datetime import datetime

from fink.awsclient import AWSClient, aws_errors

__all__ = ["MetricsSeam"]


class MetricsSeam:
    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.client = awsclient.get_client("cloudwatch", region)

    def sum_of(self, function: str, metric: str, start: datetime, end: datetime, period: int = 3600) -> float:
        """The sum of ``metric`` of ``function`` over [start, end)."""
        with aws_errors(f"Reading metric {metric} of '{function}'"):
            response = self.client.get_metric_statistics(
                Namespace="AWS/Lambda", MetricName=metric, Dimensions=[{"Name": "FunctionName", "Value": function}],
                StartTime=start, EndTime=end, Period=period, Statistics=["Sum"])
        return sum(point.get("Sum", 0.0) for point in response.get("Datapoints", []))
