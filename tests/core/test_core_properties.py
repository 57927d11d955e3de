"""Property-based tests (hypothesis) over CLI arguments, config files, swagger files and bundle folders.

Every generated case must end with a documented exit code and, on failure, one clear ``ERROR:`` message: never a
traceback, never "Unexpected error", never exit 0 with an error, never a hang. The runs are in-process, bounded
(``max_examples``) and deterministic (``derandomize``), so CI sees the same cases every time.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import string
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fink.errors import ExitCode
from fink_testtools.helpers import run_cli

DOCUMENTED = {int(code) for code in ExitCode}
#: FINK_PROPERTY_EXAMPLES=500 searches further (locally); CI runs the same 30 cases per test every time
SETTINGS = settings(max_examples=int(os.environ.get("FINK_PROPERTY_EXAMPLES", "30")), deadline=None,
                    derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
#: the tests that deploy to the emulator or build bundles run fewer cases in CI (the suite's time budget)
FEWER = settings(SETTINGS, max_examples=int(os.environ.get("FINK_PROPERTY_EXAMPLES", "15")))


@contextlib.contextmanager
def _in_temp_folder() -> Iterator[Path]:
    saved = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            yield Path(folder)
        finally:
            os.chdir(saved)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def offline(monkeypatch):
    """AWS at a closed port on 127.0.0.1, one attempt per call: AWS calls fail at once, with a clear message."""
    monkeypatch.setattr("fink.awsclient.MAX_ATTEMPTS", 1)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    for key, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_DEFAULT_REGION": "eu-west-1",
                       "ENV": "dev"}.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def awsclient_once():
    """One AWS client for all examples of a test: botocore loads its service models once, not per example (its
    clients are made on first use, after the other fixtures have pointed the environment at the emulator)."""
    from fink.awsclient import AWSClient
    return AWSClient()


def check(result, verbose: bool = False) -> None:
    """The contract every generated case must keep."""
    text = result.output
    assert result.exit_code in DOCUMENTED, text
    assert "Unexpected error" not in text, text
    if not verbose:
        assert "Traceback" not in text, text
    if result.exit_code not in (0, 2):  # usage errors print the usage text instead of an ERROR line
        assert "ERROR:" in result.stderr, text
    if result.exit_code == 0:
        assert "ERROR:" not in result.stderr, text


# ---- CLI arguments ------------------------------------------------------------------------------------------------
WORDS = ["deploy", "preview", "list", "delete", "generate", "dot", "stop", "start", "version", "clean", "bundle",
         "info", "wire", "unwire", "rollback", "ping", "invoke", "logs", "metrics", "export", "apikey-create",
         "apikey-list", "apikey-delete", "custom-domain-create", "config", "-f", "--json", "--keep", "--no-wait",
         "--tail", "--override-stack-policy", "--delete-logs", "--payload={}", "--payload=file://nope",
         "--start=1h", "--end=yesterday", "--invocation-type=Event", "--outfile=out.json", "fn", "3", "", "-",
         "--", "--payload", "ünïcödé", "'", "\"quoted"]
ARGS = st.lists(st.one_of(st.sampled_from(WORDS), st.text(string.printable, max_size=12)), max_size=5)


@SETTINGS
@given(tool=st.sampled_from(["cloud", "lambda", "api", "code", "fink"]), argv=ARGS)
def test_any_command_line_ends_clearly(offline, awsclient_once, tool, argv):
    with _in_temp_folder():
        result = run_cli(tool, *argv, awsclient=awsclient_once)
    check(result, verbose="-v" in argv or "--verbose" in argv)


# ---- config files -------------------------------------------------------------------------------------------------
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=20))
KEYS = st.one_of(st.sampled_from(["cloud", "lambda", "api", "code", "stack", "StackName", "parameters",
                                  "baseconfig", "hookfile", "plugins", "defaults", "validate", "finkignore",
                                  "bundling", "folders", "zip", "preBundle", "TemplateBody"]),
                 st.text(max_size=10))
DATA = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(KEYS, inner, max_size=4)), max_leaves=20)
YAML_TEXT = st.lists(st.sampled_from(list("abc: -[]{}&*!|>'\"#\n\t ,?%@`0123") + ["\u00e9", "<<", "!Ref ", "&a ",
                                                                               "*a", "\n  "]),
                     max_size=40).map("".join)


@SETTINGS
@given(data=st.dictionaries(KEYS, DATA, max_size=4), fmt=st.sampled_from(["json", "yaml"]),
       command=st.sampled_from([("fink", "config"), ("cloud", "generate"), ("cloud", "preview"),
                                ("lambda", "bundle"), ("api", "deploy"), ("code", "bundle")]))
def test_any_config_data_ends_clearly(offline, awsclient_once, data, fmt, command):
    import yaml
    with _in_temp_folder() as folder:
        text = json.dumps(data) if fmt == "json" else yaml.safe_dump(data)
        (folder / f"fink_dev.{fmt}").write_text(text)
        result = run_cli(*command, awsclient=awsclient_once)
    check(result)


@SETTINGS
@given(text=YAML_TEXT)
def test_any_yaml_config_text_ends_clearly(offline, text):
    with _in_temp_folder() as folder:
        (folder / "fink_dev.yaml").write_text(text)
        result = run_cli("fink", "config")
    check(result)


# ---- swagger files ------------------------------------------------------------------------------------------------
SWAGGER_DATA = st.fixed_dictionaries({}, optional={
    "openapi": st.sampled_from(["3.0.1", "3.1.0", "2.0", "x"]), "swagger": st.sampled_from(["2.0", "1.2"]),
    "info": st.one_of(DATA, st.fixed_dictionaries({"title": st.sampled_from(["{{ api.name }}", "t"]),
                                                   "version": st.just("1")})),
    "paths": st.one_of(DATA, st.dictionaries(st.sampled_from(["/a", "/b/{id}", "x"]), DATA, max_size=3)),
    "host": st.sampled_from(["{{ api.host }}", "{{ nope }}", "h"]),
})


@FEWER
@given(doc=SWAGGER_DATA, as_text=st.one_of(st.none(), YAML_TEXT))
def test_any_swagger_file_ends_clearly(aws, monkeypatch, awsclient_once, doc, as_text):
    import yaml
    monkeypatch.setattr("fink.awsclient.MAX_ATTEMPTS", 1)  # moto answers odd definitions with a 500: no retries
    with _in_temp_folder() as folder:
        (folder / "fink_dev.json").write_text(json.dumps(
            {"api": {"api": {"name": "fink-prop-api", "description": "d", "targetStage": "dev"}}}))
        (folder / "swagger.yaml").write_text(as_text if as_text is not None else yaml.safe_dump(doc))
        result = run_cli("api", "deploy", env={"ENV": "dev"}, awsclient=awsclient_once)
    check(result)


# ---- bundle folders -----------------------------------------------------------------------------------------------
NAME_CHARS = st.sampled_from(list(string.ascii_letters + string.digits + " ._-#()[]{}'\"$&;") +
                             ["\u00e9", "\u4e2d", "\U0001f600"])
NAMES = st.one_of(st.text(NAME_CHARS, min_size=1, max_size=12).filter(lambda n: n not in (".", "..")),
                  st.binary(min_size=1, max_size=6).map(lambda b: os.fsdecode(b.replace(b"/", b"_")
                                                                              .replace(b"\0", b"_")))
                  .filter(lambda n: n not in (".", "..")))
TREE = st.recursive(st.binary(max_size=30), lambda inner: st.dictionaries(NAMES, inner, max_size=4), max_leaves=8)


def _write_tree(folder: Path, tree: dict) -> None:
    for name, node in tree.items():
        path = folder / name
        if isinstance(node, dict):
            path.mkdir(exist_ok=True)
            _write_tree(path, node)
        elif not path.exists():
            path.write_bytes(node)


@FEWER
@given(tree=st.dictionaries(NAMES, TREE, max_size=4), zip_name=st.sampled_from(["bundle.zip", "src", "no/x.zip"]))
def test_any_bundle_folder_ends_clearly(offline, awsclient_once, tree, zip_name):
    with _in_temp_folder() as folder:
        (folder / "src").mkdir()
        (folder / "src" / "app.py").write_text("def handler(event, context):\n    return 'alive'\n")
        _write_tree(folder / "src", tree)
        (folder / "fink_dev.json").write_text(json.dumps({"lambda": {
            "lambda": {"name": "fink-prop", "role": "arn:aws:iam::123456789012:role/r", "handlerFunction": "app.x",
                       "handlerFile": "src/app.py", "runtime": "python3.12"},
            "bundling": {"zip": zip_name, "folders": [{"source": "src", "target": ""}]}}}))
        result = run_cli("lambda", "bundle", awsclient=awsclient_once)
    check(result)
