"""The quick start's main job: deploy examples/ with every fink tool against a local AWS emulator.

Starts moto on 127.0.0.1 at a free port, seeds what an AWS account would already hold (an SSM parameter),
runs each example folder's example.sh in order (the last one, group, deploys a system of four stacks as a stack
group), shows what was deployed, and stops the emulator.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["infrastructure", "lambda", "api", "codedeploy", "group"]


def _client(service: str, env: dict):
    import boto3
    return boto3.client(service, endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_DEFAULT_REGION"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def seed(env: dict) -> None:
    ssm = _client("ssm", env)
    ssm.put_parameter(Name="/fink-example/greeting", Value="hello from fink", Type="String", Overwrite=True)


def summary(env: dict) -> None:
    stacks = _client("cloudformation", env).describe_stacks()["Stacks"]
    functions = _client("lambda", env).list_functions()["Functions"]
    apis = _client("apigateway", env).get_rest_apis()["items"]
    deployments = _client("codedeploy", env).list_applications()["applications"]
    print("\n=== What the example deployed to the local AWS emulator ===")
    for s in stacks:
        print(f"stack     {s['StackName']:<28} {s['StackStatus']}")
    for f in functions:
        print(f"function  {f['FunctionName']:<28} {f['Runtime']}  {f['CodeSha256']}")
    for a in apis:
        print(f"api       {a['name']:<28} {a['id']}")
    for app in deployments:
        print(f"codedeploy application {app}")


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from fink_testtools.moto_server import AWS_TEST_ENV, MotoServer

    with MotoServer() as server:
        print(f"Local AWS emulator (moto) listening on {server.url}")
        env = {**os.environ, **AWS_TEST_ENV, "AWS_ENDPOINT_URL": server.url, "ENV": "dev",
               "FINK_NO_UPDATE_CHECK": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            env.pop(key, None)
        seed(env)
        for name in ORDER:
            script = ROOT / "examples" / name / "example.sh"
            if not script.exists():
                continue
            print(f"\n=== examples/{name} ===", flush=True)
            result = subprocess.run(["bash", str(script)], cwd=script.parent, env=env)
            if result.returncode != 0:
                print(f"\nexamples/{name}/example.sh failed with exit code {result.returncode}", file=sys.stderr)
                return result.returncode
        summary(env)
    print("\nExample finished; the emulator is stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
