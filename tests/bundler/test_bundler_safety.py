"""Clear errors instead of surprising bundles: escaping targets, missing sources, symlink loops, size limits,
name clashes; ignore patterns and host noise; the plugin acts only for lambda and code."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from fink.errors import ConfigError, FinkError
from fink_bundler import bundler


def _section(folders, **function) -> dict:
    return {"lambda": {"handlerFile": "handler.py", "runtime": "python3.12", **function},
            "bundling": {"folders": folders}}


@pytest.fixture
def work(temp_folder: Path) -> Path:
    (temp_folder / "handler.py").write_text("def handle(e, c):\n    return 1\n")
    (temp_folder / "src").mkdir()
    (temp_folder / "src" / "mod.py").write_text("X = 1\n")
    return temp_folder


@pytest.mark.parametrize("target", ["../outside", "lib/../../outside", "/etc"])
def test_a_target_outside_the_bundle_is_refused(work, target):
    with pytest.raises(ConfigError, match="lies outside the bundle"):
        bundler.build_lambda_bundle(_section([{"source": "src", "target": target}]), str(work), ignore=[])
    assert not (work / "bundle.zip").exists()


def test_a_target_that_stays_inside_after_normalising_is_fine(work):
    result = bundler.build_lambda_bundle(_section([{"source": "src", "target": "a/../lib/"}]), str(work), ignore=[])
    assert result.names == ("handler.py", "lib/mod.py")


def test_a_missing_source_folder_is_named(work):
    with pytest.raises(ConfigError, match=r"The source 'nope' of bundling.folders\[0\] does not exist"):
        bundler.build_lambda_bundle(_section([{"source": "nope"}]), str(work), ignore=[])


def test_a_symlink_loop_is_an_error(work):
    os.symlink("..", work / "src" / "up")
    with pytest.raises(FinkError, match="Symlink loop: .*up points back to"):
        bundler.build_lambda_bundle(_section([{"source": "src"}]), str(work), ignore=[])


def test_a_loop_through_a_second_link_outside_the_folder_is_an_error(work):
    (work / "elsewhere").mkdir()
    os.symlink(work / "elsewhere", work / "src" / "jump")
    os.symlink(work / "src", work / "elsewhere" / "back")
    with pytest.raises(FinkError, match="Symlink loop: .*back points back to"):
        bundler.build_lambda_bundle(_section([{"source": "src"}]), str(work), ignore=[])


def test_a_self_referencing_link_is_an_error(work):
    os.symlink("me", work / "src" / "me")
    with pytest.raises(FinkError, match="Symlink loop: .*me points back to itself"):
        bundler.build_lambda_bundle(_section([{"source": "src"}]), str(work), ignore=[])


def test_symlinked_files_and_folders_are_bundled_by_content(work):
    (work / "shared").mkdir()
    (work / "shared" / "util.py").write_text("U = 1\n")
    os.symlink(work / "shared", work / "src" / "shared")
    os.symlink(work / "handler.py", work / "src" / "alias.py")
    result = bundler.build_lambda_bundle(_section([{"source": "src", "target": ""}]), str(work), ignore=[])
    assert result.names == ("alias.py", "handler.py", "mod.py", "shared/util.py")


def test_two_files_for_one_name_are_an_error(work):
    (work / "src" / "handler.py").write_text("other\n")
    with pytest.raises(ConfigError, match="Two files would become 'handler.py'"):
        bundler.build_lambda_bundle(_section([{"source": "src", "target": ""}]), str(work), ignore=[])


def test_over_250_mb_unzipped_is_always_an_error(aws, work, run_cli, monkeypatch):
    """Through the CLI; the limit is lowered so the test does not write 250 MB."""
    (work / "fink_dev.json").write_text(
        '{"lambda": {"lambda": {"name": "f", "role": "arn:aws:iam::123456789012:role/r", "handlerFunction": '
        '"handler.handle", "handlerFile": "handler.py"}, "bundling": {"folders": [{"source": "src"}]}}}')
    (work / "src" / "big.bin").write_bytes(b"\0" * 4096)
    monkeypatch.setattr(bundler, "MAX_UNZIPPED", 4000)
    result = run_cli("lambda", "bundle", env={"ENV": "dev"})
    assert result.exit_code == 1
    assert "unzipped; Lambda allows at most" in result.stderr
    assert not (work / "bundle.zip").exists()


def test_noise_and_ignored_files_stay_out(work):
    (work / "src" / "__pycache__").mkdir()
    (work / "src" / "__pycache__" / "mod.cpython-312.pyc").write_bytes(b"x")
    (work / "src" / "old.pyc").write_bytes(b"x")
    (work / "src" / "notes.md").write_text("x")
    (work / "src" / "keep.md").write_text("x")
    (work / ".finkignore").write_text("# docs\n*.md\n!keep.md\n")
    result = bundler.build_lambda_bundle(_section([{"source": "src"}]), str(work))
    assert result.names == ("handler.py", "src/keep.md", "src/mod.py")


def test_the_bundle_and_fink_cache_never_bundle_themselves(work):
    (work / ".fink").mkdir()
    (work / ".fink" / "cached.txt").write_text("x")
    section = _section([{"source": ".", "target": ""}])
    bundler.build_lambda_bundle(section, str(work), ignore=[])
    again = bundler.build_lambda_bundle(section, str(work), ignore=[])
    assert again.names == ("handler.py", "src/mod.py")


def _run_signals(tool: str, config: dict, arguments: dict | None = None) -> dict:
    context = {"tool": tool, "_arguments": arguments or {}}
    bundler.on_bundle_pre((context, config))
    bundler.on_bundle_init((context, config))
    return context


def test_the_plugin_uses_the_configured_ignore_patterns_before_finkignore(work):
    (work / ".finkignore").write_text("src/\n")
    config = {"lambda": _section([{"source": "src"}]), "finkignore": ["handler.py"]}
    context = _run_signals("lambda", config)
    assert context["_bundle_file"] == str(work / "bundle.zip")
    assert context["_bundle_size"] == len("X = 1\n")
    import zipfile
    assert zipfile.ZipFile(context["_bundle_file"]).namelist() == ["src/mod.py"]


def test_the_plugin_does_nothing_for_other_tools(work):
    context = _run_signals("cloud", {"cloud": {"bundling": {"preBundle": ["false"]}}})
    assert "_bundle_file" not in context and not (work / "bundle.zip").exists()


def test_an_interrupted_install_leaves_no_half_cache_and_no_zip(work, monkeypatch):
    from fink.errors import GracefulExit
    from fink_bundler import deps

    (work / "requirements.txt").write_text("tinydep==1.0\n")

    def interrupted(cmd, cwd, what, hint):
        (Path(cmd[cmd.index("--target") + 1]) / "half-installed.py").write_text("x")
        raise GracefulExit("SIGTERM")

    monkeypatch.setattr(deps, "_attempt", interrupted)
    with pytest.raises(GracefulExit):
        bundler.build_lambda_bundle(_section([]), str(work), ignore=[], keep=True)
    assert os.listdir(work / ".fink" / "tmp") == [] and not (work / ".fink" / "deps").exists()
    assert not (work / "bundle.zip").exists()


def test_a_command_that_does_not_bundle_does_not_import_the_bundling_engine(tmp_path, monkeypatch):
    """Every command loads every plugin: the bundler's entry point is a thin module, and the collector, installers,
    member cache and zip writer (~10 ms of CPU) are imported only when lambda or code bundles. A real process,
    since this test session has imported them long ago."""
    import subprocess
    import sys
    (tmp_path / "fink_dev.json").write_text('{"cloud": {"stack": {"StackName": "x"}}}')
    (tmp_path / "cloudformation.py").write_text("def generate_template():\n    return '{\"Resources\": {}}'\n")
    code = ("import sys; from fink.cli import run; code = run('cloud', ['generate']); "
            "print(code, sorted(m for m in sys.modules if m.startswith('fink_bundler')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "ENV": "dev"})
    assert out.stdout.strip().splitlines()[-1] == "0 ['fink_bundler', 'fink_bundler.plugin']", out.stderr
