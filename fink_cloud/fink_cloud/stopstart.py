"""cloud stop / cloud start: park a stack's compute at night and bring it back.

stop: auto scaling groups to min/max/desired 0, EC2 instances stopped, RDS instances stopped.
start: RDS and EC2 instances started, auto scaling groups back to the sizes in the deployed (processed) template,
``Ref``s to parameters resolved with the stack's parameter values. Each step waits until AWS reports it done.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from fink.clock import Backoff, Poller
from fink.errors import FinkError

from .aws_compute import EC2, RDS, AutoScaling
from .cfn import CloudFormation

__all__ = ["Targets", "targets_of", "asg_sizes", "run_stop", "run_start"]

ASG, INSTANCE, DB = "AWS::AutoScaling::AutoScalingGroup", "AWS::EC2::Instance", "AWS::RDS::DBInstance"


@dataclass(frozen=True)
class Targets:
    """Physical ids by kind; ``asgs`` maps logical id -> group name (start needs the template's values)."""

    asgs: dict[str, str]
    instances: list[str]
    databases: list[str]


def targets_of(resources: list[dict[str, Any]]) -> Targets:
    live = [r for r in resources if r.get("PhysicalResourceId") and not r["ResourceStatus"].startswith("DELETE")]
    return Targets({r["LogicalResourceId"]: r["PhysicalResourceId"] for r in live if r["ResourceType"] == ASG},
                   [r["PhysicalResourceId"] for r in live if r["ResourceType"] == INSTANCE],
                   [r["PhysicalResourceId"] for r in live if r["ResourceType"] == DB])


def _resolve(value: Any, parameters: Mapping[str, str]) -> int:
    """A size from the template: a number or a ``Ref`` to a parameter (other functions cannot be resolved)."""
    if isinstance(value, Mapping) and isinstance(value.get("Ref"), str):
        value = parameters.get(value["Ref"], value)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FinkError(f"Cannot tell the size {value!r} of an auto scaling group from the deployed template.",
                        hint="cloud start restores sizes given as numbers or as Refs to parameters; set the group's "
                             "sizes by hand (aws autoscaling update-auto-scaling-group).") from None


def asg_sizes(template: Mapping[str, Any], parameters: Mapping[str, str], logical_id: str) -> tuple[int, int, int]:
    """(min, max, desired) of a group in the template; desired defaults to min."""
    props = template["Resources"][logical_id]["Properties"]
    low, high = _resolve(props["MinSize"], parameters), _resolve(props["MaxSize"], parameters)
    desired = _resolve(props["DesiredCapacity"], parameters) if "DesiredCapacity" in props else low
    return low, high, desired


def _wait(context: dict, config: dict, check: Callable[[], bool], what: str) -> None:
    timeout = float((config.get("deployment") or {}).get("timeout", 3600))
    ui, clock = context["_ui"], context["_clock"]
    started = clock.monotonic()

    def step() -> bool | None:
        if check():
            return True
        ui.progress(f"Waiting for {what} ({int(clock.monotonic() - started)}s)" if ui.is_tty else f"Waiting for {what}")
        return None
    try:
        Poller(clock, Backoff(initial=2.0, factor=1.5, maximum=15.0, timeout=timeout)).poll(step, what=what)
    finally:
        ui.end_status()


def _targets(context: dict, stack_name: str) -> tuple[CloudFormation, Targets]:
    cfn = CloudFormation(context["_awsclient"])
    if cfn.describe_stack(stack_name) is None:
        raise FinkError(f"Stack '{stack_name}' does not exist.", hint="Deploy it first with `cloud deploy`.")
    return cfn, targets_of(cfn.stack_resources(stack_name))


def run_stop(context: dict, config: dict, stack_name: str) -> None:
    ui, awsclient = context["_ui"], context["_awsclient"]
    cfn, targets = _targets(context, stack_name)
    asg = AutoScaling(awsclient)
    for group in targets.asgs.values():
        ui.info(f"Scaling auto scaling group {group} to 0 ...")
        asg.resize(group, 0, 0, 0)
        _wait(context, config, lambda g=group: asg.instance_count(g) == 0, f"auto scaling group {group}")
    _switch_instances(context, config, targets.instances, _STOP)
    _switch_databases(context, config, targets.databases, _STOP)
    ui.success(f"Stack '{stack_name}' stopped: {_counts(targets)}.")


def run_start(context: dict, config: dict, stack_name: str) -> None:
    ui, awsclient = context["_ui"], context["_awsclient"]
    cfn, targets = _targets(context, stack_name)
    _switch_databases(context, config, targets.databases, _START)
    _switch_instances(context, config, targets.instances, _START)
    if targets.asgs:
        template = cfn.processed_template(stack_name)
        stack = cfn.describe_stack(stack_name) or {}
        params = {p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue"))
                  for p in stack.get("Parameters", [])}
        asg = AutoScaling(awsclient)
        for logical_id, group in targets.asgs.items():
            low, high, desired = asg_sizes(template, params, logical_id)
            ui.info(f"Scaling auto scaling group {group} to min {low}, max {high}, desired {desired} ...")
            asg.resize(group, low, high, desired)
            _wait(context, config, lambda g=group, d=desired: asg.instance_count(g) >= d, f"auto scaling group {group}")
    ui.success(f"Stack '{stack_name}' started: {_counts(targets)}.")


@dataclass(frozen=True)
class _Switch:
    """One direction of stop/start for EC2 and RDS: which states to act on, the call, and the state to wait for."""

    verb: str
    action: str
    ec2_from: tuple[str, ...]
    ec2_to: str
    rds_from: str
    rds_to: str


_STOP = _Switch("Stopping", "stop", ("pending", "running"), "stopped", "available", "stopped")
_START = _Switch("Starting", "start", ("stopped",), "running", "stopped", "available")


def _switch_instances(context: dict, config: dict, ids: list[str], switch: _Switch) -> None:
    ec2 = EC2(context["_awsclient"])
    todo = [i for i, state in ec2.states(ids).items() if state in switch.ec2_from] if ids else []
    if todo:
        context["_ui"].info(f"{switch.verb} EC2 instances {', '.join(todo)} ...")
        getattr(ec2, switch.action)(todo)
        _wait(context, config, lambda: all(s == switch.ec2_to for s in ec2.states(todo).values()), "EC2 instances")


def _switch_databases(context: dict, config: dict, ids: list[str], switch: _Switch) -> None:
    rds = RDS(context["_awsclient"])
    for db in ids:
        if rds.status(db) != switch.rds_from:
            continue
        context["_ui"].info(f"{switch.verb} RDS instance {db} ...")
        getattr(rds, switch.action)(db)
        _wait(context, config, lambda d=db: rds.status(d) == switch.rds_to, f"RDS instance {db}")


def _counts(targets: Targets) -> str:
    return (f"{len(targets.asgs)} auto scaling group(s), {len(targets.instances)} EC2 instance(s), "
            f"{len(targets.databases)} RDS instance(s)")
