"""The one error map: foreseeable exceptions that are not :class:`~fink.errors.FinkError` become one.

The entry module (``fink.cli``) hands every exception that escapes a command to :func:`translate`; the AWS seam
(:func:`fink.awsclient.aws_errors`) uses :func:`botocore_error` for botocore's own (non-``ClientError``) failures.
What comes back is one sentence naming the cause, a hint naming the next step, and the documented exit code.
``None`` means "not foreseeable": a real bug, which the entry module reports as "Unexpected error".

Rules: the table below is the only place that knows these exception types. It matches by class name along the
MRO, so botocore and yaml are never imported here (``--help`` stays fast). ``SystemExit`` and
``KeyboardInterrupt`` raised by user code (``cloudformation.py``, ``fink_<env>.py``, hook files) are reported with
the file and line that raised them, never as a silent exit 0.
"""
from __future__ import annotations

import os
import sys
import traceback
from typing import Any, Callable

from .errors import AWSError, AWSUnreachableError, ConfigError, ExitCode, FinkError

__all__ = ["translate", "botocore_error", "user_frame", "UserCodeExit", "UserCodeInterrupt", "CredentialsError",
           "NETWORK_HINT"]

NETWORK_HINT = ("Check the network connection, the region and AWS_ENDPOINT_URL (if set), then run the command "
                "again.")
_CREDENTIALS_HINT = ("Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (`aws configure list` "
                     "shows what is found).")


class UserCodeExit(FinkError):
    """User code (a template, a Python config, a hook) called ``sys.exit()``."""


class UserCodeInterrupt(FinkError):
    """User code raised ``KeyboardInterrupt`` itself (not fink's signal handler)."""

    exit_code = ExitCode.INTERRUPTED


class CredentialsError(ConfigError):
    """No usable credentials, profile or region: not about the thing asked for."""


def _names(exc: BaseException) -> set[str]:
    return {f"{cls.__module__}.{cls.__qualname__}" for cls in type(exc).__mro__}


# ---- user code ----------------------------------------------------------------------------------------------------
def _fink_roots() -> tuple[str, ...]:
    """Folders that hold fink's and Python's own code: frames there are not user code."""
    roots = {os.path.dirname(os.__file__), sys.prefix, sys.base_prefix, os.path.dirname(os.path.dirname(__file__))}
    for name in ("fink_cloud", "fink_lambda", "fink_api", "fink_code", "fink_testtools", "blinker", "docopt"):
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None)
        if origin:
            roots.add(os.path.dirname(os.path.dirname(origin)))
    return tuple(os.path.join(os.path.abspath(r), "") for r in roots if r)


def _is_user_file(filename: str, roots: tuple[str, ...]) -> bool:
    from .hooks import user_files
    path = os.path.abspath(filename)
    if path in user_files():
        return True
    if filename.startswith("<") or path.startswith(roots):
        return False
    return path.startswith(os.path.join(os.getcwd(), ""))


def user_frame(tb: Any) -> tuple[str, int] | None:
    """``(file name, line)`` of the innermost frame in user code (a file fink loaded, or one in the working folder)."""
    roots = _fink_roots()
    found = None
    for frame in traceback.extract_tb(tb):
        if _is_user_file(frame.filename, roots):
            found = (os.path.basename(frame.filename), frame.lineno or 0)
    return found


def _where(exc: BaseException) -> str:
    frame = user_frame(exc.__traceback__)
    return f"{frame[0]}, line {frame[1]}" if frame else "code run by fink (a plugin or a hook)"


def _system_exit(exc: BaseException) -> FinkError:
    code = getattr(exc, "code", None)
    return UserCodeExit(f"{_where(exc)} called sys.exit({'' if code is None else repr(code)}): the command was "
                        "stopped before it finished.",
                        hint="Raise an exception with a message instead of calling sys.exit() in fink's user code.")


def _keyboard_interrupt(exc: BaseException) -> FinkError:
    frame = user_frame(exc.__traceback__)
    if frame is None:
        return UserCodeInterrupt("Interrupted (KeyboardInterrupt): the command was stopped before it finished.")
    return UserCodeInterrupt(f"{frame[0]}, line {frame[1]} raised KeyboardInterrupt: the command was stopped "
                             "before it finished.", hint="Do not raise KeyboardInterrupt in fink's user code.")


# ---- botocore -----------------------------------------------------------------------------------------------------
def _endpoint(exc: BaseException) -> str:
    kwargs = getattr(exc, "kwargs", None) or {}
    return str(kwargs.get("endpoint_url") or "")


def botocore_error(exc: BaseException, what: str = "") -> FinkError:
    """A botocore exception (anything but ``ClientError``) as a FinkError; ``what`` names the failed step."""
    names = _names(exc)
    prefix = f"{what} failed: " if what else ""
    where = f" at {_endpoint(exc)}" if _endpoint(exc) else ""
    if names & {"botocore.exceptions.NoCredentialsError", "botocore.exceptions.PartialCredentialsError",
                "botocore.exceptions.CredentialRetrievalError"}:
        return CredentialsError(f"{prefix}no usable AWS credentials ({exc}).", hint=_CREDENTIALS_HINT)
    if "botocore.exceptions.ProfileNotFound" in names:
        return CredentialsError(f"{prefix}{exc}.", hint="Check AWS_PROFILE against the profiles in ~/.aws/config.")
    if "botocore.exceptions.NoRegionError" in names:
        return CredentialsError(f"{prefix}no AWS region configured.",
                           hint="Set AWS_DEFAULT_REGION or a region in your AWS profile.")
    if "botocore.exceptions.ParamValidationError" in names:
        report = str(getattr(exc, "kwargs", {}).get("report") or exc).strip().replace("\n", " ")
        return ConfigError(f"{prefix}a value is not valid for AWS: {report}",
                           hint="Check the names and values in your fink_<env> config and on the command line.")
    if names & {"botocore.exceptions.ReadTimeoutError", "botocore.exceptions.ConnectTimeoutError"}:
        return AWSUnreachableError(f"{prefix}AWS did not answer in time{where}.", hint=NETWORK_HINT, code="Timeout")
    if names & {"botocore.exceptions.EndpointConnectionError", "botocore.exceptions.ConnectionError",
                "botocore.exceptions.HTTPClientError", "botocore.exceptions.ConnectionClosedError"}:
        return AWSUnreachableError(f"{prefix}could not connect to AWS{where}.", hint=NETWORK_HINT,
                                   code="ConnectionError")
    if "botocore.parsers.ResponseParserError" in names:
        return AWSError(f"{prefix}the answer from AWS{where} could not be read (not the expected format).",
                        hint="Check AWS_ENDPOINT_URL: it must point at AWS or an AWS emulator; then run the command "
                             "again.", code="ResponseParserError")
    if "botocore.exceptions.UnknownServiceError" in names or "botocore.exceptions.InvalidRegionError" in names:
        return ConfigError(f"{prefix}{exc}", hint="Check the region and the AWS service names in your config.")
    if "botocore.exceptions.ClientError" in names:
        error = (getattr(exc, "response", None) or {}).get("Error", {})
        return AWSError(f"{prefix or 'AWS refused a request: '}{error.get('Message') or exc} ({error.get('Code')})",
                        code=str(error.get("Code", "")), aws_message=str(error.get("Message", "")))
    return AWSError(f"{prefix}{exc}", hint=NETWORK_HINT if "retries" in str(exc).lower() else None)


# ---- files, text and parsers --------------------------------------------------------------------------------------
_PATH_PROBLEMS = {"FileNotFoundError": "does not exist", "IsADirectoryError": "is a folder, not a file",
                  "NotADirectoryError": "has a part that is not a folder", "PermissionError": "may not be accessed",
                  "FileExistsError": "already exists"}


def _os_error(exc: BaseException) -> FinkError:
    filename = getattr(exc, "filename", None)
    problem = next((text for name, text in _PATH_PROBLEMS.items() if f"builtins.{name}" in _names(exc)), None)
    shown = os.fsdecode(filename) if isinstance(filename, bytes) else filename
    if shown is not None and problem:
        return ConfigError(f"The path '{shown}' {problem} ({getattr(exc, 'strerror', None) or exc}).",
                           hint="Check the file and folder names in your fink_<env> config and in the working "
                                f"folder {os.getcwd()}.")
    detail = getattr(exc, "strerror", None) or str(exc)
    target = f" ('{shown}')" if shown else ""
    return FinkError(f"The operating system refused a file operation{target}: {detail}.",
                     hint="Free disk space or fix the permissions, then run the command again.")


def _unicode(exc: BaseException) -> FinkError:
    obj = getattr(exc, "object", b"")
    start, end = getattr(exc, "start", 0), getattr(exc, "end", 0)
    if isinstance(obj, str):  # encoding a name read with surrogateescape: a file name that is not UTF-8
        name = obj.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return ConfigError(f"The name '{name}' is not valid UTF-8 (byte {obj[start:end]!r} at position {start}).",
                           hint="Rename the file or folder to a UTF-8 name, or exclude it (.finkignore).")
    return ConfigError(f"A file is not valid UTF-8 text (byte {bytes(obj[start:end])!r} at position {start}).",
                       hint="Save it as UTF-8; files fink reads as text (config, templates, swagger.yaml) must be "
                            "UTF-8.")


def _yaml(exc: BaseException) -> FinkError:
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
    problem = " ".join(str(p) for p in (getattr(exc, "context", None), getattr(exc, "problem", None)) if p)
    return ConfigError(f"Invalid YAML{where}: {problem or exc}", hint="Fix the YAML syntax at the place named.")


def _json(exc: BaseException) -> FinkError:
    return ConfigError(f"Invalid JSON (line {getattr(exc, 'lineno', '?')}, column {getattr(exc, 'colno', '?')}): "
                       f"{getattr(exc, 'msg', exc)}", hint="Fix the JSON syntax at the place named.")


def _recursion(exc: BaseException) -> FinkError:
    return ConfigError("An input is nested too deeply to be processed (Python's recursion limit was reached).",
                       hint="Flatten the nesting in your config, template or swagger file (fink accepts "
                            "100 levels).")


def _from_shlex(exc: BaseException) -> bool:
    return any(os.path.basename(f.filename) == "shlex.py" for f in traceback.extract_tb(exc.__traceback__))


def _shlex(exc: BaseException) -> FinkError:
    return ConfigError(f"A command line in the config cannot be split into words: {exc}.",
                       hint="Balance the quotes (or escape them with \\) in the command, e.g. in bundling.preBundle.")


_TABLE: list[tuple[Callable[[BaseException, set[str]], bool], Callable[[BaseException], FinkError]]] = [
    (lambda e, n: "builtins.SystemExit" in n, _system_exit),
    (lambda e, n: "builtins.KeyboardInterrupt" in n, _keyboard_interrupt),
    (lambda e, n: any(name.startswith(("botocore.exceptions.", "botocore.parsers.")) for name in n),
     botocore_error),
    (lambda e, n: "builtins.RecursionError" in n, _recursion),
    (lambda e, n: "builtins.UnicodeError" in n, _unicode),
    (lambda e, n: "builtins.OSError" in n, _os_error),
    (lambda e, n: "yaml.error.YAMLError" in n, _yaml),
    (lambda e, n: "json.decoder.JSONDecodeError" in n, _json),
    (lambda e, n: "builtins.ValueError" in n and _from_shlex(e), _shlex),
]


def translate(exc: BaseException) -> FinkError | None:
    """The FinkError for a foreseeable exception (``exc`` itself if it is one); ``None`` for a real bug."""
    if isinstance(exc, FinkError):
        return exc
    names = _names(exc)
    for matches, build in _TABLE:
        if matches(exc, names):
            return build(exc)
    return None
