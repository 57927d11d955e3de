"""Fixtures of the api tool tests: a Lambda alias in moto, config editing and independent AWS clients."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest

from fink.config import deep_merge
from fink_testtools.golden import assert_golden

FUNCTION = "fink-test-hello"


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handle(event, context):\n    return {'statusCode': 200, 'body': 'hello'}\n")
    return buf.getvalue()


def create_alias(name: str = FUNCTION, alias: str = "ACTIVE") -> str:
    """A function with a published version and an alias, created directly with the API (not with the lambda tool)."""
    iam = boto3.client("iam")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    lam = boto3.client("lambda")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handle",
                        Code={"ZipFile": _zip_bytes()})
    version = lam.publish_version(FunctionName=name)["Version"]
    return lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)["AliasArn"]


@pytest.fixture
def hello_alias(aws: Any) -> str:
    return create_alias()


@pytest.fixture
def api_project(project: Callable[[str], Path], hello_alias: str) -> Path:
    return project("api_sample")


@pytest.fixture
def edit_config() -> Callable[[dict], dict]:
    """Merge ``changes`` into the api section of fink_dev.json in the working folder."""
    def edit(changes: dict) -> dict:
        path = Path("fink_dev.json")
        config = json.loads(path.read_text())
        config["api"] = deep_merge(config["api"], changes)
        path.write_text(json.dumps(config, indent=2))
        return config["api"]
    return edit


@pytest.fixture
def apigw(aws: Any) -> Any:
    return boto3.client("apigateway")


@pytest.fixture
def apis_named(apigw: Any) -> Callable[[str], list[dict]]:
    def find(name: str) -> list[dict]:
        return [a for page in apigw.get_paginator("get_rest_apis").paginate() for a in page["items"]
                if a["name"] == name]
    return find


@pytest.fixture
def api(run_cli: Any, fake_clock: Any) -> Callable[..., Any]:
    """``api("deploy")`` runs the api tool in-process with ENV=dev."""
    def run(*args: str, **kwargs: Any) -> Any:
        return run_cli("api", *args, env={"ENV": "dev"}, clock=fake_clock, **kwargs)
    return run


GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``golden/<name>``; ``FINK_UPDATE_GOLDEN=1`` rewrites the file instead."""
    assert_golden(GOLDEN / name, text)


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    return check_golden
