"""Following a stack while CloudFormation works: new events as they arrive, the final status, the root cause.

Rendering is pure (``event_line``, ``status_line``, ``failure_summary``); :class:`StackWatcher` polls through the
CloudFormation seam with the one poller (fast first, backing off, bounded by a timeout) and writes through the UI:
on a TTY a compact status line is redrawn in place and only failures stay on screen; elsewhere (CI logs) every
event is one plain line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from fink.clock import Backoff, Clock, Poller
from fink.render import duration
from fink.ui import UI

__all__ = ["SUCCESS_STATUSES", "is_terminal", "is_failure", "event_line", "status_line", "first_failure",
           "failure_summary", "StackWatcher", "STACK_TYPE"]

STACK_TYPE = "AWS::CloudFormation::Stack"
SUCCESS_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "IMPORT_COMPLETE"})
_CANCELLED = ("Resource creation cancelled", "Resource update cancelled", "Resource deletion cancelled",
              "Resource creation Initiated")


def is_terminal(status: str) -> bool:
    return not status.endswith("_IN_PROGRESS")


def is_failure(status: str) -> bool:
    return status.endswith("_FAILED") or "ROLLBACK" in status


def _is_stack_event(event: dict[str, Any], stack_id: str, stack_name: str) -> bool:
    return event.get("ResourceType") == STACK_TYPE and (
        event.get("PhysicalResourceId") == stack_id or event.get("LogicalResourceId") == stack_name)


def event_line(event: dict[str, Any], elapsed: float) -> str:
    """One plain line per event: elapsed time, status, logical id, type and reason."""
    reason = event.get("ResourceStatusReason") or ""
    text = (f"{duration(elapsed):>7}  {event.get('ResourceStatus', ''):<32} "
            f"{event.get('LogicalResourceId', '')} ({event.get('ResourceType', '')})")
    return f"{text}  {reason}" if reason else text


def status_line(stack_name: str, status: str, event: dict[str, Any] | None, count: int, elapsed: float) -> str:
    """The compact in-place TTY line: where the stack is and what happened last."""
    last = f" - {event['LogicalResourceId']} {event['ResourceStatus']}" if event else ""
    return f"{stack_name}: {status or 'waiting'}{last} ({count} event{'' if count == 1 else 's'}, {duration(elapsed)})"


def first_failure(events: Sequence[dict[str, Any]], stack_id: str, stack_name: str) -> dict[str, Any] | None:
    """The root cause: the first failed resource that was not merely cancelled because of another failure."""
    for event in events:
        if _is_stack_event(event, stack_id, stack_name):
            continue
        reason = event.get("ResourceStatusReason") or ""
        if event.get("ResourceStatus", "").endswith("_FAILED") and not reason.startswith(_CANCELLED):
            return event
    for event in events:  # no resource failure: the stack's own reason ("... failed to create: [X]")
        if _is_stack_event(event, stack_id, stack_name) and is_failure(event.get("ResourceStatus", "")) \
                and event.get("ResourceStatusReason"):
            return event
    return None


def failure_summary(stack_name: str, status: str, events: Sequence[dict[str, Any]], stack_id: str) -> str:
    cause = first_failure(events, stack_id, stack_name)
    text = f"Stack '{stack_name}' ended in {status}."
    if cause:
        text += (f" First failure: {cause['LogicalResourceId']} ({cause.get('ResourceType', '')}) "
                 f"{cause['ResourceStatus']}: {cause.get('ResourceStatusReason', '')}")
    return text


@dataclass
class StackWatcher:
    """Polls the events of one stack until it reaches a terminal status; remembers every event it saw."""

    cfn: Any
    ui: UI
    clock: Clock
    stack_id: str
    stack_name: str
    after_event_id: str | None
    timeout: float = 3600.0
    #: events at or before this time (AWS's clock) belong to earlier operations; saves reading the latest event id
    since: Any = None
    #: look at the stack once (DescribeStacks) before reading events: an operation that has already succeeded
    #: ends the watch with that one read, which also holds the stack's outputs (see :attr:`stack`)
    quick: bool = False
    #: for an update: the change set's CreationTime; the quick look trusts a success status only when the stack's
    #: LastUpdatedTime (where AWS reports one) is later, i.e. this update's
    started_after: Any = None
    events: list[dict[str, Any]] = field(default_factory=list)
    status: str = ""
    #: the stack as read by the quick look, when that look ended the watch; ``None`` otherwise
    stack: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self._started = self.clock.monotonic()
        self._looked = not self.quick

    @property
    def elapsed(self) -> float:
        return self.clock.monotonic() - self._started

    def watch(self) -> str:
        """Follow the stack until its status is terminal; returns that status."""
        if not self._looked:
            self._looked = True
            done = self._look()
            if done:
                return done
        poller = Poller(self.clock, Backoff(initial=2.0, factor=1.5, maximum=15.0, timeout=self.timeout))
        try:
            return poller.poll(self._step, what=f"stack '{self.stack_name}'")
        finally:
            self.ui.end_status()

    def _look(self) -> str | None:
        """One DescribeStacks right after the operation was started. A successful status here is this operation's
        outcome, so no event needs to be read: a new stack had no status before, and an updated stack is trusted
        only when its LastUpdatedTime is later than the change set (a stale read of the previous update's status
        fails that test). Without a LastUpdatedTime (a stack never updated before, or the local emulator, which
        updates at once) the status is trusted as `aws cloudformation deploy`'s waiter trusts it right after
        ExecuteChangeSet. Anything else (in progress, failed, unreadable) is followed through the events, which
        name what happens. Against AWS the first look practically always sees ``_IN_PROGRESS``: it then costs one
        call more than following the events alone."""
        stack = self.cfn.describe_stack(self.stack_id)
        status = (stack or {}).get("StackStatus", "")
        if status not in SUCCESS_STATUSES:
            return None
        updated = (stack or {}).get("LastUpdatedTime")
        if self.started_after is not None and updated is not None and updated <= self.started_after:
            return None
        self.status, self.stack = status, stack
        return status

    def _step(self) -> str | None:
        new = self.cfn.new_events(self.stack_id, self.after_event_id, self.since) if self.since is not None \
            else self.cfn.new_events(self.stack_id, self.after_event_id)
        if new is None:
            self.ui.debug("CloudFormation throttled the event poll; trying again later")
            return None
        for event in new:
            self._show(event)
        if new:
            self.after_event_id = new[-1]["EventId"]
        return self.status if self.status and is_terminal(self.status) else None

    def _show(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if _is_stack_event(event, self.stack_id, self.stack_name):
            self.status = event["ResourceStatus"]
        status = event.get("ResourceStatus", "")
        line = event_line(event, self.elapsed)
        if not self.ui.is_tty:
            self.ui.info(line)
            return
        if status.endswith("_FAILED"):
            self.ui.info(self.ui.style(line, "red"))
        self.ui.status(status_line(self.stack_name, self.status, event, len(self.events), self.elapsed))
