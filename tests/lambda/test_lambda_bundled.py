"""lambda bundle/deploy with the real bundler plugin: Python dependencies from a local wheel, npm production
dependencies from local tarballs, byte-identical bundles from two folders, and unchanged deploys across them.
No test reaches PyPI or npm's registry: the dependencies are built here."""
import base64
import hashlib
import io
import json
import shutil
import tarfile
import zipfile
from pathlib import Path

import boto3
import pytest

from fink.awsclient import AWSClient
from fink_testtools.programs import requires_program

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


def build_npm_tarball(folder: Path, name: str, source: str) -> None:
    """An ``npm pack``-style tarball ``<name>-1.0.0.tgz``."""
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / f"{name}-1.0.0.tgz", "w:gz") as tar:
        for member, body in (("package/package.json", json.dumps({"name": name, "version": "1.0.0",
                                                                  "main": "index.js"})),
                             ("package/index.js", source)):
            data = body.encode()
            info = tarfile.TarInfo(member)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))


def code_sha(path: str) -> str:
    return base64.b64encode(hashlib.sha256(Path(path).read_bytes()).digest()).decode()


def zip_names(path) -> list[str]:
    return zipfile.ZipFile(path).namelist()


@pytest.fixture
def python_project(aws, role, project, build_wheel):
    folder = project("lambda_python_deps")
    build_wheel(folder / "wheels", "tinydep", "1.0", {"tinydep/__init__.py": 'ALIVE = "alive"\n'})
    return folder


def deploy(run_cli, fake_clock, awsclient=None):
    return run_cli("lambda", "deploy", env={"ENV": "dev"}, clock=fake_clock, awsclient=awsclient)


def test_python_deploy_with_dependency_then_unchanged(python_project, aws, run_cli, fake_clock):
    aws.queue_lambda_results(["alive", "alive"])
    result = deploy(run_cli, fake_clock)
    assert result.exit_code == 0, result.output
    names = zip_names(python_project / "bundle.zip")
    assert {"handler.py", "settings.json", "tinydep/__init__.py"} <= set(names)
    conf = boto3.client("lambda").get_function(FunctionName="fink-deps-function")["Configuration"]
    assert conf["CodeSha256"] == code_sha(python_project / "bundle.zip")

    client = AWSClient()
    again = deploy(run_cli, fake_clock, awsclient=client)
    assert again.exit_code == 0, again.output
    assert "code unchanged - won't upload the bundle" in again.stderr
    for call in ("lambda.UpdateFunctionCode", "lambda.PublishVersion", "s3.PutObject"):
        assert client.call_counts[call] == 0, call


def test_two_folders_give_identical_bundles_and_no_redeploy(python_project, aws, run_cli, fake_clock, monkeypatch,
                                                           tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere") / "project"
    shutil.copytree(python_project, other, ignore=shutil.ignore_patterns("bundle.zip", ".fink"))
    aws.queue_lambda_results(["alive", "alive"])
    assert deploy(run_cli, fake_clock).exit_code == 0
    first = (python_project / "bundle.zip").read_bytes()

    monkeypatch.chdir(other)
    client = AWSClient()
    result = deploy(run_cli, fake_clock, awsclient=client)
    assert result.exit_code == 0, result.output
    assert (other / "bundle.zip").read_bytes() == first
    assert client.call_counts["lambda.UpdateFunctionCode"] == 0 and client.call_counts["lambda.PublishVersion"] == 0

    printed = run_cli("lambda", "bundle", env={"ENV": "dev"}, clock=fake_clock)
    assert printed.exit_code == 0 and f"CodeSha256: {code_sha(other / 'bundle.zip')}" in printed.stdout


@requires_program("npm", "by the bundler to install package.json dependencies")
def test_nodejs_function_bundled_with_npm_production_dependencies(aws, role, project, run_cli, fake_clock):
    folder = project("lambda_nodejs")
    build_npm_tarball(folder / "vendor", "tiny", 'exports.alive = () => "alive";\n')
    build_npm_tarball(folder / "vendor", "tiny-dev", "module.exports = {};\n")
    aws.queue_lambda_results(["alive"])
    result = deploy(run_cli, fake_clock)
    assert result.exit_code == 0, result.output
    names = zip_names(folder / "bundle.zip")
    assert "index.js" in names and "node_modules/tiny/index.js" in names
    assert not any(n.startswith("node_modules/tiny-dev") for n in names)
    conf = boto3.client("lambda").get_function(FunctionName="fink-nodejs-function")["Configuration"]
    assert conf["Runtime"] == "nodejs20.x" and conf["CodeSha256"] == code_sha(folder / "bundle.zip")


def test_clean_after_bundle_removes_zip_and_caches(python_project, run_cli, fake_clock):
    assert run_cli("lambda", "bundle", env={"ENV": "dev"}, clock=fake_clock).exit_code == 0
    assert (python_project / "bundle.zip").exists()
    assert run_cli("lambda", "clean").exit_code == 0
    assert not (python_project / "bundle.zip").exists() and not (python_project / ".fink").exists()
