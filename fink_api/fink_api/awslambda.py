"""The Lambda seam of the api tool: the aliases an API invokes and their resource policies."""
from __future__ import annotations

import json

from fink.awsclient import ADOPTED, AWSClient, aws_errors, read_or_none

__all__ = ["LambdaAliases"]


class LambdaAliases:
    """Reads alias ARNs and policies and grants API Gateway the right to invoke an alias."""

    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.awsclient = awsclient
        self.client = awsclient.get_client("lambda", region)

    def alias_arn(self, function: str, alias: str) -> str:
        with aws_errors(f"Reading alias {alias} of Lambda function {function}",
                        hint="Deploy the function first (`lambda deploy`), or fix api.lambda.entries."):
            return self.client.get_alias(FunctionName=function, Name=alias)["AliasArn"]

    def policy(self, function: str, alias: str) -> str | None:
        """The alias's resource policy document (JSON text), ``None`` when it has none."""
        found = read_or_none(f"Reading the policy of {function}:{alias}", self.client.get_policy,
                             ("ResourceNotFoundException",), FunctionName=function, Qualifier=alias)
        return found["Policy"] if found else None

    def add_permission(self, function: str, alias: str, statement_id: str, source_arn: str) -> None:
        def adopt() -> object | None:
            statements = json.loads(self.policy(function, alias) or "{}").get("Statement", [])
            return ADOPTED if any(s.get("Sid") == statement_id for s in statements) else None
        self.awsclient.mutate(
            f"Allowing API Gateway to invoke {function}:{alias}",
            lambda: self.client.add_permission(FunctionName=function, Qualifier=alias, StatementId=statement_id,
                                               Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                                               SourceArn=source_arn),
            adopt=adopt, done_codes=("ResourceConflictException",))
