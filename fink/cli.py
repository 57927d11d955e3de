"""Entry: argv parsing, logging, signal handlers, and the one place where errors become messages and exit codes.

``run(tool, argv)`` runs a tool in-process and returns the exit code (tests use it through ``run_cli``);
``tool_main(TOOL)`` is what the console scripts call.

Start-up rule: this module is imported by every console script, so it imports only what ``--help`` needs. The
entry-point machinery (``importlib.metadata``), logging set-up, botocore and the lifecycle are imported when a
command runs; a tool's own script hands its ``Tool`` in directly and never scans the installed distributions.
"""
from __future__ import annotations

import contextlib
import os
import sys
import traceback
from typing import TYPE_CHECKING, Any, Callable, Iterator, NoReturn, Sequence

from . import __version__
from .errors import ConfigError, ExitCode, FinkError, GracefulExit
from .tool import Tool
from .ui import UI, MaskingFilter, MaskingStream

if TYPE_CHECKING:
    import logging

__all__ = ["run", "tool_main", "main", "console", "exit_process", "load_tool", "version_lines", "FINK_TOOL",
           "GC_THRESHOLD"]

FINK_DOC = """Usage:
        fink config [<tool>] [-v]
        fink migrate-gcdt [<folder>] [--dry-run] [-v]
        fink version
        fink <tool> [<args>...]

Options:
-h --help           show this
-v --verbose        show debug messages
--dry-run           show what would change, change nothing

Commands:
  config            print the resolved configuration (defaults, config file, lookups) as JSON
  migrate-gcdt      rename a gcdt project folder's files, config keys, imports and signal names for fink and
                    list what it could not convert (exit 1 when something is left to do by hand)
  version           print the versions of fink, its tools and plugins
  <tool> <args>...  run a tool, the same as running the tool's own command (e.g. fink cloud deploy)
"""

FINK_TOOL = Tool(name="fink", doc=FINK_DOC,
                 commands={"config": "fink.config_command:config_command", "version": "fink.cli:version_command",
                           "migrate-gcdt": "fink.migrate_gcdt:migrate_command"},
                 plain_commands=frozenset({"version", "migrate-gcdt"}))

_QUIET_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer", "placebo", "blinker", "werkzeug", "credstash")


def load_tool(name: str) -> Tool:
    """The installed tool ``name`` (kept here for callers of ``fink.cli.load_tool``; see fink.plugins)."""
    from .plugins import load_tool as load
    return load(name)


def version_lines() -> list[str]:
    from .plugins import PLUGINS_GROUP, TOOLS_GROUP, discover_groups
    found = discover_groups(TOOLS_GROUP, PLUGINS_GROUP)  # one scan of the installed distributions
    lines = [f"fink version {__version__}"]
    tools = found[TOOLS_GROUP]
    if tools:
        lines.append("fink commands:")
        lines += [f" * {t.display} {t.version}" for t in tools]
    plugins = found[PLUGINS_GROUP]
    if plugins:
        lines.append("fink plugins:")
        lines += [f" * {p.display} version {p.version}" for p in plugins]
    return lines


def version_command(context: dict, config: dict) -> int:
    ui: UI = context["_ui"]
    from .update_check import UPDATE_COMMAND, newer
    latest = context["_update_check"].latest() if context.get("_update_check") else None
    if newer(latest, __version__):
        ui.warn(f"Please consider an update to fink version: {latest} ({UPDATE_COMMAND})")
    ui.lines(version_lines())
    return 0


# ---- logging ------------------------------------------------------------------------------------------------------
def _emit_to_ui(ui: UI, record: "logging.LogRecord") -> None:
    import logging
    message = record.getMessage()
    if record.levelno >= logging.ERROR:
        ui.error(message)
    elif record.levelno >= logging.WARNING:
        ui.warn(message)
    elif record.levelno >= logging.INFO:
        ui.info(message)
    else:
        ui.debug(f"{record.name}: {message}")


def _ui_handler(ui: UI) -> "logging.Handler":
    """A logging handler that writes through the UI (logging is imported when a command runs, not at start-up)."""
    import logging

    class _UIHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            try:
                _emit_to_ui(ui, record)
            except Exception:  # pragma: no cover - logging must never break a run
                self.handleError(record)

    return _UIHandler()


def _masking_record_factory(factory: Any, ui: UI) -> Any:
    """Log records are masked when created, so every handler (log files included) sees ``****``, not secrets."""
    def create(*args: Any, **kwargs: Any) -> "logging.LogRecord":
        record = factory(*args, **kwargs)
        if ui.secrets:
            try:
                record.msg, record.args = ui.mask(record.getMessage()), None
            except Exception:  # a malformed log call is reported by logging itself later
                pass
        return record
    return create


@contextlib.contextmanager
def _logging_to(ui: UI) -> Iterator[None]:
    import logging
    root = logging.getLogger()
    handler = _ui_handler(ui)
    handler.addFilter(MaskingFilter(ui.secrets))
    saved_level = root.level
    saved_quiet = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    saved_factory = logging.getLogRecordFactory()
    logging.setLogRecordFactory(_masking_record_factory(saved_factory, ui))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if ui.verbose else logging.INFO)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield
    finally:
        logging.setLogRecordFactory(saved_factory)
        root.removeHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_quiet.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def _masked_std_streams(ui: UI) -> Iterator[None]:
    """print() of plugins and hooks goes through the secret mask too, and to stderr: stdout carries only the
    command's results (tables, JSON, URLs), so ``--json`` output and ``$(api deploy)`` stay clean even with
    chatty plugins such as say-hello. The UI keeps writing its results to the real stdout."""
    saved = sys.stdout, sys.stderr
    ui.pin_streams(saved[0], saved[1])
    sys.stdout, sys.stderr = MaskingStream(saved[1], ui.secrets), MaskingStream(saved[1], ui.secrets)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


# ---- signals ------------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def graceful_signals(ui: UI) -> Iterator[None]:
    """SIGINT/SIGTERM raise GracefulExit inside the running command; a second signal ends the process at once."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[str] = []

    def handler(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if received:
            ui.error(f"Received {name} again - exiting immediately.")
            os._exit(int(ExitCode.INTERRUPTED))
        received.append(name)
        raise GracefulExit(name)

    saved = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in saved.items():
            signal.signal(s, h)


# ---- running a tool -----------------------------------------------------------------------------------------------
def _parse(tool: Tool, argv: Sequence[str], ui: UI) -> dict | int:
    if "-h" in argv or "--help" in argv:
        ui.print(tool.doc.strip("\n"))
        return int(ExitCode.SUCCESS)
    from docopt import DocoptExit, docopt
    try:
        return dict(docopt(tool.doc, list(argv), default_help=False))
    except DocoptExit as exc:
        text = str(exc)
        usage = text[text.find("Usage:"):] if "Usage:" in text else tool.doc
        if argv:  # docopt's own wording ("found unmatched (duplicate?) arguments") helps nobody
            ui.error(f"'{tool.name} {' '.join(argv)}' does not match the usage:")
        ui.err.write(usage.strip("\n") + "\n")
        return int(ExitCode.USAGE)


def run(tool: Tool | str, argv: Sequence[str] | None = None, *, environ: dict | None = None,
        awsclient: Any = None, clock: Any = None, ui: UI | None = None, signals: bool = True) -> int:
    """Run ``tool`` with ``argv`` in-process; returns the exit code. Never raises for expected failures."""
    environ = os.environ if environ is None else environ
    argv = list(sys.argv[1:] if argv is None else argv)
    ui = ui or UI(environ=environ)
    try:
        tool = load_tool(tool) if isinstance(tool, str) else tool
    except FinkError as exc:
        ui.error(str(exc))
        return int(exc.exit_code)
    parsed = _parse(tool, argv, ui)
    if isinstance(parsed, int):
        return parsed
    ui.verbose = bool(parsed.get("--verbose") or parsed.get("-v"))
    command = tool.command_of(parsed)
    if command is None:
        ui.err.write(tool.doc.strip("\n") + "\n")
        return int(ExitCode.USAGE)
    with _logging_to(ui), _masked_std_streams(ui), (graceful_signals(ui) if signals else contextlib.nullcontext()):
        return _run_command(tool, command, parsed, environ, awsclient, clock, ui)


def _run_command(tool: Tool, command: str, arguments: dict, environ: Any, awsclient: Any, clock: Any,
                 ui: UI) -> int:
    from .awsclient import AWSClient
    from .clock import Clock
    if awsclient is None:  # retries wait on the run's clock, so an injected clock never sleeps for real
        from .retrying import RetrySettings
        awsclient = AWSClient(retry=RetrySettings(clock=clock)) if clock is not None else AWSClient()
    try:
        if command in tool.plain_commands:
            return _run_plain(tool, command, arguments, environ, awsclient, ui)
        from .lifecycle import Run, run_lifecycle
        env = environ.get("ENV")
        if not env and command not in tool.non_config_commands and not (tool.name == "fink" and command == "version"):
            raise ConfigError("'ENV' environment variable not set!",
                              hint="Set it to the environment to work with, e.g. `export ENV=dev` reads fink_dev.*")
        return run_lifecycle(Run(tool, command, arguments, env.lower() if env else None, awsclient, ui,
                                 clock or Clock()))
    except GracefulExit as exc:
        ui.end_status()
        ui.info(f"Received {exc.signal_name} signal - exiting command '{tool.name} {command}'")
        return int(ExitCode.INTERRUPTED)
    except (Exception, SystemExit, KeyboardInterrupt) as exc:  # SystemExit/KeyboardInterrupt: raised by user code
        return _report(exc, ui)
    finally:
        if ui.verbose and getattr(awsclient, "call_counts", None):
            _print_call_summary(awsclient, ui)


def _report(exc: BaseException, ui: UI) -> int:
    """The one place where an error becomes a message and an exit code (see fink.error_map)."""
    from .error_map import translate
    ui.end_status()
    if ui.verbose:
        ui.err.write(ui.mask("".join(traceback.format_exception(exc))))
    error = translate(exc)
    if error is None:  # a bug: say so plainly, traceback only with -v
        ui.error(f"Unexpected error: {type(exc).__name__}: {exc}")
        ui.info("Run again with -v to see the traceback, and please report it.")
        return int(ExitCode.FAILURE)
    ui.error(str(error))
    return int(error.exit_code)


def _run_plain(tool: Tool, command: str, arguments: dict, environ: Any, awsclient: Any, ui: UI) -> int:
    from .update_check import UpdateCheck
    context = {"version": __version__, "command": command, "tool": tool.name,
               "env": (environ.get("ENV") or "").lower() or None,
               "_arguments": arguments, "_ui": ui, "_awsclient": awsclient}
    if command == "version":
        context["_update_check"] = UpdateCheck(environ).start()
        return version_command(context, {})
    return tool.load_command(command)(context, {}) or 0


def _print_call_summary(awsclient: Any, ui: UI) -> None:
    ui.info(f"AWS calls: {awsclient.total_calls}")
    for name, count in sorted(awsclient.call_counts.items()):
        ui.info(f"  {name}: {count}")


#: the garbage collector's youngest-generation threshold in a console run (Python's default: 700). Start-up creates
#: a few hundred thousand objects that all stay alive (modules, botocore's service models and endpoint table); at
#: the default the collector walks them again and again (~30 ms CPU of a `cloud deploy`, a sixth). Cyclic garbage
#: is still collected, after at most this many new objects.
GC_THRESHOLD = 100_000


def console(run_command: Callable[[], int]) -> NoReturn:
    """Run a console script's command and end the process with its exit code (see :func:`exit_process`), with the
    collector tuned for a short-lived process (:data:`GC_THRESHOLD`)."""
    import gc
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    exit_process(run_command())


def exit_process(code: int) -> NoReturn:
    """End the process with ``code`` (console scripts only: never in a process that goes on running).

    What a run leaves behind (botocore's service models and endpoint table, the templates: hundreds of thousands
    of objects) is frozen out of the garbage collector first: the interpreter's final collections would walk it
    all for about 45 ms CPU, a fifth of a `cloud deploy`. Everything else about the exit stays as it is: atexit
    handlers and logging's flush run, the standard streams are flushed, objects are freed and finalised as their
    references go; only garbage in reference cycles is left to the end of the process without its finaliser."""
    import gc
    gc.freeze()
    sys.exit(code)


def tool_main(tool: Tool | str) -> None:
    """Console-script entry of a tool (``cloud``, ``code``, ``lambda``, ``api``): its script hands its own ``Tool``
    in, so no entry point is looked up (a name still works, at the cost of that look-up)."""
    console(lambda: run(tool))


def main() -> None:
    """Console-script entry of ``fink``: ``fink <tool> <args>`` runs the tool, else fink's own commands."""
    argv = sys.argv[1:]
    console(lambda: dispatch_fink(argv))


def dispatch_fink(argv: Sequence[str], **kwargs: Any) -> int:
    if argv and not argv[0].startswith("-") and argv[0] not in FINK_TOOL.commands:
        return run(argv[0], argv[1:], **kwargs)  # an unknown tool is reported as a usage error
    return run(FINK_TOOL, argv, **kwargs)
