"""Console behaviour (colour, TTY status lines, secret masking) and the injected clock's poller."""
import io
import json

import pytest

from fink.clock import Backoff, FakeClock, Poller
from fink.errors import FinkTimeoutError
from fink.ui import UI, MaskingStream
from fink_testtools.helpers import TTYStringIO


def test_colour_only_on_a_tty_and_never_with_no_color():
    assert UI(io.StringIO(), io.StringIO(), environ={}).color is False
    assert UI(TTYStringIO(), TTYStringIO(), environ={}).color is True
    assert UI(TTYStringIO(), TTYStringIO(), environ={"NO_COLOR": "1"}).color is False


def test_warnings_and_errors_are_prefixed_and_plain_off_tty():
    err = io.StringIO()
    ui = UI(io.StringIO(), err, environ={})
    ui.warn("careful")
    ui.error("broken")
    assert err.getvalue() == "WARNING: careful\nERROR: broken\n"


def test_status_redraws_in_place_on_a_tty_and_is_silent_elsewhere():
    tty = TTYStringIO()
    ui = UI(io.StringIO(), tty, environ={"NO_COLOR": "1"})
    ui.status("1/3 done")
    ui.status("2/3 done")
    ui.info("finished")
    assert tty.getvalue() == "\r\x1b[K1/3 done\r\x1b[K2/3 done\r\x1b[Kfinished\n"
    plain = io.StringIO()
    UI(io.StringIO(), plain, environ={}).status("1/3 done")
    assert plain.getvalue() == ""


def test_secrets_are_masked_in_ui_output_print_and_logs():
    out, err = io.StringIO(), io.StringIO()
    ui = UI(out, err, environ={})
    ui.register_secret("s3cr3t-value")
    ui.print("token=s3cr3t-value")
    MaskingStream(out, ui.secrets).write("print s3cr3t-value\n")
    assert "s3cr3t-value" not in out.getvalue() and out.getvalue().count("****") == 2


def test_poller_backs_off_and_times_out_on_the_fake_clock():
    clock = FakeClock()
    answers = iter([None, None, None, "done"])
    assert Poller(clock, Backoff(initial=1, factor=2, maximum=3)).poll(lambda: next(answers)) == "done"
    assert clock.sleeps == [1, 2, 3]
    with pytest.raises(FinkTimeoutError, match="Timed out after 10s waiting for the stack"):
        Poller(clock, Backoff(initial=1, factor=2, maximum=4, timeout=10)).poll(lambda: None, what="the stack")


def test_secrets_are_masked_in_json_results_even_when_json_escapes_them():
    out = io.StringIO()
    ui = UI(out, io.StringIO(), environ={})
    secret = 'pa"ss\\wörd'
    ui.register_secret(secret)
    ui.json({"password": secret, "list": [f"x {secret} y"], secret: 1})
    assert json.loads(out.getvalue()) == {"password": "****", "list": ["x **** y"], "****": 1}
