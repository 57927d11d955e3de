"""`lambda bundle` of a generated ~250 MB / 16,000-file tree against `zip -qrX` (time, size, peak memory), and the
re-bundle after a one-file change against the full bundle. The measuring lives in ``bench/bench_bundle.py``, which
also runs on its own."""
from __future__ import annotations

import shutil

from .. import bench_bundle
from ..harness import Bench, Row

NAME = "bundle"


def run(bench: Bench) -> list[Row]:
    if shutil.which("zip") is None:
        return [Row("`lambda bundle` vs `zip -qrX`", None, notes=["zip is not installed"])]
    root = bench.folder("bundle-tree")
    if not (root / "handler.py").is_file():
        bench_bundle.make_tree(str(root), 250)
    rows = []
    for row in bench_bundle.figures(str(root), bench.repeat):
        unit = "MB" if "(MB)" in row["figure"] else "s"
        target = f"<= {row['target']}" if row.get("target") else ""
        name = row["figure"].replace(" (s)", "").replace(" (MB)", "")
        rows.append(Row(name if name.startswith(("bundle", "re-bundle")) else f"bundle: {name}",
                        row["fink"], unit, row["base"] or "-", row["baseline"], target=target,
                        notes=[row["note"]] if row.get("note") else []))
    return rows
