"""The CloudFormation seam: every CloudFormation call of the cloud tool, named by intent.

Rules: only this module (and the other ``aws_*`` seams) import botocore or look into a ``ClientError``; pagination
happens here; AWS errors become :class:`fink.errors.AWSError` with a message that says what failed.
Two AWS quirks are handled here so that the rest of the tool sees one behaviour:

* an empty change set: AWS creates a FAILED change set ("The submitted information didn't contain changes"),
  moto refuses at CreateChangeSet ("No updates are to be performed."). Both become ``None`` from
  :meth:`CloudFormation.create_change_set` and no change set is left behind.
* throttling while polling events: :meth:`CloudFormation.new_events` returns ``None`` instead of raising, so the
  poller simply tries again after its next (longer) interval.

Every mutating call carries CloudFormation's idempotency token (``ClientRequestToken``, ``ClientToken`` for change
sets) and goes through :meth:`fink.awsclient.AWSClient.mutate`: after a lost response the stack or change set this
call created is read back and adopted (the local emulator ignores the tokens and says "already exists").
"""
from __future__ import annotations

import uuid
from typing import Any, Iterator

from fink.awsclient import ADOPTED, AWSClient, aws_errors, error_code, read_or_none
from fink.errors import AWSError
from fink.clock import Backoff, Clock, Poller
from fink.servicediscovery import describe_stack

__all__ = ["CloudFormation", "CAPABILITIES", "NO_CHANGES_MARKERS", "THROTTLING_CODES"]

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
NO_CHANGES_MARKERS = ("didn't contain changes", "No updates are to be performed")
THROTTLING_CODES = ("Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException")
_CHANGE_SET_ONLY = ("ChangeSetType", "ChangeSetName", "OnStackFailure", "Description")  # not CreateStack arguments
_LIVE_STATUSES = [  # every status except DELETE_COMPLETE
    "CREATE_IN_PROGRESS", "CREATE_FAILED", "CREATE_COMPLETE", "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_FAILED", "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED", "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE",
    "REVIEW_IN_PROGRESS", "IMPORT_IN_PROGRESS", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_IN_PROGRESS",
    "IMPORT_ROLLBACK_FAILED", "IMPORT_ROLLBACK_COMPLETE",
]


def _is_no_changes(text: str) -> bool:
    return any(marker in text for marker in NO_CHANGES_MARKERS)


def new_token() -> str:
    """An idempotency token for one logical call (the same on every resend of it)."""
    return "fink-" + uuid.uuid4().hex


class CloudFormation:
    """Intent-named CloudFormation calls over one cached client."""

    def __init__(self, awsclient: AWSClient):
        self.awsclient = awsclient
        self.client = awsclient.get_client("cloudformation")

    # ---- reading ------------------------------------------------------------------------------------------------
    def describe_stack(self, stack_name: str) -> dict[str, Any] | None:
        return describe_stack(self.awsclient, stack_name)

    def list_stacks(self) -> list[dict[str, Any]]:
        with aws_errors("Listing stacks"):
            pages = self.client.get_paginator("list_stacks").paginate(StackStatusFilter=_LIVE_STATUSES)
            return [s for page in pages for s in page["StackSummaries"]]

    def stack_resources(self, stack_name: str) -> list[dict[str, Any]]:
        with aws_errors(f"Listing the resources of stack '{stack_name}'"):
            pages = self.client.get_paginator("list_stack_resources").paginate(StackName=stack_name)
            return [r for page in pages for r in page["StackResourceSummaries"]]

    def processed_template(self, stack_name: str) -> dict[str, Any]:
        import json
        with aws_errors(f"Reading the template of stack '{stack_name}'"):
            body = self.client.get_template(StackName=stack_name, TemplateStage="Processed")["TemplateBody"]
        return json.loads(body) if isinstance(body, str) else dict(body)

    def original_template(self, stack_name: str) -> Any:
        """The template as it was submitted (parsed when it is JSON)."""
        import json
        with aws_errors(f"Reading the template of stack '{stack_name}'"):
            body = self.client.get_template(StackName=stack_name, TemplateStage="Original")["TemplateBody"]
        if isinstance(body, str):
            try:
                return json.loads(body)
            except ValueError:
                return body
        return body

    def latest_event_id(self, stack_id: str) -> str | None:
        event = self.latest_event(stack_id)
        return event["EventId"] if event else None

    def latest_event(self, stack_id: str) -> dict[str, Any] | None:
        """The stack's newest event (one page read), or ``None`` for a stack without events."""
        with aws_errors(f"Reading the events of stack '{stack_id}'"):
            events = self.client.describe_stack_events(StackName=stack_id)["StackEvents"]
        return events[0] if events else None

    def stack_policy(self, stack_name: str) -> dict[str, Any] | None:
        """The stack's policy document, ``None`` when it has none."""
        import json
        with aws_errors(f"Reading the stack policy of '{stack_name}'"):
            body = self.client.get_stack_policy(StackName=stack_name).get("StackPolicyBody")
        if not body:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def _event_pages(self, stack_id: str) -> Iterator[list[dict[str, Any]]]:
        token = None
        while True:
            kwargs = {"StackName": stack_id, **({"NextToken": token} if token else {})}
            page = self.client.describe_stack_events(**kwargs)
            yield page["StackEvents"]
            token = page.get("NextToken")
            if not token:
                return

    def new_events(self, stack_id: str, after_event_id: str | None,
                   since: Any = None) -> list[dict[str, Any]] | None:
        """Events newer than ``after_event_id`` and later than ``since`` (a datetime from AWS's clock, e.g. the
        change set's CreationTime), oldest first; ``None`` when AWS throttled this poll."""
        from botocore.exceptions import ClientError
        found: list[dict[str, Any]] = []
        try:
            for page in self._event_pages(stack_id):
                for event in page:  # newest first
                    if event["EventId"] == after_event_id or (since is not None and event["Timestamp"] <= since):
                        return list(reversed(found))
                    found.append(event)
        except ClientError as exc:
            if error_code(exc) in THROTTLING_CODES:
                return None
            with aws_errors(f"Reading the events of stack '{stack_id}'"):
                raise
        return list(reversed(found))

    # ---- drift --------------------------------------------------------------------------------------------------
    def start_drift_detection(self, stack_name: str) -> str:
        return self.awsclient.mutate(  # starting a detection again is harmless
            f"Starting drift detection of stack '{stack_name}'",
            lambda: self.client.detect_stack_drift(StackName=stack_name)["StackDriftDetectionId"], repeatable=True)

    def drift_detection_status(self, detection_id: str) -> dict[str, Any]:
        with aws_errors("Reading the drift detection status"):
            return self.client.describe_stack_drift_detection_status(StackDriftDetectionId=detection_id)

    def resource_drifts(self, stack_name: str) -> list[dict[str, Any]]:
        """Every resource drift of the last detection (all pages; botocore has no paginator for it)."""
        drifts: list[dict[str, Any]] = []
        token = None
        with aws_errors(f"Reading the resource drifts of stack '{stack_name}'"):
            while True:
                page = self.client.describe_stack_resource_drifts(
                    StackName=stack_name, **({"NextToken": token} if token else {}))
                drifts += page.get("StackResourceDrifts", [])
                token = page.get("NextToken")
                if not token:
                    return drifts

    # ---- change sets --------------------------------------------------------------------------------------------
    def create_change_set(self, request: dict[str, Any], clock: Clock, timeout: float) -> dict[str, Any] | None:
        """Create a change set and wait until it is ready; ``None`` (and nothing left behind) when it is empty."""
        stack = request["StackName"]
        try:
            created = self._create_change_set(request)
        except AWSError as exc:
            if _is_no_changes(exc.aws_message or exc.message):
                return None
            raise
        ids = {"ChangeSetName": created["Id"], "StackName": created.get("StackId") or stack}
        try:
            change_set = self._wait_for_change_set(ids, clock, timeout)
        except BaseException:  # interrupted or timed out: leave no change set behind
            self._delete_change_set_quietly(ids)
            raise
        if change_set["Status"] == "FAILED":
            reason = change_set.get("StatusReason", "")
            self.delete_change_set(ids)
            if _is_no_changes(reason):
                return None
            raise AWSError(f"CloudFormation refused the change set for stack '{stack}': {reason}",
                           code="ChangeSetFailed", aws_message=reason,
                           hint="Fix the template or the parameters and deploy again.")
        return change_set

    def _create_change_set(self, request: dict[str, Any]) -> dict[str, Any]:
        """CreateChangeSet with a token; a lost response is resolved by reading the change set by its name."""
        token = new_token()

        def adopt() -> dict[str, Any] | None:
            found = self._change_set_or_none({"ChangeSetName": request["ChangeSetName"],
                                              "StackName": request["StackName"]})
            return {"Id": found["ChangeSetId"], "StackId": found["StackId"]} if found else None
        return self.awsclient.mutate(
            f"Creating a change set for stack '{request['StackName']}'",
            lambda: self.client.create_change_set(**{"Capabilities": CAPABILITIES, **request}, ClientToken=token),
            adopt=adopt, done_codes=("AlreadyExistsException",),
            hint="Check the template and the parameters (cloud generate writes the template).")

    def _change_set_or_none(self, ids: dict[str, str]) -> dict[str, Any] | None:
        return read_or_none(f"Describing the change set of stack '{ids['StackName']}'", self.client.describe_change_set,
                            ("ChangeSetNotFound", "ChangeSetNotFoundException", "ValidationError"), **ids)

    def _wait_for_change_set(self, ids: dict[str, str], clock: Clock, timeout: float) -> dict[str, Any]:
        from fink.checkpoints import checkpoint

        def step() -> dict[str, Any] | None:
            checkpoint("change-set-waiting")
            change_set = self.describe_change_set(ids)
            return change_set if change_set["Status"] in ("CREATE_COMPLETE", "FAILED") else None
        poller = Poller(clock, Backoff(initial=1.0, factor=1.5, maximum=5.0, timeout=timeout))
        return poller.poll(step, what=f"the change set of stack '{ids['StackName']}'")

    def describe_change_set(self, ids: dict[str, str]) -> dict[str, Any]:
        """The change set with all pages of ``Changes`` merged."""
        with aws_errors(f"Describing the change set of stack '{ids['StackName']}'"):
            first = self.client.describe_change_set(**ids)
            changes, token = list(first.get("Changes", [])), first.get("NextToken")
            while token:
                page = self.client.describe_change_set(**ids, NextToken=token)
                changes += page.get("Changes", [])
                token = page.get("NextToken")
        return {**first, "Changes": changes}

    def find_change_set(self, stack_name: str, name: str) -> dict[str, Any] | None:
        """The change set ``name`` of the stack, or ``None`` when there is no such change set (or stack)."""
        from fink.errors import AWSError
        try:
            return self.describe_change_set({"ChangeSetName": name, "StackName": stack_name})
        except AWSError as exc:
            if exc.code in ("ChangeSetNotFound", "ChangeSetNotFoundException", "ValidationError"):
                return None
            raise

    def has_change_sets(self, stack_id: str) -> bool:
        """Whether the stack has change sets. Only this stack's count: moto's ListChangeSets ignores StackName and
        lists every stack's change sets (other stacks previewed in parallel would keep this one alive)."""
        with aws_errors(f"Listing the change sets of stack '{stack_id}'"):
            summaries = self.client.list_change_sets(StackName=stack_id).get("Summaries") or []
        return any(s.get("StackId", stack_id) == stack_id for s in summaries)

    def delete_change_set(self, ids: dict[str, str]) -> None:
        self.awsclient.mutate(f"Deleting the change set of stack '{ids['StackName']}'",
                              lambda: self.client.delete_change_set(**ids),
                              adopt=lambda: ADOPTED if self._change_set_or_none(ids) is None else None,
                              done_codes=("ChangeSetNotFound", "ChangeSetNotFoundException"))

    def _delete_change_set_quietly(self, ids: dict[str, str]) -> None:
        from fink.errors import FinkError
        try:
            self.delete_change_set(ids)
        except FinkError:
            pass  # the change set may not exist yet; the error that brought us here matters more

    def execute_change_set(self, ids: dict[str, str], disable_rollback: bool = False) -> None:
        """Execute the change set; one that CloudFormation refuses to execute is deleted, not left behind."""
        from fink.errors import FinkError
        token = new_token()
        extra = {"DisableRollback": True} if disable_rollback else {}

        def adopt() -> Any:
            found = self._change_set_or_none(ids)
            return ADOPTED if found and found.get("ExecutionStatus", "AVAILABLE") != "AVAILABLE" else None
        try:
            self.awsclient.mutate(f"Executing the change set of stack '{ids['StackName']}'",
                                  lambda: self.client.execute_change_set(**ids, **extra, ClientRequestToken=token),
                                  adopt=adopt, done_codes=("InvalidChangeSetStatus",))
        except FinkError:
            self._delete_change_set_quietly(ids)
            raise

    # ---- stack operations ---------------------------------------------------------------------------------------
    def create_stack(self, request: dict[str, Any], policy_json: str) -> str:
        """Create a stack from a change-set style request; returns the stack id."""
        kwargs = {"Capabilities": CAPABILITIES,
                  **{k: v for k, v in request.items() if k not in _CHANGE_SET_ONLY}}
        token = new_token()

        def adopt() -> str | None:  # the stack did not exist when this run planned: one that exists now is ours
            stack = self.describe_stack(request["StackName"])
            return stack["StackId"] if stack and stack["StackStatus"] != "REVIEW_IN_PROGRESS" else None
        return self.awsclient.mutate(
            f"Creating stack '{request['StackName']}'",
            lambda: self.client.create_stack(**kwargs, StackPolicyBody=policy_json,
                                             ClientRequestToken=token)["StackId"],
            adopt=adopt, done_codes=("AlreadyExistsException",),
            hint="Check the template and the parameters (cloud generate writes the template).")

    def set_stack_policy(self, stack_name: str, policy_json: str) -> None:
        with aws_errors(f"Setting the stack policy of stack '{stack_name}'"):
            self.client.set_stack_policy(StackName=stack_name, StackPolicyBody=policy_json)

    def set_termination_protection(self, stack_name: str, enabled: bool) -> None:
        with aws_errors(f"{'Enabling' if enabled else 'Disabling'} termination protection of stack '{stack_name}'"):
            self.client.update_termination_protection(StackName=stack_name, EnableTerminationProtection=enabled)

    def cancel_update(self, stack_name: str) -> None:
        with aws_errors(f"Cancelling the update of stack '{stack_name}'"):
            self.client.cancel_update_stack(StackName=stack_name, ClientRequestToken=new_token())

    def delete_stack(self, stack_name: str, role_arn: str | None = None) -> None:
        kwargs = {"StackName": stack_name, "ClientRequestToken": new_token(), **({"RoleARN": role_arn} if role_arn else {})}

        def adopt() -> Any:  # a lost DeleteStack took effect when the stack is gone or on its way out
            stack = self.describe_stack(stack_name)
            return ADOPTED if stack is None or stack["StackStatus"].startswith("DELETE_") else None
        self.awsclient.mutate(f"Deleting stack '{stack_name}'", lambda: self.client.delete_stack(**kwargs),
                              adopt=adopt)
