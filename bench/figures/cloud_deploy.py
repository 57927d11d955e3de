"""`cloud deploy` of a 20-resource stack against `aws cloudformation deploy`: create, no-op and update, each the
median of the repeats (a fresh stack per repeat), plus the AWS calls of each operation."""
from __future__ import annotations

import statistics

from ..harness import Bench, Row
from ._cloud import MOTO_NO_OP, NOTES, aws_deploy, fink_deploy, project, set_value

NAME = "cloud-deploy"
BASELINES = ("aws",)  # the baseline tools this figure runs (only these are installed)
RESOURCES = 20
OPERATIONS = ("create", "no-op", "update")


def _cycle(bench: Bench, tag: str, count: bool) -> dict[str, tuple]:
    """create / no-op / update by fink and by awscli on their own stacks."""
    fink_stack, aws_stack = f"bf-{tag}", f"ba-{tag}"
    folder = project(bench, fink_stack, RESOURCES)
    out = {}
    for op in OPERATIONS:
        value = "v2" if op == "update" else "v1"
        set_value(folder, fink_stack, value)
        fink, fink_calls = fink_deploy(bench, folder, count)
        aws, aws_calls = aws_deploy(bench, folder, aws_stack, value, count)
        out[op] = (fink.wall, aws.wall, fink.peak_mb, fink_calls, aws_calls, fink.cpu, aws.cpu)
    return out


def run(bench: Bench) -> list[Row]:
    counted = _cycle(bench, "count", count=True)
    timed = [_cycle(bench, f"t{i}", count=False) for i in range(bench.repeat)]
    rows = []
    for op in OPERATIONS:
        fink = statistics.median(t[op][0] for t in timed)
        aws = statistics.median(t[op][1] for t in timed)
        peak = max(t[op][2] for t in timed)
        rows.append(Row(f"`cloud deploy` {RESOURCES} resources, {op}", fink, "s", "aws cloudformation deploy", aws,
                        counted[op][3], counted[op][4], peak, target="<= 0.8, calls <= aws",
                        notes=[MOTO_NO_OP] if op == "no-op" and MOTO_NO_OP in NOTES else []))
        # CPU time: what the tool itself spends, whatever else the machine is doing
        rows.append(Row(f"`cloud deploy` {RESOURCES} resources, {op}, CPU", statistics.median(t[op][5] for t in timed),
                        "s CPU", "aws cloudformation deploy", statistics.median(t[op][6] for t in timed),
                        peak_mb=peak))
    return rows
