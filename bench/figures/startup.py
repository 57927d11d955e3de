"""Start-up: `cloud --help` against `sam --version`, `aws --version`, `sceptre --version` and `python -c pass`.

CPU time is the figure that does not depend on how busy the machine is; the wall time is shown too."""
from __future__ import annotations

import sys

from ..harness import Bench, Row, measure

NAME = "startup"
BASELINES = ("aws", "sam", "sceptre")  # the baseline tools this figure runs (only these are installed)


def run(bench: Bench) -> list[Row]:
    env = bench.env()
    repeat = max(bench.repeat * 2, 5)
    cloud = measure([bench.fink("cloud"), "--help"], env, repeat=repeat)
    python = measure([sys.executable, "-c", "pass"], env, repeat=repeat)
    rows = [Row("`cloud --help` CPU vs `python -c pass`", cloud.cpu, "s CPU", "python -c pass", python.cpu,
                peak_mb=cloud.peak_mb, target="<= 2")]
    for name, args in (("sam", ["--version"]), ("aws", ["--version"]), ("sceptre", ["--version"])):
        base = measure([bench.baseline(name), *args], env, repeat=repeat)
        rows.append(Row(f"`cloud --help` CPU vs `{name} {args[0]}`", cloud.cpu, "s CPU", f"{name} {args[0]}",
                        base.cpu, peak_mb=cloud.peak_mb, target="<= 0.5" if name == "sam" else ""))
    sam = measure([bench.baseline("sam"), "--version"], env, repeat=repeat)
    rows.append(Row("`cloud --help` wall vs `sam --version`", cloud.wall, "s", "sam --version", sam.wall,
                    peak_mb=cloud.peak_mb, target="<= 0.5"))
    return rows
