"""Stack groups: `cloud group deploy` of 10 stacks x 20 resources against `cloud deploy` in each folder one after
another (the way a team deploys such a system without groups), for 10 independent stacks and for a chain of 10
(each looks up the previous one's output). Each side starts from an empty emulator; one run per side and setting
(a sequential side is ten processes already).

Two settings, both always shown: straight against the emulator (measured; a deployment takes no time there, so
members cost only CPU), and through a proxy that holds every request 100 ms (labelled "modelled AWS latency": a
round trip to an AWS region, not CloudFormation's provisioning time). See bench/bench_groups.py."""
from __future__ import annotations

from pathlib import Path

from ..bench_groups import KINDS, TARGETS, latency_proxy, make_system
from ..harness import Bench, Row, measure

NAME = "cloud-group"
STACKS, RESOURCES, LATENCY_MS = 10, 20, 100


def _sequential(bench: Bench, folders: list[Path], env: dict) -> tuple[float, float]:
    bench.emulator.reset()
    samples = [measure([bench.fink("cloud"), "deploy"], env, folder, repeat=1) for folder in folders]
    return sum(s.wall for s in samples), sum(s.cpu for s in samples)


def run(bench: Bench) -> list[Row]:
    rows = []
    proxy = latency_proxy(bench.emulator.url, LATENCY_MS)
    try:
        for setting, url in (("", bench.emulator.url), (f", modelled AWS latency {LATENCY_MS} ms/request", proxy.url)):
            env = bench.env(ENV="dev", AWS_ENDPOINT_URL=url)
            for kind in KINDS:
                root = bench.folder(f"cloud-group/{kind}{'-latency' if setting else ''}")
                folders = make_system(root, kind, STACKS, RESOURCES)
                sequential, sequential_cpu = _sequential(bench, folders, env)
                group = measure([bench.fink("cloud"), "group", "deploy"], env, root, repeat=1,
                                prepare=bench.emulator.reset)
                rows.append(Row(f"`cloud group deploy` {STACKS} {kind} stacks x {RESOURCES} resources{setting}",
                                group.wall, "s", "`cloud deploy` one after another", sequential,
                                peak_mb=group.peak_mb, target=f"<= {TARGETS[kind]} x",
                                notes=[f"CPU {group.cpu:.1f} s (group, zygote and all members) against "
                                       f"{sequential_cpu:.1f} s"]))
    finally:
        proxy.stop()
    return rows
