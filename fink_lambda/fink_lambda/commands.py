"""The ``lambda`` commands: thin orchestration over the planners, seams and renderers of this package.

Each command is ``func(context, config) -> int | None``; ``config`` is the ``lambda`` section. botocore is imported
only inside the seams, which these functions reach when they run.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
from typing import Any, Mapping

from fink.errors import UsageError
from fink.ui import UI

__all__ = ["clean", "bundle", "deploy", "list", "metrics", "info", "wire", "unwire", "delete", "rollback", "ping",
           "invoke", "logs"]

def _region(config: Mapping[str, Any]) -> str | None:
    return (config.get("deployment") or {}).get("region")


def _zip_names() -> set[str]:
    """``bundle.zip`` plus every ``lambda.bundling.zip`` named in the fink_<env>.json files of this folder."""
    names = {"bundle.zip"}
    for path in glob.glob("fink_*.json"):
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
            names.add(str(data["lambda"]["bundling"]["zip"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return names


def clean(context: dict, config: dict) -> int:
    """Remove the local bundle artifacts: the bundle zip(s) and the bundler's caches under ``.fink/``."""
    ui: UI = context["_ui"]
    removed = []
    for name in sorted(_zip_names()):
        if os.path.isfile(name):
            os.remove(name)
            removed.append(name)
    if os.path.isdir(".fink"):
        shutil.rmtree(".fink")
        removed.append(".fink/")
    ui.info("removed " + ", ".join(removed) if removed else "nothing to clean")
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
