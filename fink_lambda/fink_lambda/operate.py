"""Commands that act on a named function: delete, rollback, ping, invoke."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from fink.errors import FinkError, UsageError
from fink.ui import UI

from .seam_lambda import ALIAS, LambdaSeam
from .seam_logs import LogsSeam, log_group_name

__all__ = ["delete_function", "rollback_function", "ping_function", "invoke_function", "previous_version",
           "read_payload"]


def _seam(context: Mapping[str, Any], config: Mapping[str, Any]) -> LambdaSeam:
    return LambdaSeam(context["_awsclient"], (config.get("deployment") or {}).get("region"))


def _require(seam: LambdaSeam, name: str) -> dict[str, Any]:
    found = seam.get_function(name)
    if found is None:
        raise FinkError(f"Function '{name}' does not exist in {seam.region}.",
                        hint="Check the name (`lambda list`) and the region.")
    return found


def delete_function(context: Mapping[str, Any], config: Mapping[str, Any]) -> int:
    """Delete the named function; its configured events are unwired first, its log group with --delete-logs."""
    ui: UI = context["_ui"]
    args = context["_arguments"]
    name = args["<lambda>"]
    seam = _seam(context, config)
    _require(seam, name)
    configured = (config.get("lambda") or {}).get("name") == name and config["lambda"].get("events")
    if configured and seam.get_alias(name) is not None:  # events are wired to ACTIVE; without it none are
        from .wiring import wire_events
        wire_events(context, config, unwire=True)
    seam.delete_function(name)
    ui.success(f"Deleted function '{name}'")
    if args.get("--delete-logs"):
        group = log_group_name(name)
        deleted = LogsSeam(context["_awsclient"], seam.region).delete_group(group)
        ui.info(f"deleted log group {group}" if deleted else f"no log group {group} to delete")
    return 0


def previous_version(versions: list[int], current: str | None) -> int | None:
    """The highest numbered version below ``current`` (or below the highest one when ``current`` is not numbered)."""
    ceiling = int(current) if current and current.isdigit() else (max(versions) if versions else 0)
    older = [v for v in versions if v < ceiling]
    return max(older) if older else None


def rollback_function(context: Mapping[str, Any], config: Mapping[str, Any]) -> int:
    ui: UI = context["_ui"]
    name, wanted = context["_arguments"]["<lambda>"], context["_arguments"].get("<version>")
    seam = _seam(context, config)
    _require(seam, name)
    versions = seam.numbered_versions(name)
    alias = seam.get_alias(name)
    current = alias["FunctionVersion"] if alias else None
    if wanted:
        if not wanted.isdigit() or int(wanted) not in versions:
            raise UsageError(f"'{name}' has no version {wanted}.",
                             hint="Published versions: " + (", ".join(map(str, versions)) or "none"))
        target = int(wanted)
    else:
        target = previous_version(versions, current)
        if target is None:
            raise FinkError(f"'{name}' has no version before {current}; nothing to roll back to.")
    seam.set_alias(name, str(target))
    ui.success(f"Rolled back '{name}': {ALIAS} {current or '-'} -> version {target}")
    return 0


def ping_function(context: Mapping[str, Any], config: Mapping[str, Any]) -> int:
    from .deploy import ping
    ui: UI = context["_ui"]
    name = context["_arguments"]["<lambda>"]
    qualifier = context["_arguments"].get("<version>") or ALIAS
    alive, answer = ping(_seam(context, config), name, qualifier)
    if not alive:
        raise FinkError(f"'{name}:{qualifier}' did not answer the ping with 'alive' (it said: {answer[:200]}).",
                        hint=f"Check `lambda logs {name}`.")
    ui.success(f"'{name}:{qualifier}' is alive")
    return 0


def read_payload(value: str) -> bytes:
    """``--payload`` as given, or the content of a ``file://`` path."""
    if value.startswith("file://"):
        path = Path(value[len("file://"):])
        if not path.is_file():
            raise UsageError(f"Payload file {path} not found.")
        return path.read_bytes()
    return value.encode("utf-8")


def invoke_function(context: Mapping[str, Any], config: Mapping[str, Any]) -> int:
    ui: UI = context["_ui"]
    args = context["_arguments"]
    name, qualifier = args["<lambda>"], args.get("<version>") or ALIAS  # like ping: the tested version
    invocation_type = args.get("--invocation-type") or "RequestResponse"
    if invocation_type not in ("RequestResponse", "Event", "DryRun"):
        raise UsageError(f"--invocation-type must be RequestResponse, Event or DryRun, not {invocation_type!r}.")
    seam = _seam(context, config)
    payload = read_payload(args["--payload"])
    if not args.get("<version>") and seam.get_alias(name) is None:
        _require(seam, name)
        raise FinkError(f"'{name}' has no {ALIAS} alias: it was never deployed by `lambda deploy`.",
                        hint=f"Name the version to run: `lambda invoke {name} $LATEST ...` (or a version number).")
    response = seam.invoke(name, payload, qualifier, invocation_type)
    body = response["Payload"]
    if args.get("--outfile"):
        Path(args["--outfile"]).write_bytes(body)
        ui.info(f"wrote the response to {args['--outfile']}")
    elif body:
        ui.print(body.decode("utf-8", "replace"))
    if response.get("FunctionError"):
        raise FinkError(f"'{name}' failed ({response['FunctionError']}).", hint=f"Check `lambda logs {name}`.")
    ui.info(f"status {response.get('StatusCode')}")
    return 0
