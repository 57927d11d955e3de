"""One family of typed errors and the exit codes they map to.

Every expected failure is a ``FinkError`` subclass carrying its own exit code; the entry module turns it into one
message and one exit code in one place (``fink.cli``). Nothing else prints tracebacks.
"""
from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ExitCode", "FinkError", "UsageError", "ConfigError", "PluginError", "AWSError", "AWSUnreachableError",
    "FinkTimeoutError", "GracefulExit",
]


class ExitCode(IntEnum):
    """Exit codes are an API: scripts and CI pipelines depend on them."""

    SUCCESS = 0        #: the command did what was asked (``no changes`` included)
    FAILURE = 1        #: the command failed (AWS refused, a deployment failed, ...)
    USAGE = 2          #: the command line was wrong (docopt usage error)
    CONFIG = 3         #: configuration missing or invalid (ENV, config file, validation, lookups)
    DIFFERENCES = 4    #: a check ran and found differences (``cloud drift``: the stack has drifted)
    INTERRUPTED = 130  #: SIGINT/SIGTERM stopped the command (128 + SIGINT, as shells do)


class FinkError(Exception):
    """Base of all expected failures: ``message`` says what failed, ``hint`` what to do next."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class UsageError(FinkError):
    exit_code = ExitCode.USAGE


class ConfigError(FinkError):
    exit_code = ExitCode.CONFIG


class PluginError(FinkError):
    """A plugin could not be loaded or broke the plugin contract."""


class FinkTimeoutError(FinkError):
    """Waiting for AWS took longer than the configured timeout."""


class AWSError(FinkError):
    """AWS refused a call. Raised only by the seam modules, which are the only ones looking into ClientError."""

    def __init__(self, message: str, *, service: str = "", operation: str = "", code: str = "",
                 aws_message: str = "", hint: str | None = None):
        super().__init__(message, hint=hint)
        self.service = service
        self.operation = operation
        self.code = code
        self.aws_message = aws_message


class AWSUnreachableError(AWSError):
    """AWS could not be reached or did not answer (network, endpoint, timeout): a failure of the environment, not
    of what was asked. Steps that turn ordinary AWS errors into their own reports (a lookup that "failed") let this
    one through unchanged, so the user reads the network cause and its hint, with exit code 1."""


class GracefulExit(BaseException):
    """Raised inside the running command by the SIGINT/SIGTERM handler.

    It derives from ``BaseException`` (like ``KeyboardInterrupt``) so that a broad ``except Exception`` in a tool
    cannot swallow it. Tools catch it where they can cancel what they started, then re-raise it.
    """

    exit_code = ExitCode.INTERRUPTED

    def __init__(self, signal_name: str = "SIGINT"):
        super().__init__(signal_name)
        self.signal_name = signal_name
