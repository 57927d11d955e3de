"""Helpers templates and hooks import, with gcdt's contract (``gcdt.kumo_util``): :class:`StackLookup` and the
EBS tagging functions of :mod:`fink.cloud_util`.

``StackLookup(template, param_lambda_lookup_arn, param_stack_dependent_on=None)`` adds one custom resource
``StackOutput`` (type ``Custom::StackOutput``) whose ``ServiceToken`` is ``Ref(param_lambda_lookup_arn)`` (a lookup
Lambda function you provide) and, optionally, ``StackName`` = ``Ref(param_stack_dependent_on)``;
``get_att(name)`` reads an output of that stack: ``Fn::GetAtt [StackOutput, Ref(name)]``, or with
``as_reference=False`` ``Fn::GetAtt [StackOutput, name]``.
"""
from __future__ import annotations

from typing import Any

from fink.cloud_util import (ensure_ebs_volume_tags_autoscaling_group, ensure_ebs_volume_tags_ec2_instance,
                             ensure_tags_ebs_volume)

__all__ = ["StackLookup", "ensure_ebs_volume_tags_autoscaling_group", "ensure_ebs_volume_tags_ec2_instance",
           "ensure_tags_ebs_volume"]


def _custom_stack_output(with_stack_name: bool) -> type:
    from troposphere.cloudformation import AWSCustomObject
    props = {"ServiceToken": (str, True)}
    if with_stack_name:
        props["StackName"] = (str, True)
    return type("CustomStackOutput", (AWSCustomObject,), {"resource_type": "Custom::StackOutput", "props": props})


class StackLookup:
    """Outputs of another stack inside a template, through a lookup custom resource (see the module docstring)."""

    def __init__(self, template: Any, param_lambda_lookup_arn: Any, param_stack_dependent_on: Any = None):
        from troposphere import Ref
        properties = {"ServiceToken": Ref(param_lambda_lookup_arn)}
        if param_stack_dependent_on is not None:
            properties["StackName"] = Ref(param_stack_dependent_on)
        resource_class = _custom_stack_output(param_stack_dependent_on is not None)
        self._resource = template.add_resource(resource_class("StackOutput", **properties))

    def get_att(self, parameter: Any, as_reference: bool = True) -> Any:
        from troposphere import GetAtt, Ref
        return GetAtt(self._resource, Ref(parameter) if as_reference else parameter)
