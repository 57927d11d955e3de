"""Scale: `cloud deploy` (create, then no-op) of 10, 100 and 200-resource templates, fink and awscli: time (one
run each, without verbose logging) and AWS calls (counted on a second pair of stacks, from -v / --debug logs)."""
from __future__ import annotations

from ..harness import Bench, Row
from ._cloud import MOTO_NO_OP, NOTES, aws_deploy, fink_deploy, project

NAME = "cloud-scale"
BASELINES = ("aws",)  # the baseline tools this figure runs (only these are installed)
SIZES = (10, 100, 200)


def _pair(bench: Bench, tag: str, size: int, count: bool) -> list[tuple]:
    fink_stack, aws_stack = f"sf{tag}-{size}", f"sa{tag}-{size}"
    folder = project(bench, fink_stack, size)
    results = []
    for _op in ("create", "no-op"):
        fink, fink_calls = fink_deploy(bench, folder, count)
        aws, aws_calls = aws_deploy(bench, folder, aws_stack, "v1", count)
        results.append((fink, aws, fink_calls, aws_calls))
    return results


def run(bench: Bench) -> list[Row]:
    rows = []
    for size in SIZES:
        timed, counted = _pair(bench, "t", size, False), _pair(bench, "c", size, True)
        for op, (fink, aws, _, _), (_, _, fink_calls, aws_calls) in zip(("create", "no-op"), timed, counted):
            rows.append(Row(f"`cloud deploy` {size} resources, {op}", fink.wall, "s", "aws cloudformation deploy",
                            aws.wall, fink_calls, aws_calls, fink.peak_mb,
                            notes=[MOTO_NO_OP] if op == "no-op" and MOTO_NO_OP in NOTES else []))
    return rows
