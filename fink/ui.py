"""All console output goes through here: streams, TTY detection, colour, live status lines and secret masking.

Rules: only the UI prints. Results (tables, JSON, paths) go to stdout; messages, progress and logs go to stderr, so
``--json`` output stays parseable. Values registered as secrets are replaced by ``****`` in everything written by
fink, including ``print()`` calls of plugins and hooks (the run installs :class:`MaskingStream` wrappers) and log
records (:class:`MaskingFilter`).
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Iterable, TextIO

if TYPE_CHECKING:  # logging and json are imported when used: every console script imports this module
    import logging

__all__ = ["UI", "Secrets", "MaskingStream", "MaskingFilter", "MASK", "use_color", "derived_forms"]

MASK = "****"
_COLORS = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "bold": "1", "dim": "2"}


def use_color(stream: TextIO, environ: dict | None = None) -> bool:
    """Colour only on a TTY and never when ``NO_COLOR`` is set (https://no-color.org)."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR") is not None:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def derived_forms(text: str) -> set[str]:
    """The forms a secret takes once it has gone through an encoder: JSON-escaped (twice, for JSON inside JSON),
    Python repr/ascii (also of its UTF-8 bytes), URL-encoded and shell-quoted. Each one is masked like the secret,
    so an error message quoting ``repr(value)`` or a URL carrying it leaks nothing."""
    import json
    import shlex
    from urllib.parse import quote, quote_plus
    forms = {text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1], repr(text)[1:-1],
             ascii(text)[1:-1], repr(text.encode("utf-8"))[2:-1], quote(text, safe=""), quote(text),
             quote_plus(text), shlex.quote(text)}
    forms |= {json.dumps(f)[1:-1] for f in list(forms)}
    return forms


class Secrets:
    """The set of secret values seen in this run, with their derived forms (:func:`derived_forms`); masked
    longest first so overlapping secrets mask fully."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._ordered: list[str] | None = None

    def add(self, value: Any) -> None:
        text = str(value)
        if len(text) >= 3:  # masking 1-2 character strings would garble every message
            self._values |= {f for f in derived_forms(text) if len(f) >= 3}
            self._ordered = None

    def __contains__(self, value: Any) -> bool:
        return str(value) in self._values

    def mask(self, text: str) -> str:
        if self._ordered is None:
            self._ordered = sorted(self._values, key=len, reverse=True)
        for value in self._ordered:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self._values)


class MaskingStream:
    """A text stream wrapper that masks secrets in everything written to it."""

    def __init__(self, stream: TextIO, secrets: Secrets):
        self._stream = stream
        self._secrets = secrets

    def write(self, text: str) -> int:
        self._stream.write(self._secrets.mask(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class MaskingFilter:
    """Masks secrets in log records (message and arguments are merged first); a logging filter object."""

    def __init__(self, secrets: Secrets):
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            record.msg = self._secrets.mask(record.getMessage())
            record.args = None
        return True


class UI:
    """Console I/O of one run. Handed to commands and plugins as ``context['_ui']``."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None, *, verbose: bool = False,
                 environ: dict | None = None, secrets: Secrets | None = None):
        self.secrets = secrets or Secrets()
        self._out = out
        self._err = err
        self.verbose = verbose
        self._environ = os.environ if environ is None else environ
        self._status_lines = 0  # lines of the live status (line or block) currently on screen
        self._last_progress: str | None = None

    # streams are looked up late so pytest's capsys and our own MaskingStream wrappers are honoured
    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    @property
    def err(self) -> TextIO:
        return self._err or sys.stderr

    def pin_streams(self, out: TextIO, err: TextIO) -> None:
        """Fix the streams that are still unset (the run redirects sys.stdout/sys.stderr meanwhile)."""
        self._out = self._out or out
        self._err = self._err or err

    @property
    def is_tty(self) -> bool:
        isatty = getattr(self.err, "isatty", None)
        return bool(isatty and isatty())

    @property
    def color(self) -> bool:
        return use_color(self.err, self._environ)

    def register_secret(self, value: Any) -> None:
        """Values registered here (and their escaped, quoted and encoded forms) are replaced by ``****`` wherever
        fink writes."""
        self.secrets.add(value)

    def is_secret(self, value: Any) -> bool:
        """Is ``value`` a registered secret (or one of its derived forms)?"""
        return value is not None and value in self.secrets

    def mask(self, text: str) -> str:
        return self.secrets.mask(text)

    def style(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        codes = ";".join(_COLORS[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    # ---- results (stdout) ---------------------------------------------------------------------------------------
    def print(self, text: str = "") -> None:
        self._clear_status()
        self.out.write(self.mask(text) + "\n")
        self.out.flush()

    def json(self, data: Any) -> None:
        """Secrets are masked in the values before encoding: JSON escapes quotes, backslashes and non-ASCII
        characters, so a secret holding one of them would no longer be found in the encoded text."""
        import json
        self.print(json.dumps(self._masked(data), indent=2, sort_keys=True, default=str))

    def _masked(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.mask(data)
        if isinstance(data, dict):
            return {self._masked(k) if isinstance(k, str) else k: self._masked(v) for k, v in data.items()}
        if isinstance(data, (list, tuple)):
            return [self._masked(v) for v in data]
        return data

    # ---- messages (stderr) --------------------------------------------------------------------------------------
    def _message(self, text: str) -> None:
        self._clear_status()
        self.err.write(self.mask(text) + "\n")
        self.err.flush()

    def info(self, text: str) -> None:
        self._message(text)

    def success(self, text: str) -> None:
        self._message(self.style(text, "green"))

    def warn(self, text: str) -> None:
        self._message(self.style(f"WARNING: {text}", "yellow"))

    def error(self, text: str) -> None:
        self._message(self.style(f"ERROR: {text}", "red"))

    def debug(self, text: str) -> None:
        if self.verbose:
            self._message(self.style(f"DEBUG: {text}", "dim"))

    # ---- live progress ------------------------------------------------------------------------------------------
    def status(self, text: str) -> None:
        """A compact status line redrawn in place on a TTY; ignored elsewhere (callers log plain lines there)."""
        if not self.is_tty:
            return
        if self._status_lines > 1:
            self._clear_status()
        self.err.write("\r\x1b[K" + self.mask(text))
        self.err.flush()
        self._status_lines = 1

    def status_block(self, lines: list[str]) -> None:
        """Several live lines redrawn in place on a TTY (one per job running in parallel); ignored elsewhere."""
        if not self.is_tty or not lines:
            return
        self._clear_status()
        self.err.write("\n".join(self.mask(line) for line in lines))
        self.err.flush()
        self._status_lines = len(lines)

    def progress(self, text: str) -> None:
        """Progress of a long wait: the in-place status line on a TTY; elsewhere (CI logs) one plain line each time
        the text changes, so a log shows every step once and no spinner noise."""
        if self.is_tty:
            self.status(text)
        elif text != self._last_progress:
            self.info(text)
        self._last_progress = text

    def _clear_status(self) -> None:
        if self._status_lines == 1:
            self.err.write("\r\x1b[K")
        elif self._status_lines > 1:  # back to the block's first line, then clear to the end of the screen
            self.err.write(f"\r\x1b[{self._status_lines - 1}A\x1b[J")
        self._status_lines = 0

    def end_status(self) -> None:
        self._clear_status()

    # ---- prompts ------------------------------------------------------------------------------------------------
    def lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.print(line)
