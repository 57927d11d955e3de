"""The lifecycle: one run of ``<tool> <command>``, sending the signals in the guide's order.

initialized -> config_read_* -> check_credentials_* -> lookup_* -> config_validation_* -> bundle_* (bundling
commands only) -> command_* -> finalized; on failure ``error`` replaces the remaining steps and ``finalized`` still
closes the run. Errors are re-raised to the entry module, which turns them into one message and one exit code.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from . import fink_signals as sig
from .awsclient import AWSClient
from .clock import Clock
from .config import SectionSchema, fill_defaults, get_path, load_schema, validate_sections
from .errors import ConfigError, FinkError, GracefulExit
from .hooks import HookSet
from .plugins import (PLUGINS_GROUP, TOOLS_GROUP, LoadedPlugin, deregister_plugins, discover, load_plugins,
                      register_plugins)
from .tool import Tool
from .ui import UI
from .utils import get_user

__all__ = ["Run", "run_lifecycle", "collect_schemas", "plugin_section_name"]


@dataclass
class Run:
    tool: Tool
    command: str
    arguments: dict
    env: str | None
    awsclient: AWSClient
    ui: UI
    clock: Clock = field(default_factory=Clock)


def plugin_section_name(plugin: LoadedPlugin) -> str:
    """The key of a plugin's section under ``plugins``: ``CONFIG_SECTION`` or its top-level package name."""
    return getattr(plugin.module, "CONFIG_SECTION", None) or plugin.module.__name__.split(".")[0]


def collect_schemas(tool: Tool, plugins: list[LoadedPlugin], tools: list[Tool] = ()) -> list[SectionSchema]:
    schemas = []
    for t in [tool, *tools]:
        if t.schema and t.name != "fink":
            schemas.append(SectionSchema((t.name,), load_schema(*t.schema), t.name))
    for plugin in plugins:
        ref = getattr(plugin.module, "CONFIG_SCHEMA", None)
        if ref:
            schemas.append(SectionSchema(("plugins", plugin_section_name(plugin)), load_schema(*ref),
                                         plugin.info.display))
    return schemas


def _apply_defaults(config: dict, schemas: list[SectionSchema], run: Run) -> list[tuple[str, ...]]:
    """Fill in schema defaults in place. A tool section absent from the files gets only its ``defaults``
    (validation off) when the command does not need config, and nothing otherwise. Returns the paths of the
    sections absent from the config files (``context['_defaulted_sections']``: a plugin can tell "not configured"
    from "configured with the default values")."""
    defaulted: list[tuple[str, ...]] = []
    for section in schemas:
        current = get_path(config, section.path)
        if current is None:
            defaulted.append(section.path)
            is_own_tool = section.path == (run.tool.name,)
            if section.path[0] != "plugins" and not (is_own_tool and run.command in run.tool.non_config_commands):
                continue
            filled = fill_defaults({}, section.schema)
            if section.path[0] != "plugins":
                filled = {"defaults": {**filled.get("defaults", {}), "validate": False}}
        elif not isinstance(current, dict):
            continue  # validation will name the wrong type
        else:
            filled = fill_defaults(current, section.schema)
        node = config
        for depth, key in enumerate(section.path[:-1]):
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{'.'.join(section.path[:depth + 1])}: must be a mapping of sections, "
                                  f"not {type(node).__name__}.", hint="Fix it in your fink_<env> config file.")
        node[section.path[-1]] = filled
    return defaulted


def _check_tool_section(config: dict, context: dict, run: Run) -> None:
    """Stop with "Configuration missing for '<tool>'" when a command that needs config has no section for it."""
    tool = run.tool
    if tool.name == "fink":
        _check_config_command(config, context, run)
        return
    if run.command in tool.non_config_commands:
        return
    if tool.name in config and not isinstance(config[tool.name], dict):
        from .config_keys import type_name
        raise ConfigError(f"'{tool.name}' must be a mapping of the tool's settings, not "
                          f"{type_name(config[tool.name])}.", hint=f"Write it as {{\"{tool.name}\": {{...}}}}.")
    if not isinstance(config.get(tool.name), dict):
        raise _config_missing(tool.name, context, run)


def _check_config_command(config: dict, context: dict, run: Run) -> None:
    """``fink config <tool>`` needs that tool's section; ``fink config`` needs at least a config file."""
    if run.command != "config":
        return
    wanted = run.arguments.get("<tool>")
    if wanted and not isinstance(config.get(wanted), dict):
        raise _config_missing(wanted, context, run)
    if not wanted and not context.get("_config_file") and not [k for k in config if k != "plugins"]:
        raise _config_missing(None, context, run)


def _config_missing(tool_name: str | None, context: dict, run: Run) -> ConfigError:
    tried = context.get("_config_files_tried") or [f"fink_{run.env}{ext}" for ext in (".py", ".json", ".yaml",
                                                                                      ".yml")]
    readers = [p for p in context.get("plugins", []) if "config" in p]
    what = f"a '{tool_name}' section" if tool_name else "a config file"
    hint = (f"Looked for {what} in: {', '.join(tried)} (in {os.getcwd()})."
            if readers else "No config reader plugin is installed: pip install fink-config-reader")
    message = f"Configuration missing for '{tool_name}'." if tool_name else \
        f"Configuration missing: no config file for ENV={run.env}."
    return ConfigError(message, hint=hint)


def _send(signal: Any, payload: Any, hooks: HookSet) -> None:
    """Send a lifecycle signal; a hook that raises is named together with the signal (see fink.hooks)."""
    with hooks.guard(signal.name):
        signal.send(payload)


def run_lifecycle(run: Run) -> int:
    """Run the lifecycle for ``run``; returns the command's exit code or raises a FinkError/GracefulExit."""
    from .diskcache import one_environment
    with one_environment():  # the installed distributions as they are now, fingerprinted once (fink.diskcache)
        return _run_lifecycle(run)


def _run_lifecycle(run: Run) -> int:
    plugins = load_plugins(PLUGINS_GROUP)
    context: dict[str, Any] = {
        "version": __version__, "command": run.command, "env": run.env, "tool": run.tool.name,
        "plugins": [p.info.display for p in plugins], "user": get_user(),
        "_arguments": run.arguments, "_awsclient": run.awsclient, "_ui": run.ui, "_clock": run.clock,
    }
    config: dict[str, Any] = {}
    hooks = HookSet()
    context["_hooks"] = hooks
    register_plugins(plugins)
    try:
        result = _steps(run, plugins, context, config, hooks)
    except GracefulExit as exc:
        _fail(context, config, f"Interrupted by {exc.signal_name}", run.ui)
        raise
    except FinkError as exc:
        _fail(context, config, str(exc), run.ui)
        raise
    except BaseException as exc:  # SystemExit/KeyboardInterrupt from user code end the run too
        from .error_map import translate
        error = translate(exc)
        _fail(context, config, str(error) if error else f"{type(exc).__name__}: {exc}", run.ui)
        raise
    finally:
        hooks.close()
        deregister_plugins(plugins)
    return result


def _fail(context: dict, config: dict, message: str, ui: UI) -> None:
    context["error"] = ui.mask(message)
    for signal, payload in ((sig.error, (context, config)), (sig.finalized, context)):
        try:
            signal.send(payload)
        except Exception as exc:  # a failing error receiver must not hide the original failure
            ui.debug(f"receiver of '{signal.name}' failed: {exc}")


def _steps(run: Run, plugins: list[LoadedPlugin], context: dict, config: dict, hooks: HookSet) -> int:
    tool = run.tool
    _send(sig.initialized, context, hooks)
    _send(sig.config_read_init, (context, config), hooks)
    _convert_old_shapes(config, plugins, run)
    context["_defaulted_sections"] = _apply_defaults(config, _schemas_for(run, plugins, config), run)
    context["_schemas_applied"] = True
    _send(sig.config_read_finalized, (context, config), hooks)
    _register_hooks(config, hooks)
    _send(sig.check_credentials_init, (context, config), hooks)
    _send(sig.check_credentials_finalized, (context, config), hooks)
    _send(sig.lookup_init, (context, config), hooks)
    _send(sig.lookup_finalized, (context, config), hooks)
    _send(sig.config_validation_init, (context, config), hooks)
    _check_tool_section(config, context, run)
    _check_keys(config, run, plugins)
    validate_sections(config, _sections_to_validate(run, plugins, config))
    _send(sig.config_validation_finalized, (context, config), hooks)
    if run.command in tool.bundle_commands:
        _send(sig.bundle_pre, (context, config), hooks)
        _send(sig.bundle_init, (context, config), hooks)
        _send(sig.bundle_finalized, (context, config), hooks)
    _send(sig.command_init, (context, config), hooks)
    func = tool.load_command(run.command)
    section = config if tool.name == "fink" else config.get(tool.name, {})
    context["_config"] = config
    code = func(context, section) or 0
    if code:
        raise CommandFailed(f"'{tool.name} {run.command}' failed.", code)
    _send(sig.command_finalized, (context, config), hooks)
    _send(sig.finalized, context, hooks)
    return 0


def _convert_old_shapes(config: dict, plugins: list[LoadedPlugin], run: Run) -> None:
    """gcdt's config shapes: converted with a warning naming the new shape, or refused (see fink.legacy_config)."""
    from .legacy_config import convert_old_shapes
    for warning in convert_old_shapes(config, [plugin_section_name(p) for p in plugins], run.tool.name):
        run.ui.warn(warning)


def _sections_to_validate(run: Run, plugins: list[LoadedPlugin], config: dict) -> list[SectionSchema]:
    """The running tool's section and the plugin sections; other tools' sections may hold unresolved lookups.
    ``fink config`` validates what it prints: the named tool's section (or every tool section present)."""
    if run.tool.name == "fink" and run.command != "config":
        return []
    return _schemas_for(run, plugins, config)


def _schemas_for(run: Run, plugins: list[LoadedPlugin], config: dict) -> list[SectionSchema]:
    """The schemas this run fills defaults from and validates."""
    if run.tool.name != "fink":
        return collect_schemas(run.tool, plugins)
    from .plugins import load_tool
    wanted = run.arguments.get("<tool>")
    names = [wanted] if wanted else [info.name for info in discover(TOOLS_GROUP) if info.name in config]
    return collect_schemas(run.tool, plugins, [load_tool(name) for name in names])


def _check_keys(config: dict, run: Run, plugins: list[LoadedPlugin]) -> None:
    """Unknown top-level keys and plugin sections: an error while the running tool validates its section, a
    warning (with the closest valid name) when its ``defaults.validate`` is false."""
    if run.tool.name == "fink" and run.command != "config":
        return
    from .config_keys import key_problems
    tools = {info.name for info in discover(TOOLS_GROUP)} | {"cloud", "code", "lambda", "api", run.tool.name}
    extra = {k for p in plugins for k in getattr(p.module, "TOP_LEVEL_KEYS", ())}
    problems = key_problems(config, tools, {plugin_section_name(p) for p in plugins}, extra)
    if not problems:
        return
    own = run.arguments.get("<tool>") if run.tool.name == "fink" else run.tool.name
    if own and get_path(config, (own, "defaults", "validate")) is False:
        for problem in problems:
            run.ui.warn(f"Configuration: {problem}")
        return
    count = f"{len(problems)} error{'s' if len(problems) > 1 else ''}"
    raise ConfigError(f"Configuration is invalid ({count}):\n" + "\n".join(f"  {p}" for p in problems),
                      hint="Fix the keys above in your fink_<env> config file (or set defaults.validate to false "
                           "in the tool's section to only warn).")


def _register_hooks(config: dict, hooks: HookSet) -> None:
    if os.path.isfile("cloudformation.py"):
        _register_template_hooks(hooks)
    hookfile = config.get("hookfile")
    if hookfile is not None and not isinstance(hookfile, str):
        raise ConfigError(f"hookfile: must be a file name (a string), not {hookfile!r}.",
                          hint="Fix it in your fink_<env> config file.")
    if hookfile:
        if not os.path.isfile(hookfile):
            raise ConfigError(f"hookfile '{hookfile}' not found (in {os.getcwd()}).")
        hooks.add_file(hookfile)


def _register_template_hooks(hooks: HookSet) -> None:
    """cloudformation.py may define register()/deregister(); scanned without importing troposphere twice."""
    with open("cloudformation.py", encoding="utf-8") as fh:
        text = fh.read()
    if "def register" in text or "def deregister" in text:
        hooks.add_file("cloudformation.py")


class CommandFailed(FinkError):
    """A command returned a non-zero exit code after reporting its own problem."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.exit_code = code  # type: ignore[assignment]
