"""Reading other stacks' outputs (a documented import path for templates and hooks).

``get_outputs_for_stack(awsclient, stack_name)`` returns ``{OutputKey: OutputValue}``; a missing stack raises
:class:`fink.errors.AWSError` with code ``StackNotFound``.
"""
from __future__ import annotations

from typing import Any

from .awsclient import AWSClient, read_or_none
from .errors import AWSError

__all__ = ["get_outputs_for_stack", "describe_stack"]


def describe_stack(awsclient: AWSClient, stack_name: str, region: str | None = None) -> dict[str, Any] | None:
    """The stack's description, or ``None`` when it does not exist."""
    client = awsclient.get_client("cloudformation", region)
    found = read_or_none(f"Describing stack '{stack_name}'", client.describe_stacks, ("ValidationError",),
                         StackName=stack_name)
    return found["Stacks"][0] if found and found["Stacks"] else None


def get_outputs_for_stack(awsclient: AWSClient, stack_name: str, region: str | None = None) -> dict[str, str]:
    stack = describe_stack(awsclient, stack_name, region)
    if stack is None:
        raise AWSError(f"Stack '{stack_name}' does not exist.", code="StackNotFound",
                       hint="Deploy it first (cloud deploy) or check the stack name and region.")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
