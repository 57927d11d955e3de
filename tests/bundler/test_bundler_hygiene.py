"""Bundle hygiene and confinement (issue 12): credentials and local state stay out by default (``!`` re-includes,
an explicitly named excluded file is warned about), members and the zip get fixed modes whatever the umask, and
nothing reaches outside the project folder (zip path, symlinks)."""
from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from fink.errors import ConfigError
from fink.ui import UI
from fink_bundler import bundler
from fink_bundler.collect import DEFAULT_EXCLUDES

CREDENTIALS = [".env", ".env.production", ".aws/credentials", ".ssh/id_rsa", "certs/server.pem", "tls/server.key",
               ".npmrc", ".pypirc", "credentials.json", "credentials-prod.json", ".gitignore", ".github/ci.yml"]


def _section(folders, **bundling) -> dict:
    return {"lambda": {"handlerFile": "handler.py", "runtime": "python3.12"},
            "bundling": {"folders": folders, **bundling}}


@pytest.fixture
def work(temp_folder: Path) -> Path:
    (temp_folder / "handler.py").write_text("def handle(e, c):\n    return 1\n")
    for name in ["app/mod.py", "app/settings.yaml"] + [f"app/{c}" for c in CREDENTIALS]:
        (temp_folder / name).parent.mkdir(parents=True, exist_ok=True)
        (temp_folder / name).write_text("x\n")
    return temp_folder


def test_credentials_and_local_state_are_left_out_by_default(work):
    ui = UI(io.StringIO(), err := io.StringIO(), verbose=True, environ={})
    result = bundler.build_lambda_bundle(_section([{"source": "app"}]), str(work), ignore=[], ui=ui)
    assert result.names == ("app/mod.py", "app/settings.yaml", "handler.py")
    assert "left out by the default excludes: app/.aws/, app/.env," in err.getvalue()
    assert "WARNING" not in err.getvalue().upper()  # nothing was named explicitly
    assert len(DEFAULT_EXCLUDES) == 9


def test_bang_patterns_re_include_and_user_patterns_still_apply(work):
    result = bundler.build_lambda_bundle(_section([{"source": "app"}]), str(work),
                                         ignore=["!*.pem", "!.aws/", "settings.yaml"])
    assert result.names == ("app/.aws/credentials", "app/certs/server.pem", "app/mod.py", "handler.py")


def test_an_explicitly_named_excluded_file_is_warned_about(work):
    err = io.StringIO()
    result = bundler.build_lambda_bundle(_section([{"source": "app/.env", "target": "conf"},
                                                   {"source": "app/mod.py"}]), str(work), ignore=[],
                                         ui=UI(io.StringIO(), err, environ={}))
    assert "conf/.env" not in result.names
    assert "'app/.env' is named in the bundling config but left out by the default excludes" in err.getvalue()
    assert "!" in err.getvalue()


def test_installed_dependencies_keep_their_pem_files(work):
    """certifi's cacert.pem must ship: the default excludes apply to the user's files only."""
    from fink_bundler.collect import Collector, Ignore
    deps = work / ".fink" / "site"
    (deps / "certifi").mkdir(parents=True)
    (deps / "certifi" / "cacert.pem").write_text("CERT\n")
    collector = Collector(str(work), Ignore([], defaults=DEFAULT_EXCLUDES))
    collector.add_path(str(deps), "", "deps", user_files=False)
    assert list(collector.members) == ["certifi/cacert.pem"]


def test_modes_are_fixed_whatever_the_umask(work):
    (work / "app" / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(work / "app" / "run.sh", 0o700)
    os.chmod(work / "app" / "mod.py", 0o600)
    old = os.umask(0o077)
    try:
        result = bundler.build_lambda_bundle(_section([{"source": "app"}]), str(work), ignore=[])
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(result.path).st_mode) == 0o644
    with zipfile.ZipFile(result.path) as zf:
        modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in zf.infolist()}
    assert modes == {"app/mod.py": 0o644, "app/run.sh": 0o755, "app/settings.yaml": 0o644, "handler.py": 0o644}


@pytest.mark.parametrize("zip_name", ["../bundle.zip", "/tmp/fink-escape.zip", "dist/../../x.zip", "out/b.zip"])
def test_the_zip_stays_inside_the_project(work, zip_name, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (work / "out").symlink_to(outside)
    with pytest.raises(ConfigError, match=f"bundling.zip '{zip_name}' lies outside the project folder"):
        bundler.build_lambda_bundle(_section([{"source": "app"}], zip=zip_name), str(work), ignore=[])
    assert not list(outside.iterdir()) and not (work.parent / "bundle.zip").exists()


def test_symlinks_leaving_the_project_are_refused_unless_allowed(work, tmp_path_factory):
    outside = tmp_path_factory.mktemp("shared")
    (outside / "secret.txt").write_text("from outside\n")
    (work / "app" / "shared").symlink_to(outside)
    with pytest.raises(ConfigError, match=r"app/shared is a symlink to .*outside the project folder") as caught:
        bundler.build_lambda_bundle(_section([{"source": "app"}]), str(work), ignore=[])
    assert "bundling.allowExternalSymlinks" in caught.value.hint
    (work / "app" / "inside").symlink_to(work / "app" / "mod.py")  # links inside the project are fine
    result = bundler.build_lambda_bundle(_section([{"source": "app"}], allowExternalSymlinks=True), str(work),
                                         ignore=[])
    assert "app/shared/secret.txt" in result.names and "app/inside" in result.names


def test_the_prefilter_answers_exactly_as_pathspec_does():
    """Ignore matching puts one combined regex in front of pathspec (speed); the answers must not change."""
    import pathspec
    from fink_bundler.collect import Ignore
    patterns = ["*.pem", ".env*", "!keep.pem", "build/", "/top", "a/**/b", "!a/x/b", "docs/*.md", "*.py[cod]",
                "[Cc]redentials*.json", "\\#literal", "sub/dir/", "!sub/dir/keep/"]
    paths = ["x.pem", "d/keep.pem", "keep.pem", ".env", "d/.env.local", "build/x", "d/build/y", "top", "d/top",
             "a/b", "a/q/r/b", "a/x/b", "docs/i.md", "docs/s/i.md", "m.pyc", "Credentials.json", "#literal",
             "sub/dir/f", "sub/dir/keep/f", "plain.txt", "./x.pem", "deep/er/file.py"]
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    ignore = Ignore(patterns)
    for path in paths:
        for suffix in ("", "/"):
            assert ignore(path, is_dir=bool(suffix)) == bool(spec.match_file(path + suffix)), path
