"""Secret taint: a registered secret is masked in every form an encoder gives it (issue 12)."""
import io
import json
import shlex
from urllib.parse import quote, quote_plus

import pytest

from fink.ui import UI

SECRETS = ['pa"ss\\wörd', "it's a secret", "ünïcødé-only", "plain-secret-1", "sp ace&amp=1/2?", "tab\there\nnl"]
ENCODERS = {
    "verbatim": lambda s: s,
    "json": json.dumps,
    "json-utf8": lambda s: json.dumps(s, ensure_ascii=False),
    "json-in-json": lambda s: json.dumps({"body": json.dumps({"v": s})}),
    "repr": repr,
    "ascii": ascii,
    "bytes-repr": lambda s: repr(s.encode("utf-8")),
    "url": lambda s: quote(s, safe=""),
    "url-path": quote,
    "url-plus": quote_plus,
    "shell": shlex.quote,
    "exception": lambda s: str(ValueError(f"bad value {s!r}")),
    "dict-repr": lambda s: str({"Password": s}),
}


@pytest.mark.parametrize("secret", SECRETS)
def test_every_derived_form_of_a_secret_is_masked(secret):
    ui = UI(io.StringIO(), io.StringIO(), environ={})
    ui.register_secret(secret)
    for name, encode in ENCODERS.items():
        text = f"before {encode(secret)} after"
        masked = ui.mask(text)
        assert "****" in masked, name
        for other in ENCODERS.values():
            core = other(secret).strip("'\"")
            assert core not in masked, (name, core)


def test_short_values_are_not_masked_and_is_secret_knows_the_forms():
    ui = UI(io.StringIO(), io.StringIO(), environ={})
    ui.register_secret("ab")
    ui.register_secret('q"x')
    assert ui.mask("ab cd") == "ab cd"
    assert ui.is_secret('q"x') and ui.is_secret('q\\"x') and not ui.is_secret("other") and not ui.is_secret(None)
