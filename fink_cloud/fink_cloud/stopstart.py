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
    Poller(context["_clock"], Backoff(initial=2.0, factor=1.5, maximum=15.0, timeout=timeout)).poll(
        lambda: True if check() else None, what=what)


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
    _stop_instances(context, config, targets.instances)
    _stop_databases(context, config, targets.databases)
    ui.success(f"Stack '{stack_name}' stopped: {_counts(targets)}.")


def _stop_instances(context: dict, config: dict, ids: list[str]) -> None:
    ec2 = EC2(context["_awsclient"])
    running = [i for i, state in ec2.states(ids).items() if state in ("pending", "running")] if ids else []
    if running:
        context["_ui"].info(f"Stopping EC2 instances {', '.join(running)} ...")
        ec2.stop(running)
        _wait(context, config, lambda: all(s == "stopped" for s in ec2.states(running).values()), "EC2 instances")


def _stop_databases(context: dict, config: dict, ids: list[str]) -> None:
    rds = RDS(context["_awsclient"])
    for db in ids:
        if rds.status(db) != "available":
            continue
        context["_ui"].info(f"Stopping RDS instance {db} ...")
        rds.stop(db)
        _wait(context, config, lambda d=db: rds.status(d) == "stopped", f"RDS instance {db}")


def run_start(context: dict, config: dict, stack_name: str) -> None:
    ui, awsclient = context["_ui"], context["_awsclient"]
    cfn, targets = _targets(context, stack_name)
    _start_databases(context, config, targets.databases)
    _start_instances(context, config, targets.instances)
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


def _start_databases(context: dict, config: dict, ids: list[str]) -> None:
    rds = RDS(context["_awsclient"])
    for db in ids:
        if rds.status(db) != "stopped":
            continue
        context["_ui"].info(f"Starting RDS instance {db} ...")
        rds.start(db)
        _wait(context, config, lambda d=db: rds.status(d) == "available", f"RDS instance {db}")


def _start_instances(context: dict, config: dict, ids: list[str]) -> None:
    ec2 = EC2(context["_awsclient"])
    stopped = [i for i, state in ec2.states(ids).items() if state == "stopped"] if ids else []
    if stopped:
        context["_ui"].info(f"Starting EC2 instances {', '.join(stopped)} ...")
        ec2.start(stopped)
        _wait(context, config, lambda: all(s == "running" for s in ec2.states(stopped).values()), "EC2 instances")


def _counts(targets: Targets) -> str:
    return (f"{len(targets.asgs)} auto scaling group(s), {len(targets.instances)} EC2 instance(s), "
            f"{len(targets.databases)} RDS instance(s)")
