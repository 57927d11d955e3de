"""The secret sweep (issue 12): the commands of every tool run with secret lookups configured — credstash on moto's
KMS + DynamoDB and SSM SecureStrings holding quotes, backslashes and umlauts, rotated between runs — at ``-v``, with
failures that quote the secrets in other forms (a template exception with ``repr``, a validation error) and a Slack
recorder on 127.0.0.1. The test fails if any secret, old or new, appears in any form in stdout, stderr, the log
file, files the commands wrote (``settings.json`` inside a bundle excepted: the guide puts secrets there on
purpose), Slack payloads, or AWS descriptions, tags and templates.

Why one test: moto is reset per test, and the rotation is the point — the second round must not show what the
first round's secrets were. Everything runs in-process (run_cli) against the one session moto server.
"""
from __future__ import annotations

import json
import logging
import shlex
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import boto3
import pytest

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/fink-sweep"
FUNCTION = "fink-sweep-fn"
CRED = ['cred"stash\\sëcret-one', 'cred"stash\\sëcret-two']
SSM = ["ssm 'quote' \\ ümläut-one", "ssm 'quote' \\ ümläut-two"]

TEMPLATE = '''
import os


def generate_template(context, config):
    if os.environ.get("SWEEP_FAIL"):
        raise ValueError("refusing token %r" % config["parameters"]["Token"])
    return {
        "Description": "fink secret sweep",
        "Parameters": {"Token": {"Type": "String"}, "Password": {"Type": "String"},
                       "Hidden": {"Type": "String", "NoEcho": "true"}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "fink-sweep"}}},
        "Outputs": {"TokenEcho": {"Value": {"Ref": "Token"}}},
    }
'''


def forms(secret: str) -> set[str]:
    """The secret and what encoders make of it (computed here, independently of fink's own list)."""
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1],
            ascii(secret)[1:-1], quote(secret, safe=""), quote(secret), quote_plus(secret), shlex.quote(secret),
            repr(secret.encode())[2:-1]}


ALL_FORMS = sorted(set().union(*(forms(s) for s in CRED + SSM)), key=len, reverse=True)


def leaks(text: str) -> list[str]:
    return [f for f in ALL_FORMS if f in text]


class Recorder(BaseHTTPRequestHandler):
    bodies: list[str] = []

    def do_POST(self) -> None:
        self.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8"))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def slack():
    Recorder.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/services/T0/B0/sweep", Recorder.bodies
    server.shutdown()
    server.server_close()


@pytest.fixture
def log_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "fink.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    yield path
    root.removeHandler(handler)
    handler.close()


def _put_secrets(version: int) -> None:
    import credstash
    credstash.putSecret("sweep.token", CRED[version - 1], version=str(version), region=REGION)
    boto3.client("ssm", region_name=REGION).put_parameter(Name="/sweep/password", Value=SSM[version - 1],
                                                          Type="SecureString", Overwrite=True)


def _aws_setup() -> None:
    import credstash
    kms = boto3.client("kms", region_name=REGION)
    kms.create_alias(AliasName="alias/credstash", TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])
    credstash.createDdbTable(region=REGION)
    _put_secrets(1)
    boto3.client("iam").create_role(RoleName="fink-sweep", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    boto3.client("s3").create_bucket(Bucket="fink-sweep-artifacts",
                                     CreateBucketConfiguration={"LocationConstraint": REGION})
    cd = boto3.client("codedeploy")
    cd.create_application(applicationName="sweep-app", computePlatform="Server")
    cd.create_deployment_group(applicationName="sweep-app", deploymentGroupName="sweep-group",
                               deploymentConfigName="CodeDeployDefault.AllAtOnce",
                               serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy")


def _config(webhook: str) -> dict:
    token, password = "lookup:secret:sweep.token", "lookup:parameter:/sweep/password"
    return {
        "cloud": {"stack": {"StackName": "fink-sweep"},
                  "parameters": {"Token": token, "Password": password, "Hidden": password}},
        "lambda": {"lambda": {"name": FUNCTION, "description": "fink sweep function", "role": ROLE,
                              "handlerFunction": "handler.handle", "handlerFile": "handler.py",
                              "runtime": "python3.12", "memorySize": 128, "timeout": 30,
                              "environment": {"DB_PASSWORD": password}},
                   "bundling": {"zip": "lambda.zip"}, "settings": {"token": token}},
        "code": {"codedeploy": {"applicationName": "sweep-app", "deploymentGroupName": "sweep-group",
                                "deploymentConfigName": "CodeDeployDefault.AllAtOnce",
                                "artifactsBucket": "fink-sweep-artifacts"},
                 "bundling": {"zip": "code.zip"}, "settings": {"password": password}},
        "plugins": {"fink_slack_integration": {"slack_webhook": webhook}},
    }


def _project(folder: Path, webhook: str) -> None:
    (folder / "fink_dev.json").write_text(json.dumps(_config(webhook), indent=2))
    (folder / "cloudformation.py").write_text(TEMPLATE)
    (folder / "handler.py").write_text("def handle(event, context):\n    return 'alive'\n")
    (folder / "codedeploy").mkdir()
    (folder / "codedeploy" / "appspec.yml").write_text("version: 0.0\nos: linux\n")


# every tool, the commands that read or write the secret-bearing sections (bundle commands run inside deploy)
ROUND_ONE = [
    ("fink", "config", "cloud", "-v"), ("cloud", "preview", "-v"), ("cloud", "deploy", "-v"),
    ("cloud", "preview", "--json", "-v"), ("cloud", "generate", "-v"), ("lambda", "deploy", "-v"),
    ("lambda", "info", "-v"), ("lambda", "invoke", FUNCTION, "--payload={}", "-v"),
    ("code", "deploy", "--no-wait", "-v"), ("api", "list", "--json", "-v"),
]
ROUND_TWO = [  # after the rotation: the old values must not show up either
    ("cloud", "preview", "--json", "-v"), ("cloud", "deploy", "-v"), ("lambda", "deploy", "-v"),
]


def _run_all(run_cli, fake_clock, aws, commands, env=None, expect=0):
    outputs = []
    for argv in commands:
        aws.queue_lambda_results(["alive"] * 3)
        result = run_cli(argv[0], *argv[1:], env={"ENV": "dev", **(env or {})}, clock=fake_clock)
        assert "Traceback" not in result.stderr or "-v" in argv, (argv, result.stderr)
        if expect is not None:
            assert result.exit_code == expect, (argv, result.output)
        outputs.append((argv, result.output))
    return outputs


def _files(folder: Path) -> list[tuple[str, str]]:
    """Every file the commands wrote, as text; zips member by member (settings.json is where secrets belong)."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".fink" not in p.parts):
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                found += [(f"{path.name}:{n}", zf.read(n).decode("utf-8", "replace")) for n in zf.namelist()
                          if Path(n).name != "settings.json"]
        else:
            found.append((str(path.relative_to(folder)), path.read_text("utf-8", errors="replace")))
    return found


def _aws_texts() -> list[tuple[str, str]]:
    cfn, lam = boto3.client("cloudformation"), boto3.client("lambda")
    stack = cfn.describe_stacks(StackName="fink-sweep")["Stacks"][0]
    fn = lam.get_function(FunctionName=FUNCTION)
    cd = boto3.client("codedeploy")
    deployments = cd.list_deployments(applicationName="sweep-app", deploymentGroupName="sweep-group")["deployments"]
    return [("stack description and tags", json.dumps([stack.get("Description"), stack.get("Tags")])),
            ("stack template", json.dumps(cfn.get_template(StackName="fink-sweep")["TemplateBody"])),
            ("lambda description and tags", json.dumps([fn["Configuration"].get("Description"), fn.get("Tags")])),
            ("codedeploy descriptions", json.dumps([cd.get_deployment(deploymentId=d)["deploymentInfo"].get(
                "description") for d in deployments]))]


def test_no_secret_leaks_on_any_channel(aws, temp_folder, run_cli, fake_clock, slack, log_file):
    webhook, payloads = slack
    _aws_setup()
    _project(temp_folder, webhook)
    outputs = _run_all(run_cli, fake_clock, aws, ROUND_ONE)
    _put_secrets(2)  # rotation between runs
    outputs += _run_all(run_cli, fake_clock, aws, ROUND_TWO)
    # failures quoting the secrets in other forms: a template exception (repr) and a validation error
    outputs += _run_all(run_cli, fake_clock, aws, [("cloud", "deploy", "-v")], env={"SWEEP_FAIL": "1"}, expect=3)
    config = json.loads((temp_folder / "fink_dev.json").read_text())
    config["code"]["deployment"] = {"timeout": "lookup:secret:sweep.token"}
    (temp_folder / "fink_dev.json").write_text(json.dumps(config))
    outputs += _run_all(run_cli, fake_clock, aws, [("code", "deploy", "-v")], expect=3)

    channels = [(" ".join(argv), text) for argv, text in outputs] + [("log file", log_file.read_text("utf-8"))]
    channels += _files(temp_folder) + [(f"slack payload {i}", p) for i, p in enumerate(payloads)] + _aws_texts()
    found = {name: leaks(text) for name, text in channels if leaks(text)}
    assert not found, found
    # the sweep saw what it meant to see: masked values, secret diffs, announced failures, secrets in settings.json
    everything = "\n".join(text for _, text in channels)
    assert "****" in everything and "(secret, changed)" in everything
    assert any('"FAILED' in p or "FAILED" in json.loads(p)["text"] for p in payloads)
    created = [json.loads(p) for p in payloads if " created " in json.loads(p)["text"]]
    deployment = {f["title"]: f["value"] for f in created[0]["attachments"][0]["fields"]}["Deployment"]
    assert deployment in dict(outputs)[("code", "deploy", "--no-wait", "-v")]  # announced with its id
    with zipfile.ZipFile(temp_folder / "code.zip") as zf:
        assert json.loads(zf.read("settings.json")) == {"password": SSM[0]}
