"""`make bench --only NAME` installs only the baseline tools the selected figures declare (issue 16)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench(monkeypatch, tmp_path):
    """The bench runner with pip, the emulator and the figures' work replaced: what it would install is recorded."""
    monkeypatch.syspath_prepend(str(ROOT))
    from bench import harness, runner
    from bench.figures import FIGURES
    installs: list[str] = []

    def run(cmd, check=False, **_kw):
        if cmd[1:3] == ["-m", "venv"]:
            Path(cmd[-1]).mkdir(parents=True)
        if cmd[1:4] == ["-m", "pip", "install"] and cmd[-1] != "pip":
            installs.append(cmd[-1])
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(harness, "HERE", tmp_path)  # bench/.venv of this test: nothing is installed yet
    monkeypatch.setattr(harness.subprocess, "run", run)
    monkeypatch.setattr(harness.Bench, "start_emulator", lambda self: None)
    monkeypatch.setattr(harness.Bench, "stop_emulator", lambda self: None)
    for figure in FIGURES:  # each figure asks for its declared baselines, as the real ones do
        monkeypatch.setattr(figure, "run", lambda b, f=figure: [harness.Row(f.NAME, 1.0, notes=[
            b.baseline(name) for name in getattr(f, "BASELINES", ())])])
    return runner, harness, installs


@pytest.mark.parametrize("only, expected", [
    (["bundle"], []), (["version", "config"], []), (["lambda-deploy"], ["awscli"]),
    (["lambda-deploy", "cloud-deploy"], ["awscli"]), (["startup"], ["awscli", "aws-sam-cli", "sceptre"]),
])
def test_only_the_selected_figures_baselines_are_installed(bench, capsys, only, expected):
    runner, _, installs = bench
    argv = [arg for name in only for arg in ("--only", name)]
    assert runner.main(argv) == 0
    assert sorted(installs) == sorted(expected)
    assert "FAILED" not in capsys.readouterr().out


def test_a_figure_using_an_undeclared_baseline_fails_with_a_clear_row(bench, capsys, monkeypatch):
    runner, harness, installs = bench
    from bench.figures import version
    monkeypatch.setattr(version, "run", lambda b: [harness.Row("version", b.baseline("sam"))])
    assert runner.main(["--only", "version"]) == 1
    assert installs == []
    assert "baseline 'sam' was not installed: add it to the figure's BASELINES" in capsys.readouterr().out
