"""Benchmark: `cloud group deploy` against deploying the same stacks one after another with `cloud deploy`.

Two systems of 10 stacks with 20 resources each (SSM parameters) on a local moto server:

- independent: no stack looks up another; target group time <= 0.3 x sequential time;
- chain: each stack looks up the previous one's output; target group time <= 1.1 x sequential time (the group
  cannot run anything in parallel here, so this measures its overhead).

"Sequential" is what a team does without groups: `cloud deploy` in each folder, in dependency order, as separate
processes. Each side starts from an empty emulator; the best of ``--repeat`` runs counts, so a busy machine
disturbs the comparison less.

Two figures are printed for each system, and neither replaces the other:

- **emulator**: straight against moto, where a deployment takes no time, so a member costs only its CPU (process
  start, imports, the lifecycle) and the group can gain only what the machine's free cores give;
- **modelled AWS latency**: the same runs through a proxy that holds every request ``--latency-ms`` (default 100)
  before passing it to moto -- a round trip to a real AWS region, not CloudFormation's minutes of provisioning,
  which would favour the group far more. Clearly a model: the emulator figure is the measured one.

Not a test: run it by hand, e.g. ``.venv/bin/python bench/bench_groups.py [--stacks 10] [--resources 20]
[--repeat 1] [--latency-ms 100]``. The exit code is 1 when a target of the emulator figure is missed.
The same measurements are the `cloud-group` figure of ``make bench`` (bench/figures/cloud_group.py).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

__all__ = ["make_system", "latency_proxy", "main", "TARGETS", "KINDS"]

CLOUD = [sys.executable, "-c", "from fink.cli import tool_main; tool_main('cloud')"]
TARGETS = {"independent": 0.3, "chain": 1.1}
KINDS = ("independent", "chain")


def _template(resources: int) -> dict:
    body = {"AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"Prefix": {"Type": "String"}, "Upstream": {"Type": "String", "Default": "none"}},
            "Resources": {}, "Outputs": {"First": {"Value": {"Ref": "P0"}}}}
    for index in range(resources):
        body["Resources"][f"P{index}"] = {"Type": "AWS::SSM::Parameter", "Properties": {
            "Name": {"Fn::Sub": f"/${{Prefix}}/p{index}"}, "Type": "String", "Value": {"Ref": "Upstream"}}}
    return body


def make_system(root: Path, kind: str, stacks: int, resources: int) -> list[Path]:
    """``stacks`` member folders under ``root``; in a chain each looks up the previous stack's output."""
    folders = []
    for index in range(stacks):
        folder = root / f"s{index:02d}"
        folder.mkdir(parents=True)
        (folder / "template.json").write_text(json.dumps(_template(resources)))
        params = {"Prefix": f"bench-{kind}-{index:02d}"}
        if kind == "chain" and index:
            params["Upstream"] = f"lookup:stack:bench-{kind}-{index - 1:02d}:First"
        config = {"cloud": {"stack": {"StackName": f"bench-{kind}-{index:02d}", "TemplateBody": "template.json"},
                            "parameters": params}}
        (folder / "fink_dev.json").write_text(json.dumps(config))
        folders.append(folder)
    return folders


def latency_proxy(target_url: str, latency_ms: float) -> Any:
    """A started proxy in front of ``target_url`` that holds each request ``latency_ms`` before forwarding it."""
    from fink_testtools.faults import FaultProxy

    class LatencyProxy(FaultProxy):
        def forward(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, list, bytes]:
            time.sleep(latency_ms / 1000)  # the modelled round trip (a benchmark, not a test)
            return super().forward(method, path, headers, body)

    return LatencyProxy(target_url).start()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(args: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[3:])} in {cwd} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def measure(kind: str, stacks: int, resources: int, repeat: int, reset: Callable[[], None],
            env: dict) -> dict[str, float]:
    """Best wall time of each side, and the CPU time its processes used (all members included)."""
    best = {"sequential_s": float("inf"), "group_s": float("inf"), "sequential_cpu_s": 0.0, "group_cpu_s": 0.0}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix=f"fink-bench-{kind}-") as tmp:
            folders = make_system(Path(tmp), kind, stacks, resources)
            sides = (("sequential", lambda: sum(_timed(CLOUD + ["deploy"], folder, env) for folder in folders)),
                     ("group", lambda: _timed(CLOUD + ["group", "deploy"], Path(tmp), env)))
            for side, run in sides:
                reset()
                cpu = _children_cpu()
                wall = run()
                if wall < best[f"{side}_s"]:
                    best[f"{side}_s"], best[f"{side}_cpu_s"] = wall, _children_cpu() - cpu
    return best


def bench_env(url: str) -> dict:
    """The environment of the measured processes: as ``make bench`` gives it (no PYTHON* settings of the caller,
    dummy credentials, the emulator or proxy at ``url``)."""
    from fink_testtools.moto_server import AWS_TEST_ENV
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env.update(AWS_TEST_ENV)
    env.update({"AWS_ENDPOINT_URL": url, "ENV": "dev", "FINK_NO_UPDATE_CHECK": "1", "NO_COLOR": "1"})
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=10)
    parser.add_argument("--resources", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=100.0,
                        help="modelled round trip per AWS request for the second figure (0: emulator only)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from fink_testtools.moto_server import MotoServer
    figures = {}
    with MotoServer() as server:
        settings = [("emulator", server.url, None)]
        proxy = latency_proxy(server.url, args.latency_ms) if args.latency_ms > 0 else None
        if proxy is not None:
            settings.append((f"modelled AWS latency {args.latency_ms:.0f} ms/request", proxy.url, proxy))
        try:
            for label, url, _ in settings:
                for kind in KINDS:
                    best = measure(kind, args.stacks, args.resources, args.repeat, server.reset, bench_env(url))
                    figures[f"{kind}, {label}"] = {**{k: round(v, 2) for k, v in best.items()},
                                                  "ratio": round(best["group_s"] / best["sequential_s"], 3),
                                                  "target": TARGETS[kind], "kind": kind, "setting": label}
        finally:
            if proxy is not None:
                proxy.stop()
    if args.json:
        print(json.dumps(figures, indent=2))
    print(f"{args.stacks} stacks x {args.resources} resources, best of {args.repeat}, {os.cpu_count()} cores, "
          f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    for name, f in figures.items():
        verdict = "ok" if f["ratio"] <= f["target"] else "MISSED"
        print(f"{name:<52} sequential {f['sequential_s']:5.1f}s, group {f['group_s']:5.1f}s, ratio {f['ratio']:.2f} "
              f"(target <= {f['target']}) {verdict}; CPU {f['sequential_cpu_s']:.1f}s / {f['group_cpu_s']:.1f}s")
    emulator = [f for f in figures.values() if f["setting"] == "emulator"]
    return 0 if all(f["ratio"] <= f["target"] for f in emulator) else 1


if __name__ == "__main__":
    sys.exit(main())
