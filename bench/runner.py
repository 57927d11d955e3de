"""``make bench`` / ``python -m bench``: install the baselines the selected figures use, start the emulator, run every figure, print one
table (and with ``--update-readme`` keep it in bench/README.md with the date and the machine)."""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import sys
import tempfile
from pathlib import Path

from .figures import FIGURES
from .harness import HERE, Bench, Row

__all__ = ["main", "render_table", "baselines_for"]

_START, _END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit.startswith("s"):
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.2f}"


def _calls(row: Row) -> str:
    if row.fink_calls is None and row.baseline_calls is None:
        return "-"
    return f"{'-' if row.fink_calls is None else row.fink_calls} / " \
           f"{'-' if row.baseline_calls is None else row.baseline_calls}"


def render_table(rows: list[Row]) -> str:
    head = ["figure", "fink", "baseline", "baseline value", "ratio", "target", "AWS calls fink / baseline",
            "fink peak MB", "notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r.figure, f"{_fmt(r.fink, r.unit)}{' CPU' if 'CPU' in r.unit else ''}", r.baseline_name,
                 _fmt(r.baseline, r.unit), "-" if r.ratio is None else f"{r.ratio:.2f}", r.target or "-",
                 _calls(r), "-" if r.peak_mb is None else f"{r.peak_mb:.0f}",
                 " ".join("; ".join(r.notes).split()).replace("|", "/")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load} at the start")


def update_readme(table: str, header: str) -> None:
    path = HERE / "README.md"
    text = path.read_text(encoding="utf-8")
    block = f"{_START}\n{header}\n\n{table}\n{_END}"
    text = re.sub(re.escape(_START) + ".*?" + re.escape(_END), lambda _m: block, text, flags=re.S)
    path.write_text(text, encoding="utf-8")


def baselines_for(figures) -> list[str]:
    """The baseline tools the figures use (each figure lists them in ``BASELINES``), in install order."""
    return sorted({name for figure in figures for name in getattr(figure, "BASELINES", ())})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=[f.NAME for f in FIGURES], help="run only this figure")
    parser.add_argument("--repeat", type=int, default=3, help="repeats per timed figure (the median counts)")
    parser.add_argument("--update-readme", action="store_true", help="write the table into bench/README.md")
    args = parser.parse_args(argv)
    figures = [f for f in FIGURES if not args.only or f.NAME in args.only]
    header = f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}."
    with tempfile.TemporaryDirectory(prefix="fink-bench-") as work:
        bench = Bench(Path(work), max(1, args.repeat))
        bench.folder("home")
        bench.install_baselines(baselines_for(figures), lambda m: print(m, file=sys.stderr, flush=True))
        bench.start_emulator()
        rows: list[Row] = []
        try:
            for figure in figures:
                print(f"running {figure.NAME} ...", file=sys.stderr, flush=True)
                try:
                    rows += figure.run(bench)
                except Exception as exc:  # one broken figure must not hide the others
                    rows.append(Row(f"{figure.NAME}: FAILED", None, notes=[f"{type(exc).__name__}: {exc}"[:300]]))
        finally:
            bench.stop_emulator()
    table = render_table(rows)
    print(header + "\n\n" + table)
    if args.update_readme:
        update_readme(table, header)
    return 1 if any(r.figure.endswith("FAILED") for r in rows) else 0
