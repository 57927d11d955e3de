"""The ``lambda`` commands: thin orchestration over the planners, seams and renderers of this package.

Each command is ``func(context, config) -> int | None``; ``config`` is the ``lambda`` section. botocore is imported
only inside the seams, which these functions reach when they run.
"""
from __future__ import annotations

import json
import os
import shutil
from typing import Any, Mapping

from fink.errors import ConfigError, UsageError
from fink.ui import UI

__all__ = ["clean", "bundle", "deploy", "list", "metrics", "info", "wire", "unwire", "delete", "rollback", "ping",
           "invoke", "logs"]

def _region(config: Mapping[str, Any]) -> str | None:
    return (config.get("deployment") or {}).get("region")


def _configured_zip(env: str) -> str | None:
    """``lambda.bundling.zip`` of this ENV's JSON/YAML config file (never another ENV's, never running .py)."""
    for path in (f"fink_{env}.json", f"fink_{env}.yaml", f"fink_{env}.yml"):
        if not os.path.isfile(path):
            continue
        import yaml
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh) if path.endswith(".json") else yaml.safe_load(fh)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise ConfigError(f"lambda clean could not read {path}: {exc}") from exc
        try:
            return data["lambda"]["bundling"]["zip"]
        except (KeyError, TypeError):
            return None
    return None


def _zip_paths(env: str | None) -> list[str]:
    """``bundle.zip`` plus this ENV's ``lambda.bundling.zip``, each checked to lie inside the project folder
    (all of them before anything is removed)."""
    from fink.bundle import confined_path
    names = ["bundle.zip"]
    configured = _configured_zip(env) if env else None
    if configured is not None and configured not in names:
        names.append(configured)
    workdir = os.getcwd()
    return [confined_path(name, workdir, "lambda.bundling.zip") for name in names]


def clean(context: dict, config: dict) -> int:
    """Remove the local bundle artifacts: the bundle zip(s) and the bundler's caches under ``.fink/``.

    Without ENV only the default ``bundle.zip`` is known; no other environment's config is read."""
    ui: UI = context["_ui"]
    removed = []
    for path in sorted(_zip_paths(context.get("env"))):
        if os.path.isfile(path):
            os.remove(path)
            removed.append(os.path.relpath(path))
    if os.path.isdir(".fink"):
        shutil.rmtree(".fink")
        removed.append(".fink/")
    ui.info("removed " + ", ".join(removed) if removed else "nothing to clean")
    if not context.get("env"):
        ui.debug("ENV is not set: only bundle.zip is removed (set ENV to also remove that environment's "
                 "lambda.bundling.zip)")
    return 0


def bundle(context: dict, config: dict) -> int:
    from .deploy import bundle_of
    built = bundle_of(context)
    ui: UI = context["_ui"]
    ui.print(built.path)
    ui.print(f"CodeSha256: {built.sha256}")
    return 0


def deploy(context: dict, config: dict) -> int:
    from .deploy import deploy_function
    return deploy_function(context, config)


def list(context: dict, config: dict) -> int:  # noqa: A001 - the command is called list
    from .inspection import list_functions
    return list_functions(context, _region(config))


def metrics(context: dict, config: dict) -> int:
    from .inspection import show_metrics
    return show_metrics(context, context["_arguments"]["<lambda>"], _region(config))


def info(context: dict, config: dict) -> int:
    from .inspection import show_info
    return show_info(context, config)


def wire(context: dict, config: dict) -> int:
    from .wiring import wire_events
    return wire_events(context, config, unwire=False)


def unwire(context: dict, config: dict) -> int:
    from .wiring import wire_events
    return wire_events(context, config, unwire=True)


def delete(context: dict, config: dict) -> int:
    from .operate import delete_function
    return delete_function(context, config)


def rollback(context: dict, config: dict) -> int:
    from .operate import rollback_function
    return rollback_function(context, config)


def ping(context: dict, config: dict) -> int:
    from .operate import ping_function
    return ping_function(context, config)


def invoke(context: dict, config: dict) -> int:
    from .operate import invoke_function
    return invoke_function(context, config)


def logs(context: dict, config: dict) -> int:
    args = context["_arguments"]
    if args.get("--tail") and args.get("--end"):
        raise UsageError("--tail follows new events until Ctrl-C and cannot have an --end.",
                         hint="Drop --end, or drop --tail to read a closed time range.")
    from .logs import show_logs
    return show_logs(context, config)
