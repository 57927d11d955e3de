"""Shared by the cloud figures: a template of N SSM parameters, fink's project folder for it, and one deploy by
fink or by `aws cloudformation deploy` (timed, or counted from its verbose log)."""
from __future__ import annotations

import json
from pathlib import Path

from ..harness import Bench, Sample, count_botocore_calls, count_fink_calls, measure

CLOUDFORMATION_PY = '''import pathlib


def generate_template():
    return pathlib.Path("template.json").read_text()
'''


def template(resources: int) -> dict:
    """N AWS::SSM::Parameter resources whose values all follow the parameter ``Value`` (an update changes all)."""
    # short: 200 of them stay below CloudFormation's inline limit (moto cannot read the TemplateURL that awscli
    # builds from a custom endpoint, so both tools send the template inline)
    res = {f"P{i}": {"Type": "AWS::SSM::Parameter",
                     "Properties": {"Type": "String", "Value": {"Ref": "Value"}, "Name": {"Fn::Sub": f"/${{Prefix}}/{i}"}}}
           for i in range(resources)}
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"Prefix": {"Type": "String"}, "Value": {"Type": "String"}},
            "Resources": res, "Outputs": {"First": {"Value": {"Ref": "P0"}}}}


def project(bench: Bench, name: str, resources: int) -> Path:
    folder = bench.folder(f"cloud/{name}")
    (folder / "template.json").write_text(json.dumps(template(resources), separators=(",", ":")))
    (folder / "cloudformation.py").write_text(CLOUDFORMATION_PY)
    set_value(folder, name, "v1")
    return folder


def set_value(folder: Path, stack: str, value: str) -> None:
    config = {"cloud": {"stack": {"StackName": stack}, "parameters": {"Prefix": stack, "Value": value}}}
    (folder / "fink_dev.json").write_text(json.dumps(config))


def fink_deploy(bench: Bench, folder: Path, count: bool = False) -> tuple[Sample, int | None]:
    cmd = [bench.fink("cloud"), "deploy"] + (["-v"] if count else [])
    sample = measure(cmd, bench.env(ENV="dev"), cwd=folder, repeat=1)
    return sample, count_fink_calls(sample.stderr) if count else None


def aws_deploy(bench: Bench, folder: Path, stack: str, value: str, count: bool = False) -> tuple[Sample, int | None]:
    cmd = [bench.baseline("aws"), "cloudformation", "deploy", "--template-file", str(folder / "template.json"),
           "--stack-name", stack, "--parameter-overrides", f"Prefix={stack}", f"Value={value}",
           "--no-fail-on-empty-changeset"] + (["--debug"] if count else [])
    sample = measure(cmd, bench.env(), cwd=folder, repeat=1, check=False)
    if "No updates are to be performed" in sample.stderr:
        NOTES.add(MOTO_NO_OP)
    elif sample.code != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {sample.code}:\n{sample.stderr[-3000:]}")
    return sample, count_botocore_calls(sample.stderr) if count else None


#: moto refuses an empty change set at CreateChangeSet (AWS creates a FAILED one, which awscli accepts with
#: --no-fail-on-empty-changeset): awscli then stops with exit 255 after 2 calls, so its no-op is a lower bound
MOTO_NO_OP = "awscli no-op: moto refuses the empty change set, awscli stops early (a lower bound)"
NOTES: set[str] = set()
