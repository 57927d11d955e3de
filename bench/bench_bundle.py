"""Benchmark: the bundler (what `lambda bundle` runs) against `zip -qrX` on the same ~100 MB tree.

Prints both times and the ratio bundler/zip (target: <= 1.0, i.e. not slower than zip). Not a test: run it by hand,
e.g. ``.venv/bin/python bench/bench_bundle.py [--size-mb 100] [--repeat 3] [--keep-tree DIR]``.

The tree mixes what Lambda bundles hold: many small source files (compressible text) and a few large files
(half-random bytes, like shared libraries). The best of ``--repeat`` runs counts for each side, so a busy machine
disturbs the comparison less.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

from fink_bundler.bundler import build_lambda_bundle

__all__ = ["make_tree", "main"]


def _text(rng: random.Random, size: int) -> bytes:
    words = [b"def", b"return", b"import", b"self", b"value", b"for", b"in", b"if", b"else", b"None", b"class",
             b"lambda", b"data", b"result", b"(", b")", b":", b"\n    ", b"\n"]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words) + b" " + str(rng.randint(0, 9999)).encode() + b" "
    return bytes(out[:size])


def _binary(rng: random.Random, size: int) -> bytes:
    block = rng.randbytes(1 << 16)
    text = _text(rng, 1 << 16)
    return ((block + text) * (size // (2 << 16) + 1))[:size]


def make_tree(root: str, size_mb: int) -> int:
    """Write ~``size_mb`` MB: 40% small text files in nested packages, 60% large half-random files."""
    rng = random.Random(42)
    total, target = 0, size_mb * 2**20
    small_budget = target * 4 // 10
    index = 0
    while total < small_budget:
        folder = os.path.join(root, "src", f"pkg{index // 200:03d}", f"sub{index // 20 % 10}")
        os.makedirs(folder, exist_ok=True)
        data = _text(rng, rng.randint(500, 8000))
        with open(os.path.join(folder, f"mod{index:05d}.py"), "wb") as fh:
            fh.write(data)
        total, index = total + len(data), index + 1
    os.makedirs(os.path.join(root, "src", "native"), exist_ok=True)
    part = 0
    while total < target:
        data = _binary(rng, min(12 * 2**20, target - total))
        with open(os.path.join(root, "src", "native", f"lib{part}.so"), "wb") as fh:
            fh.write(data)
        total, part = total + len(data), part + 1
    with open(os.path.join(root, "handler.py"), "w") as fh:
        fh.write("def handle(event, context):\n    return 'alive'\n")
    return total


def _best(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep-tree", help="build the tree in this folder and keep it")
    args = parser.parse_args(argv)
    if shutil.which("zip") is None:
        print("zip is not installed: nothing to compare with", file=sys.stderr)
        return 2
    root = args.keep_tree or tempfile.mkdtemp(prefix="fink-bench-")
    os.makedirs(root, exist_ok=True)
    try:
        size = make_tree(root, args.size_mb)
        section = {"lambda": {"handlerFile": "handler.py", "runtime": "python3.12"},
                   "bundling": {"zip": "../fink-bench-bundle.zip", "folders": [{"source": "src", "target": ""}]}}
        zip_out = os.path.join(os.path.dirname(root), "fink-bench-zip.zip")

        def run_zip() -> None:
            if os.path.exists(zip_out):
                os.remove(zip_out)
            subprocess.run(["zip", "-qrX", zip_out, "src", "handler.py"], cwd=root, check=True)

        fink_time = _best(lambda: build_lambda_bundle(section, root, ignore=[]), args.repeat)
        zip_time = _best(run_zip, args.repeat)
        bundle = os.path.join(os.path.dirname(root), "fink-bench-bundle.zip")
        print(f"tree: {size / 2**20:.0f} MB in {root}, {os.cpu_count()} cores")
        print(f"fink bundler: {fink_time:.2f} s, {os.path.getsize(bundle) / 2**20:.1f} MB")
        print(f"zip -qrX:     {zip_time:.2f} s, {os.path.getsize(zip_out) / 2**20:.1f} MB")
        print(f"ratio bundler/zip: {fink_time / zip_time:.2f} (target <= 1.0)")
        for path in (bundle, zip_out):
            os.remove(path)
    finally:
        if not args.keep_tree:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
