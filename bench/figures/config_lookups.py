"""`fink config` with 10 and 100 `lookup:parameter:` values: how time and AWS calls grow with the lookups (SSM
answers up to 10 names per call). No baseline tool resolves fink's lookups; the 0-lookup run is the reference."""
from __future__ import annotations

import json

from ..harness import Bench, Row, client, count_fink_calls, measure

NAME = "config"
SIZES = (0, 10, 100)


def _project(bench: Bench, lookups: int):
    folder = bench.folder(f"config/{lookups}")
    params = {f"P{i}": f"lookup:parameter:/bench/lookup/p{i}" for i in range(lookups)}
    config = {"cloud": {"stack": {"StackName": "bench-config"}, "parameters": params}}
    (folder / "fink_dev.json").write_text(json.dumps(config))
    return folder


def run(bench: Bench) -> list[Row]:
    ssm = client(bench, "ssm")
    for i in range(max(SIZES)):
        ssm.put_parameter(Name=f"/bench/lookup/p{i}", Value=f"value-{i}", Type="String", Overwrite=True)
    rows, reference = [], None
    for size in SIZES:
        folder = _project(bench, size)
        timed = measure([bench.fink("fink"), "config", "cloud"], bench.env(ENV="dev"), cwd=folder,
                        repeat=bench.repeat)
        counted = measure([bench.fink("fink"), "config", "cloud", "-v"], bench.env(ENV="dev"), cwd=folder, repeat=1)
        if size == 0:
            reference = timed.wall
        rows.append(Row(f"`fink config` {size} lookups", timed.wall, "s", "0 lookups" if size else "-",
                        reference if size else None, count_fink_calls(counted.stderr), None, timed.peak_mb))
    return rows
