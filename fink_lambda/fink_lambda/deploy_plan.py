"""Pure deploy planning: what ``lambda deploy`` must change, from the config, the local bundle and the remote state.

The plan decides whether the code is uploaded (only when the local CodeSha256 differs from the deployed one),
which configuration fields are updated (only those that differ), whether the log retention changes, and whether a
version is published (only when the function changed; moto and AWS differ on republishing, so fink decides).
No I/O here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["FunctionSpec", "DeployPlan", "spec_from_config", "desired_configuration", "remote_configuration",
           "plan_deploy", "plan_lines", "RUNTIME_FAMILIES"]

#: the runtime families the bundler can build for
RUNTIME_FAMILIES = ("python", "nodejs")


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    role: str
    handler: str
    runtime: str
    description: str = ""
    timeout: int = 3
    memory: int = 128
    environment: tuple[tuple[str, str], ...] = ()
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    architectures: tuple[str, ...] = ("x86_64",)
    retention: int | None = None
    # settings fink changes only when they are configured (None: left as they are in AWS)
    layers: tuple[str, ...] | None = None
    tracing: str | None = None
    dead_letter_arn: str | None = None   # "" removes the dead-letter queue
    ephemeral_storage: int | None = None
    kms_key_arn: str | None = None       # "" goes back to the AWS managed key


def spec_from_config(section: Mapping[str, Any]) -> FunctionSpec:
    """The function as the ``lambda.lambda`` config describes it (schema defaults already filled in)."""
    fn = section["lambda"]
    vpc = fn.get("vpc") or {}
    return FunctionSpec(
        name=fn["name"], role=fn["role"], handler=fn["handlerFunction"], runtime=fn.get("runtime", "python3.12"),
        description=fn.get("description", ""), timeout=int(fn.get("timeout", 3)), memory=int(fn.get("memorySize", 128)),
        environment=tuple(sorted((str(k), str(v)) for k, v in (fn.get("environment") or {}).items())),
        subnets=tuple(vpc.get("subnetIds", ())), security_groups=tuple(vpc.get("securityGroups", ())),
        architectures=tuple(fn.get("architectures") or ("x86_64",)),
        retention=(fn.get("logs") or {}).get("retentionInDays"),
        layers=tuple(fn["layers"]) if "layers" in fn else None, tracing=fn.get("tracing"),
        dead_letter_arn=fn.get("deadLetterArn"), ephemeral_storage=fn.get("ephemeralStorage"),
        kms_key_arn=fn.get("kmsKeyArn"))


#: optional configuration fields: (spec attribute, UpdateFunctionConfiguration key, request value, remote value)
_OPTIONAL = (
    ("layers", "Layers", list, lambda c: [layer["Arn"] for layer in c.get("Layers") or []]),
    ("tracing", "TracingConfig", lambda v: {"Mode": v},
     lambda c: {"Mode": (c.get("TracingConfig") or {}).get("Mode") or "PassThrough"}),
    ("dead_letter_arn", "DeadLetterConfig", lambda v: {"TargetArn": v},
     lambda c: {"TargetArn": (c.get("DeadLetterConfig") or {}).get("TargetArn") or ""}),
    ("ephemeral_storage", "EphemeralStorage", lambda v: {"Size": int(v)},
     lambda c: {"Size": (c.get("EphemeralStorage") or {}).get("Size") or 512}),
    ("kms_key_arn", "KMSKeyArn", str, lambda c: c.get("KMSKeyArn") or ""),
)


def desired_configuration(spec: FunctionSpec) -> dict[str, Any]:
    """The ``UpdateFunctionConfiguration`` parameters (without ``FunctionName``) the config asks for."""
    desired = {
        "Role": spec.role, "Handler": spec.handler, "Runtime": spec.runtime, "Description": spec.description,
        "Timeout": spec.timeout, "MemorySize": spec.memory, "Environment": {"Variables": dict(spec.environment)},
        "VpcConfig": {"SubnetIds": sorted(spec.subnets), "SecurityGroupIds": sorted(spec.security_groups)},
    }
    for attribute, key, request, _ in _OPTIONAL:
        if getattr(spec, attribute) is not None:
            desired[key] = request(getattr(spec, attribute))
    return desired


def remote_configuration(conf: Mapping[str, Any]) -> dict[str, Any]:
    """The same shape read from a ``get_function`` ``Configuration``."""
    vpc = conf.get("VpcConfig") or {}
    return {
        **{key: remote(conf) for _, key, _, remote in _OPTIONAL},
        "Role": conf.get("Role"), "Handler": conf.get("Handler"), "Runtime": conf.get("Runtime"),
        "Description": conf.get("Description") or "", "Timeout": conf.get("Timeout"),
        "MemorySize": conf.get("MemorySize"),
        "Environment": {"Variables": dict((conf.get("Environment") or {}).get("Variables") or {})},
        "VpcConfig": {"SubnetIds": sorted(vpc.get("SubnetIds") or []),
                      "SecurityGroupIds": sorted(vpc.get("SecurityGroupIds") or [])},
    }


@dataclass(frozen=True)
class DeployPlan:
    name: str
    local_sha: str
    remote_sha: str | None = None
    architecture_change: tuple[str, str] | None = None  # (deployed, configured): the code is uploaded again
    create: bool = False
    upload_code: bool = False
    config_changes: Mapping[str, Any] = field(default_factory=dict)
    set_retention: int | None = None
    publish: bool = False
    alias_version: str | None = None  # the numbered version ACTIVE points at now

    @property
    def changed(self) -> bool:
        return self.create or self.upload_code or bool(self.config_changes)


def _version_matches(spec: FunctionSpec, local_sha: str, version: Mapping[str, Any] | None) -> bool:
    """Whether a published version runs the local code with the configured settings. Its ``Description`` is the
    one given when it was published, so it is not compared."""
    if version is None or version.get("CodeSha256") != local_sha:
        return False
    if tuple(version.get("Architectures") or ("x86_64",)) != spec.architectures:
        return False
    desired, current = desired_configuration(spec), remote_configuration(version)
    return all(current.get(key) == value for key, value in desired.items() if key != "Description")


def plan_deploy(spec: FunctionSpec, local_sha: str, remote: Mapping[str, Any] | None,
                alias_version: str | None = None, retention: int | None = None,
                active: Mapping[str, Any] | None = None) -> DeployPlan:
    """``remote`` is the deployed ``$LATEST`` ``Configuration`` (None: the function does not exist); ``active`` the
    ``Configuration`` of the numbered version ``ACTIVE`` points at (``alias_version``); ``retention`` the log
    group's current retention.

    A version is published when ``$LATEST`` changes, and also when ``ACTIVE`` does not run what ``$LATEST`` holds
    (e.g. an earlier deploy updated the code but stopped before moving ``ACTIVE``)."""
    set_retention = spec.retention if spec.retention is not None and spec.retention != retention else None
    if remote is None:
        return DeployPlan(spec.name, local_sha, create=True, publish=True, set_retention=set_retention)
    arch_changed = tuple(remote.get("Architectures") or ("x86_64",)) != spec.architectures
    upload = remote.get("CodeSha256") != local_sha or arch_changed
    desired, current = desired_configuration(spec), remote_configuration(remote)
    changes = {key: value for key, value in desired.items() if current.get(key) != value}
    changed = upload or bool(changes)
    active_ok = (alias_version or "").isdigit() and _version_matches(spec, local_sha, active)
    publish = changed or not active_ok
    arch_change = (",".join(remote.get("Architectures") or ("x86_64",)), ",".join(spec.architectures)) \
        if arch_changed else None
    return DeployPlan(spec.name, local_sha, remote.get("CodeSha256"), arch_change, upload_code=upload,
                      config_changes=changes,
                      set_retention=set_retention, publish=publish, alias_version=alias_version)


def plan_lines(plan: DeployPlan) -> list[str]:
    """What the plan will do, one line per step (the preview and the deploy log share these)."""
    if plan.create:
        lines = [f"create function '{plan.name}' (CodeSha256 {plan.local_sha})"]
    elif plan.architecture_change:
        lines = ["redeploy the code for the new architecture ({} -> {}, CodeSha256 {})".format(
            *plan.architecture_change, plan.local_sha)]
    elif plan.upload_code:
        lines = [f"upload code (CodeSha256 {plan.remote_sha} -> {plan.local_sha})"]
    else:
        lines = ["code unchanged - won't upload the bundle"]
    if plan.config_changes:
        lines.append("update configuration: " + ", ".join(sorted(plan.config_changes)))
    if plan.set_retention is not None:
        lines.append(f"set log retention to {plan.set_retention} days")
    if plan.publish and not plan.changed and (plan.alias_version or "").isdigit():
        lines.append(f"ACTIVE (version {plan.alias_version}) does not run this code and configuration - "
                     "publish a version and point ACTIVE at it")
    elif plan.publish:
        lines.append("publish a new version and point ACTIVE at it")
    elif not plan.changed:
        lines.append(f"nothing changed - ACTIVE stays at version {plan.alias_version}")
    return lines
