"""The bundler's plugin entry (``fink.plugins``: ``bundler``): connects to the lifecycle's bundle signals.

Every fink command loads every plugin, and few of them bundle: this module imports nothing of the bundling engine
(collector, installers, member cache, zip writer: about 10 ms of CPU) until a ``lambda`` or ``code`` command sends a
bundle signal. The work itself is :mod:`fink_bundler.bundler`'s.
"""
from __future__ import annotations

from fink import fink_signals

__all__ = ["TOOLS", "register", "deregister"]

TOOLS = ("lambda", "code")  #: the tools whose commands bundle


def _bundles(payload: tuple[dict, dict]) -> bool:
    return payload[0].get("tool") in TOOLS


def on_bundle_pre(payload: tuple[dict, dict]) -> None:
    if _bundles(payload):
        from . import bundler
        bundler.on_bundle_pre(payload)


def on_bundle_init(payload: tuple[dict, dict]) -> None:
    if _bundles(payload):
        from . import bundler
        bundler.on_bundle_init(payload)


def register() -> None:
    fink_signals.bundle_pre.connect(on_bundle_pre)
    fink_signals.bundle_init.connect(on_bundle_init)


def deregister() -> None:
    fink_signals.bundle_pre.disconnect(on_bundle_pre)
    fink_signals.bundle_init.disconnect(on_bundle_init)
