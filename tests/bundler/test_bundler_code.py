"""`code bundle` with the real bundler: preBundle scripts, the codedeploy folder, settings and stack outputs."""
from __future__ import annotations

import json
import os
import zipfile

import yaml

from fink.s3 import sha256_b64


def _code_bundle(run_cli):
    return run_cli("code", "bundle", env={"ENV": "dev"})


def test_code_bundle_runs_prebundle_and_holds_appspec_scripts_settings_and_outputs(aws, project, run_cli, listing,
                                                                                   golden):
    folder = project("bundler_code")
    result = _code_bundle(run_cli)
    assert result.exit_code == 0, result.stderr
    zip_path = folder / "revision.zip"
    assert str(zip_path) in result.stdout and sha256_b64(zip_path.read_bytes()) in result.stdout
    assert "preBundle: ./prebundle.sh" in result.stderr
    golden("code_sample_listing.txt", listing(zip_path))
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.read("BUILD_INFO") == b"built by prebundle\n"  # written by the preBundle script
        assert json.loads(zf.read("settings.json")) == {"greeting": "hello"}
        assert yaml.safe_load(zf.read("stack_output.yml")) == {"BucketName": "my-bucket",
                                                               "ApiUrl": "https://example.com/api"}
        assert (zf.getinfo("scripts/install.sh").external_attr >> 16) & 0o777 == 0o755


def test_file_names_and_folders_follow_the_configuration(aws, project, run_cli, edit_section):
    folder = project("bundler_code")
    os.rename(folder / "codedeploy", folder / "deploy")
    edit_section("code", {"bundling": {"folders": [{"source": "deploy"}, {"source": "prebundle.sh", "target": "bin"}],
                                       "preBundle": []},
                          "defaults": {"settings_file": "conf.json", "stack_output_file": "outputs.yaml"}})
    result = _code_bundle(run_cli)
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(folder / "revision.zip") as zf:
        assert zf.namelist() == ["appspec.yml", "bin/prebundle.sh", "conf.json", "outputs.yaml",
                                 "scripts/install.sh"]


def test_missing_appspec_is_a_clear_error(aws, project, run_cli):
    folder = project("bundler_code")
    os.remove(folder / "codedeploy" / "appspec.yml")
    result = _code_bundle(run_cli)
    assert result.exit_code == 3
    assert "The code bundle has no appspec.yml at its root." in result.stderr
    assert not (folder / "revision.zip").exists()


def test_a_failing_prebundle_script_stops_the_run_with_its_output(aws, project, run_cli):
    folder = project("bundler_code")
    (folder / "prebundle.sh").write_text("#!/bin/sh\necho 'compiling assets'\necho 'boom: no compiler' >&2\nexit 4\n")
    result = _code_bundle(run_cli)
    assert result.exit_code == 1
    assert "The preBundle script './prebundle.sh' failed (exit code 4)" in result.stderr
    assert "compiling assets" in result.stderr and "boom: no compiler" in result.stderr
    assert not (folder / "revision.zip").exists()


def test_prebundle_scripts_run_in_order_in_the_working_folder(aws, project, run_cli, edit_section):
    folder = project("bundler_code")
    (folder / "second.sh").write_text("#!/bin/sh\ncat codedeploy/BUILD_INFO > codedeploy/SECOND\n")
    (folder / "second.sh").chmod(0o755)
    edit_section("code", {"bundling": {"preBundle": ["./prebundle.sh", "./second.sh"]}})
    assert _code_bundle(run_cli).exit_code == 0
    with zipfile.ZipFile(folder / "revision.zip") as zf:
        assert zf.read("SECOND") == b"built by prebundle\n"


def test_a_prebundle_script_that_is_not_executable_is_named(aws, project, run_cli):
    folder = project("bundler_code")
    (folder / "prebundle.sh").chmod(0o644)
    result = _code_bundle(run_cli)
    assert result.exit_code == 3
    assert "The preBundle script ./prebundle.sh is not executable." in result.stderr
    assert "chmod +x ./prebundle.sh" in result.stderr
