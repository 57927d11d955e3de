"""IAM helpers for troposphere templates (an import path templates rely on): roles and policies with names
derived from one prefix, so every stack names its IAM resources the same way."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

__all__ = ["IAMRoleAndPolicies", "assume_role_policy"]


def assume_role_policy(principals: Iterable[str]) -> dict[str, Any]:
    """A trust policy letting the given service principals (e.g. ``lambda.amazonaws.com``) assume the role."""
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": sorted(principals)}, "Action": ["sts:AssumeRole"]}]}


def _title(text: str) -> str:
    """A CloudFormation logical id from free text: alphanumerics only."""
    return "".join(ch for ch in text.title() if ch.isalnum())


class IAMRoleAndPolicies:
    """Adds roles and policies to ``template``; logical ids are ``<prefix><Name>``."""

    def __init__(self, template: Any, role_title_prefix: str, assume_role_principals: Iterable[str],
                 role_path: str = "/"):
        self.template = template
        self.prefix = role_title_prefix
        self.principals = list(assume_role_principals)
        self.path = role_path

    def name_strip(self, name: str, suffix: str = "") -> str:
        return _title(self.prefix + " " + name) + suffix

    def build_role(self, name: str, policies: Iterable[Any] = (), managed_policy_arns: Iterable[str] = ()) -> Any:
        from troposphere.iam import Role
        role = Role(self.name_strip(name, "Role"), Path=self.path,
                    AssumeRolePolicyDocument=assume_role_policy(self.principals))
        if policies:
            role.Policies = list(policies)
        if managed_policy_arns:
            role.ManagedPolicyArns = list(managed_policy_arns)
        return self.template.add_resource(role)

    def build_policy(self, name: str, statements: Iterable[Mapping[str, Any]], roles: Iterable[Any]) -> Any:
        """A managed-in-stack policy (``AWS::IAM::Policy``) with ``statements`` attached to ``roles``."""
        from troposphere import Ref
        from troposphere.iam import PolicyType
        policy = PolicyType(self.name_strip(name, "Policy"), PolicyName=self.name_strip(name),
                            PolicyDocument={"Version": "2012-10-17", "Statement": [dict(s) for s in statements]},
                            Roles=[Ref(r) for r in roles])
        return self.template.add_resource(policy)
