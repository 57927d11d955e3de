"""IAM helpers for troposphere templates, with gcdt's contract (templates written for ``gcdt.iam`` keep working).

The logical ids are part of the contract: CloudFormation replaces a resource whose logical id changes, so an
existing stack must see exactly the ids gcdt generated. The rules (from gcdt's ``name_build``/``name_strip``):

- a role or bucket: ``(prefix + name).title()`` with every ``-`` removed, e.g. prefix ``lambda-`` and name
  ``embed-player`` → ``LambdaEmbedPlayer``;
- a policy: the same of ``prefix + name + "-policy"`` → ``LambdaEmbedPlayerPolicy``;
- a bucket policy: ``(name + "-policy")`` without the prefix.

``build_role(name, policies)`` attaches *managed* policies (``ManagedPolicyArns``: ARNs or ``Ref``s of policy
ARNs), as gcdt did; ``build_policy(name, statements, roles)`` takes the roles as they go into the template (usually
``[Ref(role)]`` or :attr:`IAMRoleAndPolicies.roles_list`).
"""
from __future__ import annotations

from typing import Any, Iterable

__all__ = ["IAMRoleAndPolicies", "assume_role_policy", "IAM_VERSION"]

IAM_VERSION = "2012-10-17"


def assume_role_policy(principals: Any) -> dict[str, Any]:
    """A trust policy letting the service principal(s) (e.g. ``lambda.amazonaws.com``) assume the role."""
    return {"Version": IAM_VERSION, "Statement": [
        {"Effect": "Allow", "Principal": {"Service": principals}, "Action": ["sts:AssumeRole"]}]}


def _policy_document(statements: Any) -> dict[str, Any]:
    return {"Version": IAM_VERSION, "Statement": statements}


class IAMRoleAndPolicies:
    """Adds roles, policies and buckets to ``template``, named from one prefix (see the module docstring)."""

    VERSION_IAM = IAM_VERSION

    def __init__(self, template: Any, role_name_prefix: str, role_principals: Any, role_path: str):
        self._template = template
        self._prefix = role_name_prefix
        self._principals = role_principals
        self._path = role_path
        self._roles: list[Any] = []

    @property
    def roles_list(self) -> list[Any]:
        """``Ref``s of every role built by this instance, e.g. for one policy shared by all of them."""
        return self._roles

    def name_build(self, name: str, is_policy: bool = False, prefix: bool = True) -> str:
        """The plain name: prefix (optional) + name + ``-policy`` for policies."""
        return (self._prefix if prefix else "") + name + ("-policy" if is_policy else "")

    def name_strip(self, name: str, is_policy: bool = False, prefix: bool = True) -> str:
        """The logical id: :meth:`name_build` title-cased, without dashes."""
        return self.name_build(name, is_policy, prefix).title().replace("-", "")

    def build_role(self, name: str, policies: Iterable[Any] | bool = False) -> Any:
        """An ``AWS::IAM::Role`` assumable by the principals; ``policies`` are managed policy ARNs (or Refs)."""
        from troposphere.iam import Role
        properties: dict[str, Any] = {"AssumeRolePolicyDocument": assume_role_policy(self._principals),
                                      "Path": self._path}
        if policies:
            properties["ManagedPolicyArns"] = list(policies)  # type: ignore[arg-type]
        role = self._template.add_resource(Role(self.name_strip(name), **properties))
        self._roles.append(_ref(role))
        return role

    def build_policy(self, name: str, statements: Any, roles: Any, is_managed_policy: bool = False) -> Any:
        """An inline ``AWS::IAM::Policy`` (or, with ``is_managed_policy``, an ``AWS::IAM::ManagedPolicy`` on the
        role path) holding ``statements`` and attached to ``roles``."""
        from troposphere.iam import ManagedPolicy, PolicyType
        title = self.name_strip(name, True)
        if is_managed_policy:
            policy = ManagedPolicy(title, PolicyDocument=_policy_document(statements), Roles=roles, Path=self._path)
        else:
            policy = PolicyType(title, PolicyName=title, PolicyDocument=_policy_document(statements), Roles=roles)
        return self._template.add_resource(policy)

    def build_policy_bucket(self, bucket: Any, name: str, statements: Any) -> Any:
        """An ``AWS::S3::BucketPolicy`` for ``bucket`` (logical id from ``name`` without the prefix)."""
        from troposphere.s3 import BucketPolicy
        policy = BucketPolicy(self.name_strip(name, True, False), Bucket=_ref(bucket), DependsOn=[bucket.title],
                              PolicyDocument=_policy_document(statements))
        return self._template.add_resource(policy)

    def build_bucket(self, name: str, lifecycle_configuration: Any = False, use_plain_name: bool = False) -> Any:
        """An ``AWS::S3::Bucket`` named ``prefix + name`` (or ``name`` with ``use_plain_name``)."""
        from troposphere.s3 import Bucket
        if use_plain_name:
            title, bucket_name = name.title().replace("-", ""), name
        else:
            title, bucket_name = self.name_strip(name, False, False), self.name_build(name)
        properties: dict[str, Any] = {"BucketName": bucket_name}
        if lifecycle_configuration:
            properties["LifecycleConfiguration"] = lifecycle_configuration
        return self._template.add_resource(Bucket(title, **properties))


def _ref(resource: Any) -> Any:
    from troposphere import Ref
    return Ref(resource)
