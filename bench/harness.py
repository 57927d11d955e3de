"""What every figure of the benchmark uses: running a command as a real process and measuring it, the baseline
tools' own virtual environment, the local emulator, and the result rows.

Rules: every measured run is a separate process (start-up counts, as it does for a user), measured by the wall
clock, by its CPU time and by its peak memory (from ``wait4``); a figure is the median of its repeats. fink and its
baselines run against the same emulator in the same run, so the ratio compares like with like on a busy machine.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

__all__ = ["Row", "Sample", "Bench", "client", "measure", "count_botocore_calls", "count_fink_calls", "BASELINES"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV_BIN = Path(sys.executable).parent  # fink's own environment (the repository's .venv)

#: baseline tool -> (pip requirement, its console script); each gets its own virtual environment because their
#: pinned botocore versions disagree
BASELINES = {
    "aws": ("awscli", "aws"),
    "sam": ("aws-sam-cli", "sam"),
    "sceptre": ("sceptre", "sceptre"),
}


@dataclass(frozen=True)
class Sample:
    wall: float       # seconds, median
    cpu: float        # seconds (user + system), median
    peak_mb: float    # MiB, the largest of the repeats
    stdout: str = ""
    stderr: str = ""
    code: int = 0     # the exit code of the last run


@dataclass
class Row:
    """One line of the table: fink's figure, the baseline's figure measured in the same run, and call counts."""

    figure: str
    fink: float | None
    unit: str = "s"
    baseline_name: str = "-"
    baseline: float | None = None
    fink_calls: int | None = None
    baseline_calls: int | None = None
    peak_mb: float | None = None
    target: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.fink is None or not self.baseline:
            return None
        return self.fink / self.baseline


_TIME = "/usr/bin/time"  # GNU time: measures the command alone (see _run_measured)


def _run_measured(cmd: Sequence[str], env: dict, cwd: Path | None) -> tuple[float, float, float, str, str, int]:
    """Run the process; its wall time, CPU time and peak memory.

    A child's peak memory (``ru_maxrss``) starts from its parent's size at the fork, and this process holds the
    emulator (200+ MB). So the command runs under GNU time (a small process) when it is installed, which reports
    the command's own peak memory; otherwise ``wait4`` gives it (then overstated). The CPU time comes from
    ``wait4`` (it includes the reaped command; GNU time's own share is a millisecond or so)."""
    import tempfile
    use_time = os.access(_TIME, os.X_OK)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        full = [_TIME, "-o", report.name, "-f", "%e %U %S %M", *cmd] if use_time else list(cmd)
        started = time.perf_counter()
        proc = subprocess.Popen(full, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
        if use_time:
            fields = report.read().split()[-4:]
            try:  # the CPU time stays wait4's: it includes the reaped command, at a finer resolution
                peak = int(fields[3]) / 1024
            except (IndexError, ValueError):
                pass
        out.seek(0)
        err.seek(0)
        return wall, cpu, peak, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), code


def measure(cmd: Sequence[str], env: dict, cwd: Path | None = None, repeat: int = 5, check: bool = True,
            prepare=None) -> Sample:
    """Median wall and CPU time and the peak memory of ``repeat`` runs of ``cmd`` (``prepare()`` before each)."""
    walls, cpus, peaks = [], [], []
    out = err = ""
    for _ in range(repeat):
        if prepare is not None:
            prepare()
        wall, cpu, peak, out, err, code = _run_measured(cmd, env, cwd)
        if check and code != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {code}:\n{out[-2000:]}\n{err[-4000:]}")
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
    return Sample(statistics.median(walls), statistics.median(cpus), max(peaks), out, err, code)


_BOTOCORE_CALL = re.compile(r"Making request for OperationModel\(name=(\w+)\)")
_FINK_TOTAL = re.compile(r"AWS calls: (\d+)")


def count_botocore_calls(debug_log: str) -> int:
    """AWS calls in the ``--debug`` log of a botocore-based tool (aws, sam, sceptre)."""
    return len(_BOTOCORE_CALL.findall(debug_log))


def count_fink_calls(verbose_log: str) -> int:
    """AWS calls that fink's ``-v`` prints at the end of a run."""
    found = _FINK_TOTAL.findall(verbose_log)
    return int(found[-1]) if found else 0


class Bench:
    """The shared set-up of one benchmark run: environments, the emulator, a scratch folder."""

    def __init__(self, work: Path, repeat: int):
        self.work, self.repeat = work, repeat
        self.venvs = HERE / ".venv"
        self.emulator = None
        self.installed: set[str] = set()  # the baselines installed for this run's figures

    # ---- baselines ------------------------------------------------------------------------------------------------
    def install_baselines(self, names, log) -> None:
        """The baselines ``names`` (what the selected figures declare in ``BASELINES``), each in its own virtual
        environment under bench/.venv/ (reused while its requirement holds)."""
        for name in names:
            requirement = BASELINES[name][0]
            folder = self.venvs / name
            stamp = folder / ".bench-installed"
            if stamp.exists() and stamp.read_text() == requirement:
                continue
            log(f"installing {requirement} into {folder} ...")
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
            subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", "--upgrade", "pip"],
                           check=True)
            subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", requirement], check=True)
            stamp.write_text(requirement)
        self.installed.update(names)

    def _installed(self, name: str) -> str:
        if name not in self.installed:
            raise RuntimeError(f"baseline '{name}' was not installed: add it to the figure's BASELINES")
        return name

    def baseline(self, name: str) -> str:
        return str(self.venvs / self._installed(name) / "bin" / BASELINES[name][1])

    def baseline_python(self, name: str) -> str:
        return str(self.venvs / self._installed(name) / "bin" / "python")

    def fink(self, script: str) -> str:
        return str(VENV_BIN / script)

    # ---- the emulator ---------------------------------------------------------------------------------------------
    def start_emulator(self) -> None:
        from fink_testtools.moto_server import MotoServer
        self.emulator = MotoServer().start()
        # the emulator imports each service's implementation on its first request: pay that before measuring
        for service, call in (("cloudformation", "list_stacks"), ("ssm", "describe_parameters"),
                              ("lambda", "list_functions"), ("iam", "list_roles"), ("s3", "list_buckets")):
            getattr(client(self, service), call)()

    def stop_emulator(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    def env(self, **extra: str) -> dict:
        """The environment of a measured run: the emulator, dummy credentials, no update check, no colour."""
        from fink_testtools.moto_server import AWS_TEST_ENV
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
        env.update(AWS_TEST_ENV)
        env.update({"FINK_NO_UPDATE_CHECK": "1", "NO_COLOR": "1", "SAM_CLI_TELEMETRY": "0",
                    "AWS_PAGER": "", "HOME": str(self.work / "home")})
        if self.emulator is not None:
            env["AWS_ENDPOINT_URL"] = self.emulator.url
        env.update(extra)
        return env

    def folder(self, name: str) -> Path:
        path = self.work / name
        path.mkdir(parents=True, exist_ok=True)
        return path


def client(bench: Bench, service: str):
    """A boto3 client of the emulator, for a figure's set-up (never measured)."""
    import boto3
    from fink_testtools.moto_server import AWS_TEST_ENV
    return boto3.client(service, endpoint_url=bench.emulator.url, region_name=AWS_TEST_ENV["AWS_DEFAULT_REGION"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")
