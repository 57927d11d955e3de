"""Small helpers that templates and hooks import (a documented contract: ``fink.utils.get_env``)."""
from __future__ import annotations

import getpass
import os

__all__ = ["get_env", "get_user"]


def get_env() -> str | None:
    """The lower-cased ``ENV`` environment variable (or, as in gcdt, ``env``), or ``None`` when neither is set."""
    env = os.environ.get("ENV", os.environ.get("env"))
    return env.lower() if env else None


def get_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "unknown")
