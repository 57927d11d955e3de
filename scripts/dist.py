"""Builds reproducible wheels and sdists of every fink distribution into dist/ and checks them.

    python scripts/dist.py [--out DIR] [--no-install-check]

Each distribution is built from a clean copy of its folder (nothing is left in the checkout) with
``SOURCE_DATE_EPOCH`` set, then its archive is normalised (sorted members, fixed dates, owners and modes), so the
same checkout gives the same bytes on any machine. The checks, in order:

1. metadata: name, version, summary, licence, Python requirement, the expected console scripts and entry points;
2. declared dependencies: every third-party module a package imports is required by the distribution (directly,
   through another fink distribution, or in an extra), so an install never lacks a module;
3. install (skipped with ``--no-install-check``): every wheel is installed alone into a fresh virtual environment
   with its declared dependencies (fink's own from ``--out``, the rest from the package index pip is set up for),
   its packages import and its console scripts answer ``--help``.

Exit code 0 when everything was built and passed, 1 otherwise; each problem is one line.
"""
from __future__ import annotations

import argparse
import ast
import email
import gzip
import importlib.metadata as md
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: 1980-01-01, the oldest date a zip member can carry
EPOCH = 315532800

#: distribution name -> (folder, its import packages, its console scripts, its entry-point groups)
DISTRIBUTIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "fink-core": (".", ("fink", "fink_testtools"), ("fink",), ("console_scripts", "pytest11")),
    "fink-cloud": ("fink_cloud", ("fink_cloud",), ("cloud",), ("console_scripts", "fink.tools")),
    "fink-code": ("fink_code", ("fink_code",), ("code",), ("console_scripts", "fink.tools")),
    "fink-lambda": ("fink_lambda", ("fink_lambda",), ("lambda",), ("console_scripts", "fink.tools")),
    "fink-api": ("fink_api", ("fink_api",), ("api",), ("console_scripts", "fink.tools")),
    "fink-config-reader": ("plugins/fink_config_reader", ("fink_config_reader",), (), ("fink.plugins",)),
    "fink-lookups": ("plugins/fink_lookups", ("fink_lookups",), (), ("fink.plugins",)),
    "fink-bundler": ("plugins/fink_bundler", ("fink_bundler",), (), ("fink.plugins",)),
    "fink-say-hello": ("plugins/fink_say_hello", ("fink_say_hello",), (), ("fink.plugins",)),
    "fink-slack-integration": ("plugins/fink_slack_integration", ("fink_slack_integration",), (),
                               ("fink.plugins",)),
}
_NOISE = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", "*.pyc", "bundle.zip", ".fink",
                                ".venv", "tests")


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ---- build --------------------------------------------------------------------------------------------------------
def copy_sources(dest: Path, only: tuple[str, ...] = ()) -> dict[str, Path]:
    """Clean copies of the distribution folders (building leaves build/ and egg-info folders behind)."""
    copies = {}
    for dist, (folder, packages, _, _) in DISTRIBUTIONS.items():
        if only and dist not in only:
            continue
        target = dest / dist
        if folder == ".":
            target.mkdir(parents=True)
            for name in ("setup.py", "README.md"):
                shutil.copy2(ROOT / name, target / name)
            for package in packages:
                shutil.copytree(ROOT / package, target / package, ignore=_NOISE)
        else:
            shutil.copytree(ROOT / folder, target, ignore=_NOISE)
        copies[dist] = target
    return copies


def build(out: Path, python: str = sys.executable, only: tuple[str, ...] = ()) -> list[Path]:
    """Wheels and sdists of every distribution (or of ``only`` these) in ``out``, normalised; returns the archives."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory(prefix="fink-dist-") as tmp:
        for dist, source in copy_sources(Path(tmp), only).items():
            result = subprocess.run([python, "-m", "build", "--no-isolation", "--sdist", "--wheel",
                                     "--outdir", str(out), str(source)], capture_output=True, text=True, env=env)
            if result.returncode != 0:
                raise SystemExit(f"Building {dist} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    archives = sorted(out.glob("*.whl")) + sorted(out.glob("*.tar.gz"))
    for archive in archives:
        (normalise_wheel if archive.suffix == ".whl" else normalise_sdist)(archive)
    return archives


def _mode(executable: bool) -> int:
    return 0o755 if executable else 0o644


def normalise_wheel(path: Path) -> None:
    """Rewrite a wheel with sorted members, the 1980 date and 0644/0755 modes (contents, and so RECORD, unchanged)."""
    with zipfile.ZipFile(path) as zin:
        members = [(info, zin.read(info)) for info in zin.infolist()]
    record = [m for m in members if m[0].filename.endswith(".dist-info/RECORD")]
    rest = sorted((m for m in members if m not in record), key=lambda m: m[0].filename)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in rest + record:  # RECORD last, as the wheel format recommends
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = (0o100000 | _mode(bool((info.external_attr >> 16) & 0o111))) << 16
            zout.writestr(fixed, data, compresslevel=9)
    path.write_bytes(buffer.getvalue())


def normalise_sdist(path: Path) -> None:
    """Rewrite an sdist with sorted members, fixed dates, root ownership, 0644/0755 modes and no gzip date."""
    with tarfile.open(path, "r:gz") as tin:
        members = [(m, tin.extractfile(m).read() if m.isfile() else None) for m in tin.getmembers()]
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tout:
            for member, data in sorted(members, key=lambda m: m[0].name):
                member.mtime, member.uid, member.gid, member.uname, member.gname = EPOCH, 0, 0, "", ""
                member.mode = 0o755 if member.isdir() else _mode(bool(member.mode & 0o111))
                member.pax_headers = {}
                tout.addfile(member, io.BytesIO(data) if data is not None else None)
    path.write_bytes(buffer.getvalue())


# ---- checks -------------------------------------------------------------------------------------------------------
def wheel_of(out: Path, dist: str) -> Path:
    found = [p for p in out.glob("*.whl") if _normalised(p.name.split("-")[0]) == dist]
    if len(found) != 1:
        raise SystemExit(f"Expected one wheel of {dist} in {out}, found {len(found)}.")
    return found[0]


def wheel_metadata(wheel: Path) -> tuple[email.message.Message, str]:
    """(METADATA, entry_points.txt) of a wheel."""
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        eps = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
        return email.message_from_bytes(z.read(meta)), z.read(eps).decode() if eps else ""


def check_metadata(out: Path) -> list[str]:
    problems = []
    for dist, (_, _, scripts, groups) in DISTRIBUTIONS.items():
        meta, eps = wheel_metadata(wheel_of(out, dist))
        for field in ("Name", "Version", "Summary", "License", "Requires-Python"):
            if not meta.get(field):
                problems.append(f"{dist}: metadata has no {field}")
        if _normalised(meta.get("Name", "")) != dist:
            problems.append(f"{dist}: metadata names {meta.get('Name')!r}")
        for group in groups:
            if f"[{group}]" not in eps:
                problems.append(f"{dist}: no entry points in group {group}")
        for script in scripts:
            if not re.search(rf"^{re.escape(script)} = ", eps, re.M):
                problems.append(f"{dist}: no console script {script}")
    return problems


def _imports(package_dir: Path) -> set[str]:
    """Top-level names of the modules a package imports (absolute imports only)."""
    found: set[str] = set()
    for path in package_dir.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def _requirement_names(requires: list[str] | None) -> set[str]:
    return {_normalised(re.split(r"[\s\[<>=!~;(]", r, maxsplit=1)[0]) for r in requires or []}


def _closure(names: set[str], own: dict[str, set[str]]) -> set[str]:
    """Every distribution reachable from ``names`` through fink's wheels and the installed third-party ones."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in own:
            todo += own[name]
        else:
            try:
                todo += _requirement_names(md.requires(name))
            except md.PackageNotFoundError:
                pass
    return seen


def check_dependencies(out: Path) -> list[str]:
    """Every third-party module imported by a distribution's packages is among its declared requirements."""
    own = {dist: _requirement_names(wheel_metadata(wheel_of(out, dist))[0].get_all("Requires-Dist"))
           for dist in DISTRIBUTIONS}
    providers = {module: {_normalised(d) for d in dists} for module, dists in md.packages_distributions().items()}
    fink_packages = {p for _, packages, _, _ in DISTRIBUTIONS.values() for p in packages}
    problems = []
    for dist, (folder, packages, _, _) in DISTRIBUTIONS.items():
        declared = _closure(own[dist], own)
        for package in packages:
            for module in sorted(_imports(ROOT / folder / package) - set(sys.stdlib_module_names) - fink_packages):
                dists = providers.get(module)
                if dists is None:
                    problems.append(f"{dist}: {package} imports {module}, which no installed distribution provides")
                elif not dists & declared:
                    problems.append(f"{dist}: {package} imports {module} but requires none of {sorted(dists)}")
            for other in sorted(_imports(ROOT / folder / package) & fink_packages - set(packages)):
                provider = next(d for d, (_, p, _, _) in DISTRIBUTIONS.items() if other in p)
                if provider not in declared:
                    problems.append(f"{dist}: {package} imports {other} but does not require {provider}")
    return problems


def _failure(dist: str, step: list[str]) -> str | None:
    """None when the command succeeds, else one line naming it and its last line of output."""
    result = subprocess.run(step, capture_output=True, text=True, env={**os.environ, "FINK_NO_UPDATE_CHECK": "1"})
    if result.returncode == 0:
        return None
    last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(no output)"]
    return f"{dist}: `{' '.join(Path(s).name for s in step[:3])} ...` failed: {last[0]}"


def check_installs(out: Path) -> list[str]:
    """Each wheel alone in a fresh virtual environment, with its declared dependencies."""
    problems = []
    for dist, (_, packages, scripts, _) in DISTRIBUTIONS.items():
        with tempfile.TemporaryDirectory(prefix=f"fink-check-{dist}-") as tmp:
            subprocess.run([sys.executable, "-m", "venv", tmp], check=True, capture_output=True)
            python = str(Path(tmp, "bin", "python"))
            steps = [[python, "-m", "pip", "install", "-q", "--find-links", str(out), str(wheel_of(out, dist))],
                     [python, "-c", "; ".join(f"import {p}" for p in packages)]]
            steps += [[str(Path(tmp, "bin", script)), "--help"] for script in scripts]
            problem = next(filter(None, (_failure(dist, step) for step in steps)), None)
            print(f"  {dist}: {'FAILED' if problem else 'installs alone, imports, --help answers'}")
            problems += [problem] if problem else []
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "dist"), help="folder for the archives (default: dist/)")
    parser.add_argument("--no-install-check", action="store_true", help="skip installing each wheel in a venv")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.exists():
        for old in list(out.glob("*.whl")) + list(out.glob("*.tar.gz")):
            old.unlink()
    print(f"Building {len(DISTRIBUTIONS)} distributions into {out} ...")
    archives = build(out)
    problems = check_metadata(out) + check_dependencies(out)
    if not args.no_install_check and not problems:
        print("Installing each wheel alone into a fresh virtual environment ...")
        problems += check_installs(out)
    for archive in archives:
        print(f"  {archive.name}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    print(f"{len(archives)} archives, {len(problems)} problems.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
