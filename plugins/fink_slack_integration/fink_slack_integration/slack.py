"""fink plugin ``fink.slack-integration``: announces deployments on Slack, and never breaks one.

Signals (see :mod:`fink.fink_signals`):

- ``initialized``: remembers when the run started (``context['_clock']``), for the duration in the message.
- ``command_finalized``: a changing command (see :data:`~fink_slack_integration.message.ANNOUNCED`) succeeded,
  post a green message.
- ``error``: a changing command failed, post a red message with ``context['error']``.

The webhook is ``plugins.fink_slack_integration.slack_webhook`` if set, else ``defaults.slack_webhook`` (by default
``lookup:parameter:slack.webhook:CONTINUE_IF_NOT_FOUND``, resolved by the lookups plugin). No webhook, or a value
that is not an http(s) URL: no message, one debug line. Whatever goes wrong while announcing is a warning; the
command's outcome and exit code stay what they were.

The plugin changes config only in its own section and only on ``config_read_finalized`` (before lookups): for a
command it does not announce, and when the config files have no ``plugins.fink_slack_integration`` section (Slack
not configured), it drops its webhook lookup, so read-only commands (``cloud list``, ``lambda logs``, ...) and
projects that do not use Slack make no SSM call for a webhook they would never use.
"""
from __future__ import annotations

from typing import Any

from fink import fink_signals
from fink.config import get_path

from .message import Outcome, build_payload, is_announced, masked_json

__all__ = ["CONFIG_SCHEMA", "CONFIG_SECTION", "webhook_of", "announce", "register", "deregister"]

CONFIG_SCHEMA = ("fink_slack_integration", "schema.yaml")
CONFIG_SECTION = "fink_slack_integration"
PLUGINS_KEY = "plugins"
_STARTED = "_slack_started"  # private context key: monotonic start time of the run


def webhook_of(config: dict[str, Any]) -> str | None:
    """The configured webhook (the section's own ``slack_webhook`` wins over ``defaults.slack_webhook``)."""
    section = get_path(config, ("plugins", CONFIG_SECTION)) or {}
    if not isinstance(section, dict):
        return None
    value = section.get("slack_webhook") or get_path(section, ("defaults", "slack_webhook"))
    return value if isinstance(value, str) and value else None


def _usable(url: str | None) -> bool:
    return bool(url) and url.lower().startswith(("http://", "https://"))  # type: ignore[union-attr]


def _seconds(context: dict[str, Any]) -> float | None:
    clock, started = context.get("_clock"), context.get(_STARTED)
    if clock is None or started is None:
        return None
    return max(0.0, clock.monotonic() - started)


def announce(context: dict[str, Any], config: dict[str, Any], outcome: Outcome) -> None:
    """Post the announcement of this run, if it is one to announce and a webhook is configured."""
    ui = context["_ui"]
    what = f"{context.get('tool')} {context.get('command')}"
    url = webhook_of(config)
    if not _usable(url):
        reason = "no webhook configured or found" if url is None else "the webhook is not an http(s) URL"
        ui.debug(f"slack: {reason} (plugins.{CONFIG_SECTION}.slack_webhook) - '{what}' is not announced")
        return
    from .post import post_json, where
    channel = get_path(config, ("plugins", CONFIG_SECTION, "channel"))
    body = masked_json(build_payload(context, config, outcome, channel), ui.mask)
    post_json(url, body, context.get("_clock"))  # type: ignore[arg-type]
    ui.debug(f"slack: announced '{what}' at {where(url)}{f' in {channel}' if channel else ''}")  # type: ignore[arg-type]


def _safely(context: dict[str, Any], config: dict[str, Any], outcome: Outcome) -> None:
    """Announce; any failure is one warning and nothing else (never an exception into the lifecycle)."""
    if not is_announced(context.get("tool"), context.get("command")):
        return
    try:
        announce(context, config, outcome)
    except Exception as exc:  # noqa: BLE001 - announcing must never change the command's outcome
        reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
        what = f"{context.get('tool')} {context.get('command')}"
        try:
            context["_ui"].warn(f"Slack announcement of '{what}' failed: {reason} "
                                "(the command's result is not affected).")
        except Exception:  # noqa: BLE001 - not even a broken UI may break the run
            pass


def on_initialized(context: dict[str, Any]) -> None:
    clock = context.get("_clock")
    if clock is not None:
        context[_STARTED] = clock.monotonic()


def on_config_read_finalized(params: tuple[dict[str, Any], dict[str, Any]]) -> None:
    context, config = params
    configured = (PLUGINS_KEY, CONFIG_SECTION) not in context.get("_defaulted_sections", ())
    if configured and is_announced(context.get("tool"), context.get("command")):
        return
    section = get_path(config, ("plugins", CONFIG_SECTION))
    if not isinstance(section, dict):
        return
    for holder in (section, section.get("defaults")):
        if isinstance(holder, dict) and str(holder.get("slack_webhook", "")).startswith("lookup:"):
            del holder["slack_webhook"]


def on_command_finalized(params: tuple[dict[str, Any], dict[str, Any]]) -> None:
    context, config = params
    _safely(context, config, Outcome(True, _seconds(context)))


def on_error(params: tuple[dict[str, Any], dict[str, Any]]) -> None:
    context, config = params
    _safely(context, config, Outcome(False, _seconds(context), str(context.get("error") or "")))


def register() -> None:
    """Remember the start on ``initialized``; announce on ``command_finalized`` (success) and ``error``."""
    fink_signals.initialized.connect(on_initialized)
    fink_signals.config_read_finalized.connect(on_config_read_finalized)
    fink_signals.command_finalized.connect(on_command_finalized)
    fink_signals.error.connect(on_error)


def deregister() -> None:
    fink_signals.initialized.disconnect(on_initialized)
    fink_signals.config_read_finalized.disconnect(on_config_read_finalized)
    fink_signals.command_finalized.disconnect(on_command_finalized)
    fink_signals.error.disconnect(on_error)
