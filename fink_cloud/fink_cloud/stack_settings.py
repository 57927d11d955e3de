"""Stack settings beside template and parameters, pure: tags, termination protection, capabilities, what happens
when a create or update fails, the create timeout, and the template upload location.

Rules: every setting is read from the ``describe_stacks`` answer fink already has (no extra call), and a setting is
sent or changed only when the config says so:

* ``Tags`` absent: the stack's tags are left as they are (CloudFormation keeps them when a request has none);
  present: the stack gets exactly these tags (``{}`` removes all), and the difference is shown before deploying.
* ``TerminationProtection`` absent: left as it is; present: set at create, changed afterwards only when it differs.
* ``OnFailure`` and ``TimeoutInMinutes`` apply when the stack is created; ``DisableRollback`` to updates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from fink.render import table

__all__ = ["TagChange", "SettingsPlan", "DEFAULT_CAPABILITIES", "tag_list", "tag_changes", "change_set_settings",
           "create_stack_settings", "plan_settings", "tag_table", "template_key", "upload_extra"]

DEFAULT_CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
_ON_STACK_FAILURE = {"ROLLBACK": "ROLLBACK", "DELETE": "DELETE", "DO_NOTHING": "DO_NOTHING"}


@dataclass(frozen=True)
class TagChange:
    key: str
    old: str | None  # None: the tag is new
    new: str | None  # None: the tag is removed


@dataclass(frozen=True)
class SettingsPlan:
    """What a deploy changes beside the change set: stack tags (shown; sent with the change set) and protection."""
    tag_changes: tuple[TagChange, ...] = ()
    protection: bool | None = None  # the wanted termination protection when it differs from the stack's

    @property
    def has_changes(self) -> bool:
        return bool(self.tag_changes) or self.protection is not None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def tag_list(tags: Mapping[str, Any]) -> list[dict[str, str]]:
    """The config's ``{key: value}`` as CloudFormation's ``[{Key, Value}]``, in key order."""
    return [{"Key": key, "Value": _text(tags[key])} for key in sorted(tags)]


def tag_changes(stack: Mapping[str, Any] | None, stack_config: Mapping[str, Any]) -> tuple[TagChange, ...]:
    """Added, changed and removed stack tags (none when the config has no ``Tags``), in key order."""
    if stack is None or "Tags" not in stack_config:
        return ()
    old = {t["Key"]: t["Value"] for t in stack.get("Tags") or []}
    new = {t["Key"]: t["Value"] for t in tag_list(stack_config["Tags"] or {})}
    return tuple(TagChange(k, old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k))


def change_set_settings(stack_config: Mapping[str, Any], change_set_type: str) -> dict[str, Any]:
    """Arguments that CreateChangeSet (and so CreateStack) takes from the settings."""
    settings: dict[str, Any] = {"Capabilities": list(stack_config.get("Capabilities", DEFAULT_CAPABILITIES))}
    if "Tags" in stack_config:
        settings["Tags"] = tag_list(stack_config["Tags"] or {})
    if change_set_type == "CREATE" and "OnFailure" in stack_config:
        settings["OnStackFailure"] = _ON_STACK_FAILURE[stack_config["OnFailure"]]
    return settings


def create_stack_settings(stack_config: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments only CreateStack takes (a new stack is created without a change set)."""
    settings: dict[str, Any] = {}
    if "OnFailure" in stack_config:
        settings["OnFailure"] = stack_config["OnFailure"]
    if "TimeoutInMinutes" in stack_config:
        settings["TimeoutInMinutes"] = int(stack_config["TimeoutInMinutes"])
    if "TerminationProtection" in stack_config:
        settings["EnableTerminationProtection"] = bool(stack_config["TerminationProtection"])
    return settings


def plan_settings(stack: Mapping[str, Any] | None, stack_config: Mapping[str, Any]) -> SettingsPlan:
    """Compare the settings with the stack as described (``stack`` None: a new stack gets them at create)."""
    protection = None
    if stack is not None and "TerminationProtection" in stack_config:
        wanted = bool(stack_config["TerminationProtection"])
        if bool(stack.get("EnableTerminationProtection")) != wanted:
            protection = wanted
    return SettingsPlan(tag_changes(stack, stack_config), protection)


def tag_table(changes: tuple[TagChange, ...] | list[TagChange]) -> str:
    rows = [(c.key, "(not set)" if c.old is None else c.old, "(removed)" if c.new is None else c.new)
            for c in changes]
    return table(["Tag", "Old value", "New value"], rows)


def template_key(stack_config: Mapping[str, Any], region: str, digest: str) -> str:
    """Where the template goes in ``artifactBucket``: ``<artifactKeyPrefix>/<region>/<stack>/<digest>.json``."""
    prefix = str(stack_config.get("artifactKeyPrefix", "cloud")).strip("/")
    tail = f"{region}/{stack_config['StackName']}/{digest}.json"
    return f"{prefix}/{tail}" if prefix else tail


def upload_extra(stack_config: Mapping[str, Any]) -> dict[str, str]:
    """PutObject arguments for the template: JSON, and SSE-KMS with ``artifactKmsKeyId`` when it is set."""
    extra = {"ContentType": "application/json"}
    if stack_config.get("artifactKmsKeyId"):
        extra.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=stack_config["artifactKmsKeyId"])
    return extra
