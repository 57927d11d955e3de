"""The one error map: every foreseeable failure ends in one message with its cause, the next step and the documented
exit code; "Unexpected error" stays for real bugs. Run through the real CLI in-process (moto where AWS is needed)."""
from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

from fink.error_map import translate
from fink.errors import ExitCode

LAMBDA = {"name": "fink-em", "role": "arn:aws:iam::123456789012:role/r", "handlerFunction": "app.handler",
          "handlerFile": "src/app.py", "runtime": "python3.12"}
PY_BUNDLE = {"lambda": {"lambda": LAMBDA, "bundling": {"folders": [{"source": "src", "target": ""}]}}}


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("ENV", "dev")


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return path


def _config(folder: Path, data: dict) -> None:
    _write(folder, "fink_dev.json", json.dumps(data))


def _clear(result, code: int, *needles: str) -> None:
    """The user-visible contract: the documented code, one ERROR line with the cause, no traceback, no bug report."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "Unexpected error" not in result.output, result.output
    assert result.stderr.count("ERROR:") == 1, result.output
    for needle in needles:
        assert needle in result.stderr, result.output


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


# ---- AWS: unreachable endpoint, credentials, parameter validation ------------------------------------------------
@pytest.mark.parametrize("argv", [("cloud", "list"), ("cloud", "deploy"), ("lambda", "list"), ("api", "list"),
                                  ("lambda", "wire"), ("code", "deploy"), ("fink", "config")])
def test_unreachable_endpoint_is_one_clear_sentence(argv, temp_folder, run_cli, monkeypatch, fake_clock):
    # a refused connection is retried (it certainly did no work) on the run's fake clock: no real waiting
    url = f"http://127.0.0.1:{_closed_port()}"
    _config(temp_folder, {"cloud": {"stack": {"StackName": "s", "TemplateBody": '{"Resources": {}}'}},
                          "lambda": {"lambda": {**LAMBDA, "events": [
                              {"event_source": {"arn": "arn:aws:sns:eu-west-1:123456789012:t"}}]}},
                          "api": {"api": {"name": "a", "description": "d", "targetStage": "dev"}},
                          "code": {"codedeploy": {"applicationName": "lookup:stack:infra:App",
                                                  "deploymentGroupName": "g", "artifactsBucket": "b"}}})
    env = {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
           "AWS_DEFAULT_REGION": "eu-west-1"}
    result = run_cli(*argv, env=env, clock=fake_clock)
    _clear(result, ExitCode.FAILURE, f"could not connect to AWS at {url}", "Check the network connection")


def test_missing_credentials_are_a_configuration_error(temp_folder, run_cli, tmp_path):
    env = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None, "AWS_PROFILE": None,
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_DEFAULT_REGION": "eu-west-1",
           "AWS_CONTAINER_CREDENTIALS_FULL_URI": None, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None}
    result = run_cli("cloud", "list", env=env)
    _clear(result, ExitCode.CONFIG, "no usable AWS credentials", "AWS_PROFILE")


def test_invalid_bucket_name_is_a_configuration_error(aws, temp_folder, run_cli, fake_clock):
    _config(temp_folder, {"cloud": {"stack": {"StackName": "s", "artifactBucket": "Not a bucket!",
                                              "TemplateBody": '{"Resources": {}}'}}})
    result = run_cli("cloud", "deploy", clock=fake_clock)
    _clear(result, ExitCode.CONFIG, "a value is not valid for AWS", "Invalid bucket name")


# ---- files, encodings, parsers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("zip_name, needle", [("missing/bundle.zip", "does not exist"),
                                              ("src", "is a folder")])
def test_bundle_zip_path_problems_name_the_path(zip_name, needle, temp_folder, run_cli):
    _write(temp_folder, "src/app.py", "def handler(event, context):\n    return 'alive'\n")
    config = json.loads(json.dumps(PY_BUNDLE))
    config["lambda"]["bundling"]["zip"] = zip_name
    _config(temp_folder, config)
    result = run_cli("lambda", "bundle")
    _clear(result, ExitCode.CONFIG, needle)


def test_non_utf8_file_name_in_a_bundle_folder(temp_folder, run_cli):
    _write(temp_folder, "src/app.py", "x = 1\n")
    (temp_folder / "src").joinpath(os.fsdecode(b"caf\xe9.py")).write_text("y = 2\n")
    _config(temp_folder, PY_BUNDLE)
    result = run_cli("lambda", "bundle")
    _clear(result, ExitCode.CONFIG, "is not valid UTF-8", "caf")


def test_non_utf8_swagger_file(aws, temp_folder, run_cli):
    _config(temp_folder, {"api": {"api": {"name": "a", "description": "d", "targetStage": "dev"}}})
    _write(temp_folder, "swagger.yaml", b"openapi: 3.0.1\ninfo: {title: caf\xe9}\n")
    result = run_cli("api", "deploy")
    _clear(result, ExitCode.CONFIG, "swagger.yaml is not valid UTF-8", "Save the file as UTF-8")


def test_unbalanced_quote_in_a_prebundle_command(temp_folder, run_cli):
    _write(temp_folder, "src/app.py", "x = 1\n")
    config = json.loads(json.dumps(PY_BUNDLE))
    config["lambda"]["bundling"]["preBundle"] = ["echo 'unbalanced"]
    _config(temp_folder, config)
    result = run_cli("lambda", "bundle")
    _clear(result, ExitCode.CONFIG, "echo 'unbalanced", "cannot be split into words", "Balance the quotes")


@pytest.mark.parametrize("name, text", [
    ("fink_dev.json", "[" * 5000 + "]" * 5000),
    ("fink_dev.yaml", "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 300)) + "  " * 300 + "x: 1\n"),
    ("fink_dev.yaml", "a: " + "[" * 3000 + "]" * 3000 + "\n"),
])
def test_absurd_nesting_in_a_config_is_refused(name, text, temp_folder, run_cli):
    _write(temp_folder, name, text)
    result = run_cli("fink", "config")
    _clear(result, ExitCode.CONFIG, name, "nested more than 100 levels deep")


def test_deep_data_from_a_python_config_is_refused(temp_folder, run_cli):
    _write(temp_folder, "fink_dev.py", "def generate_config():\n    d = {}\n    for _ in range(5000):\n"
                                       "        d = {'k': d}\n    return {'cloud': d}\n")
    result = run_cli("fink", "config")
    _clear(result, ExitCode.CONFIG, "fink_dev.py: generate_config()", "nested more than 100 levels deep")


def test_yaml_alias_bomb_is_refused_quickly(temp_folder, run_cli):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    _write(temp_folder, "fink_dev.yaml", "\n".join(lines) + "\ncloud:\n  stack: {StackName: s}\n  x: *a9\n")
    started = time.monotonic()
    result = run_cli("cloud", "preview")
    assert time.monotonic() - started < 5
    _clear(result, ExitCode.CONFIG, "fink_dev.yaml", "billion laughs")


def test_recursive_yaml_alias_is_refused(temp_folder, run_cli):
    _write(temp_folder, "fink_dev.yaml", "cloud: &c\n  stack: {StackName: s}\n  self: *c\n")
    result = run_cli("fink", "config")
    _clear(result, ExitCode.CONFIG, "fink_dev.yaml", "alias refers to a value that contains it")


def test_yaml_anchors_within_bounds_still_work(temp_folder, run_cli):
    _write(temp_folder, "fink_dev.yaml", "finkignore: &ig ['*.pyc', '*.tmp']\n"
                                         "cloud:\n  stack: {StackName: s}\n  parameters: {Zones: *ig}\n")
    result = run_cli("fink", "config", "cloud")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["parameters"] == {"Zones": ["*.pyc", "*.tmp"]}


def test_yaml_template_with_short_form_tags_loads_as_long_form(temp_folder, run_cli):
    _write(temp_folder, "template.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"
                                         "    Properties: {BucketName: !Sub '${AWS::StackName}-b'}\n"
                                         "Outputs:\n  A: {Value: !GetAtt B.Arn}\n  R: {Value: !Ref B}\n"
                                         "  J: {Value: !Join ['-', [!Ref B, x]]}\n")
    _config(temp_folder, {"cloud": {"stack": {"StackName": "s", "TemplateBody": "template.yaml"}}})
    result = run_cli("cloud", "generate")
    assert result.exit_code == 0, result.output
    template = json.loads((temp_folder / "s-generated-cf-template.json").read_text())
    assert template["Resources"]["B"]["Properties"] == {"BucketName": {"Fn::Sub": "${AWS::StackName}-b"}}
    assert template["Outputs"] == {"A": {"Value": {"Fn::GetAtt": ["B", "Arn"]}}, "R": {"Value": {"Ref": "B"}},
                                   "J": {"Value": {"Fn::Join": ["-", [{"Ref": "B"}, "x"]]}}}


def test_short_form_tags_in_a_config_file_say_where_they_belong(temp_folder, run_cli):
    _write(temp_folder, "fink_dev.yaml", "cloud:\n  stack: {StackName: !Ref x}\n")
    result = run_cli("fink", "config")
    _clear(result, ExitCode.CONFIG, "fink_dev.yaml, line 2", "only in CloudFormation templates")


# ---- user code that exits or interrupts --------------------------------------------------------------------------
@pytest.mark.parametrize("body, line", [
    ("import sys\ndef generate_template():\n    sys.exit(0)\n", 3),
    ("import sys\nsys.exit(0)\n", 2),
])
def test_sys_exit_in_cloudformation_py_fails_and_names_the_file(body, line, aws, temp_folder, run_cli, fake_clock):
    _write(temp_folder, "cloudformation.py", body)
    _config(temp_folder, {"cloud": {"stack": {"StackName": "s"}}})
    result = run_cli("cloud", "deploy", clock=fake_clock)
    _clear(result, ExitCode.FAILURE, f"cloudformation.py, line {line} called sys.exit(0)")
    import boto3
    assert boto3.client("cloudformation").list_stacks()["StackSummaries"] == []


def test_sys_exit_in_a_python_config(temp_folder, run_cli):
    _write(temp_folder, "fink_dev.py", "import sys\n\ndef generate_config():\n    sys.exit(3)\n")
    result = run_cli("fink", "config")
    _clear(result, ExitCode.FAILURE, "fink_dev.py, line 4 called sys.exit(3)")


def test_keyboard_interrupt_raised_by_a_hook_is_reported_as_such(temp_folder, run_cli):
    _write(temp_folder, "hooks.py", "from fink import fink_signals\n\ndef stop(params):\n"
                                    "    raise KeyboardInterrupt\n\ndef register():\n"
                                    "    fink_signals.command_init.connect(stop)\n\ndef deregister():\n"
                                    "    fink_signals.command_init.disconnect(stop)\n")
    _config(temp_folder, {"hookfile": "hooks.py", "cloud": {"stack": {"StackName": "s"}}})
    result = run_cli("cloud", "generate")
    _clear(result, ExitCode.INTERRUPTED, "hooks.py, line 4 raised KeyboardInterrupt")


# ---- the table itself --------------------------------------------------------------------------------------------
def test_a_real_bug_stays_unexpected():
    assert translate(ZeroDivisionError("x")) is None
    assert translate(ValueError("not from shlex")) is None


def test_every_botocore_connection_error_class_is_mapped():
    from botocore import exceptions as be
    for cls in (be.EndpointConnectionError, be.ConnectTimeoutError, be.ReadTimeoutError, be.ConnectionClosedError,
                be.ProxyConnectionError):
        error = translate(cls(endpoint_url="http://x", error="boom", proxy_url="p"))
        assert error is not None and error.exit_code == ExitCode.FAILURE and "http://x" in error.message


# ---- cases the property tests found ------------------------------------------------------------------------------
@pytest.mark.parametrize("name, text, needle", [
    ("fink_dev.json", '{"plugins": null}', "plugins: must be a mapping of sections, not NoneType"),
    ("fink_dev.json", '{"hookfile": true}', "hookfile: must be a file name (a string), not True"),
    ("fink_dev.yaml", "?\n", "the key None is not a name: every key must be a string"),
    ("fink_dev.yaml", "cloud: {1: x}\n", "the key 1 is not a name"),
])
def test_structural_config_mistakes_are_configuration_errors(name, text, needle, temp_folder, run_cli):
    _write(temp_folder, name, text)
    result = run_cli("fink", "config")
    _clear(result, ExitCode.CONFIG, needle)
