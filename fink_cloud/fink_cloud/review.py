"""Change sets kept for review: ``cloud preview --keep`` leaves the change set, ``cloud deploy --change-set NAME``
executes exactly that one - and refuses when what it would deploy now is not what was reviewed.

Every change set fink creates carries a fingerprint of its request in its ``Description`` (template, parameters,
tags, capabilities, role, notifications: everything except the change set's name). ``deploy --change-set`` builds
the request from the current template and config as a normal deploy would, and executes the named change set only
when the fingerprints match and CloudFormation still offers it for execution (a stack updated in between makes it
``OBSOLETE``). Pure apart from :func:`adopt_change_set`, which reads the change set through the seam.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from fink.errors import FinkError

__all__ = ["fingerprint", "description", "adopt_change_set"]

_PREFIX = "fink request sha256:"
_UNHASHED = ("ChangeSetName", "Description")


def fingerprint(request: Mapping[str, Any]) -> str:
    body = {k: v for k, v in request.items() if k not in _UNHASHED}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def description(request: Mapping[str, Any]) -> str:
    """The change set's Description: names fink and pins the request."""
    return _PREFIX + fingerprint(request)


def _refuse(name: str, stack: str, why: str, hint: str) -> FinkError:
    return FinkError(f"Change set '{name}' of stack '{stack}' was not executed: {why}", hint=hint)


def adopt_change_set(cfn: Any, request: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The reviewed change set ``name`` when it is exactly what the current template and config would deploy."""
    stack = request["StackName"]
    change_set = cfn.find_change_set(stack, name)
    again = "Review the current state with `cloud preview --keep`, then deploy the change set it names."
    if change_set is None:
        raise _refuse(name, stack, "it does not exist (deleted, or already executed).", again)
    if change_set.get("Description") != description(request):
        raise _refuse(name, stack, "the template, parameters or stack settings changed since it was created, so "
                      "it is not what would be deployed now.", again)
    if change_set.get("Status") != "CREATE_COMPLETE" or change_set.get("ExecutionStatus") != "AVAILABLE":
        raise _refuse(name, stack, f"CloudFormation cannot execute it (status {change_set.get('Status')}, "
                      f"execution status {change_set.get('ExecutionStatus')}; OBSOLETE means the stack changed "
                      "since).", again)
    return change_set
