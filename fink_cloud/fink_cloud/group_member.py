"""Entry of one group member's run: ``python -m fink_cloud.group_member <cloud command> [options]``.

A stack group runs each member as its own process in the member's folder, and that process runs exactly what
``cloud <command>`` runs there: the whole lifecycle with the member's config, lookups, hooks, plugins (Slack
announces the member), stack policies, artifact bucket, secret masking and SIGINT handling. Processes keep members
apart where a shared process could not: working folder, ``cloudformation.py`` modules, hooks connected to the
global signals, log handlers and signal handlers are all per process.

What the group needs back is written as JSON to the file named by ``FINK_GROUP_RESULT``: the exit code, the
command's result (``cloud_result``: deployed / no changes), the error message, and the command's standard output
(tables, ``--json`` data), which is kept out of the group's console. Messages and events go to stderr, which the
group shows prefixed with the member's folder.
"""
from __future__ import annotations

import io
import json
import os
import sys
from typing import Any

from fink import fink_signals

__all__ = ["RESULT_ENV", "main"]

RESULT_ENV = "FINK_GROUP_RESULT"
_CAPTURED: dict[str, Any] = {}


def _on_command_finalized(params: tuple[dict[str, Any], dict[str, Any]]) -> None:
    context, _config = params
    _CAPTURED["result"] = context.get("cloud_result")
    _CAPTURED["outputs"] = context.get("stack_output")


def _on_error(params: tuple[dict[str, Any], dict[str, Any]]) -> None:
    context, _config = params
    _CAPTURED["error"] = str(context.get("error") or "")


def main(argv: list[str] | None = None) -> int:
    from fink.cli import run
    from fink.ui import UI
    path = os.environ.pop(RESULT_ENV, None)
    out = io.StringIO()
    fink_signals.command_finalized.connect(_on_command_finalized)
    fink_signals.error.connect(_on_error)
    ui = UI(out=out)
    code = run("cloud", list(sys.argv[1:] if argv is None else argv), ui=ui)
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"exit_code": code, "stdout": out.getvalue(), **_CAPTURED}, fh, default=str)
    else:  # run by hand: behave like the cloud command
        sys.stdout.write(out.getvalue())
    return code


if __name__ == "__main__":
    sys.exit(main())
