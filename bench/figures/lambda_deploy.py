"""An unchanged `lambda deploy` against `aws lambda get-function` (the least a tool must do to know nothing
changed): time, AWS calls and peak memory. The dependency-free sample keeps the bundler's share small."""
from __future__ import annotations

import json

from ..harness import Bench, Row, client, count_botocore_calls, count_fink_calls, measure

NAME = "lambda-deploy"
BASELINES = ("aws",)  # the baseline tools this figure runs (only these are installed)
FUNCTION = "bench-function"
ROLE = "bench-lambda-role"


def _project(bench: Bench):
    folder = bench.folder("lambda")
    (folder / "handler.py").write_text("def handle(event, context):\n    return 'alive'\n")
    config = {"lambda": {"lambda": {"name": FUNCTION, "description": "bench", "handlerFunction": "handler.handle",
                                    "handlerFile": "handler.py", "runtime": "python3.12", "timeout": 30,
                                    "memorySize": 128,
                                    "role": f"arn:aws:iam::123456789012:role/{ROLE}"},
                         "bundling": {"zip": "bundle.zip"}, "deployment": {"region": "eu-west-1"}}}
    (folder / "fink_dev.json").write_text(json.dumps(config))
    return folder


def run(bench: Bench) -> list[Row]:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    try:
        client(bench, "iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    except Exception:  # noqa: BLE001 - a second run of the figure in the same emulator
        pass
    folder = _project(bench)
    env = bench.env(ENV="dev")
    measure([bench.fink("lambda"), "deploy"], env, cwd=folder, repeat=1)  # the create
    timed = measure([bench.fink("lambda"), "deploy"], env, cwd=folder, repeat=bench.repeat)
    counted = measure([bench.fink("lambda"), "deploy", "-v"], env, cwd=folder, repeat=1)
    aws_cmd = [bench.baseline("aws"), "lambda", "get-function", "--function-name", FUNCTION]
    aws = measure(aws_cmd, bench.env(), repeat=bench.repeat)
    aws_counted = measure(aws_cmd + ["--debug"], bench.env(), repeat=1)
    return [Row("unchanged `lambda deploy`", timed.wall, "s", "aws lambda get-function", aws.wall,
                count_fink_calls(counted.stderr), count_botocore_calls(aws_counted.stderr), timed.peak_mb,
                target="calls <= 2, no ping",
                notes=["pinged" if "answers the ping" in counted.stderr else "no ping"])]
