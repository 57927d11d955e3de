"""Stack groups: `cloud group deploy` of 10 stacks x 20 resources against `cloud deploy` in each folder one after
another (the way a team deploys such a system without groups), for 10 independent stacks and for a chain of 10
(each looks up the previous one's output). Each side starts from an empty emulator; one run each (a sequential
side is ten processes already)."""
from __future__ import annotations

from pathlib import Path

from ..bench_groups import TARGETS, make_system
from ..harness import Bench, Row, measure

NAME = "cloud-group"
STACKS, RESOURCES = 10, 20


def _sequential(bench: Bench, folders: list[Path], env: dict) -> tuple[float, float]:
    bench.emulator.reset()
    samples = [measure([bench.fink("cloud"), "deploy"], env, folder, repeat=1) for folder in folders]
    return sum(s.wall for s in samples), max(s.peak_mb for s in samples)


def run(bench: Bench) -> list[Row]:
    env = bench.env(ENV="dev")
    rows = []
    for kind in ("independent", "chain"):
        root = bench.folder(f"cloud-group/{kind}")
        folders = make_system(root, kind, STACKS, RESOURCES)
        sequential, _ = _sequential(bench, folders, env)
        group = measure([bench.fink("cloud"), "group", "deploy"], env, root, repeat=1,
                        prepare=bench.emulator.reset)
        rows.append(Row(f"`cloud group deploy` {STACKS} {kind} stacks x {RESOURCES} resources", group.wall, "s",
                        "`cloud deploy` one after another", sequential, peak_mb=group.peak_mb,
                        target=f"<= {TARGETS[kind]} x", notes=[f"CPU {group.cpu:.1f} s (all members)"]))
    return rows
