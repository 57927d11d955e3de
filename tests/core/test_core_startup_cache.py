"""The start-up cache (fink.diskcache): a run reuses the previous run's list of tools and plugins and its parsed
schemas, and never an answer that is out of date: installing, removing or changing a distribution rescans, a
changed schema file is parsed again.

A fake distribution (a ``*.dist-info`` folder with its entry points and a module) in a folder put on ``sys.path``
stands for ``pip install`` in-process; tests/core/test_core_uninstall.py does it for real with pip."""
import importlib.metadata as md
import json
import os
import shutil
import subprocess
import sys

import pytest

from fink import config, diskcache, plugins
from fink.config import load_schema
from fink.plugins import PLUGINS_GROUP, TOOLS_GROUP, discover, load_plugins

PLUGIN_MODULE = "def register():\n    pass\n\n\ndef deregister():\n    pass\n"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The start-up cache switched on, in a folder of its own, with nothing of it in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(diskcache.DISABLE_ENV, raising=False)
    monkeypatch.setattr(plugins, "_INDEX", [])
    monkeypatch.setattr(config, "_DISK", [])
    monkeypatch.setattr(config, "_SCHEMAS", {})
    return tmp_path / "cache" / "fink"


def new_process(monkeypatch):
    """What a new process starts from: the cache files, nothing in memory."""
    monkeypatch.setattr(plugins, "_INDEX", [])
    monkeypatch.setattr(config, "_DISK", [])
    monkeypatch.setattr(config, "_SCHEMAS", {})


@pytest.fixture
def scans(monkeypatch):
    counted = []
    real = md.entry_points
    monkeypatch.setattr(md, "entry_points", lambda *a, **k: counted.append(1) or real(*a, **k))
    return counted


@pytest.fixture
def site(tmp_path, monkeypatch):
    """An empty folder on sys.path where fake distributions get "installed"."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def install(site, name, version="1.0", module_text=PLUGIN_MODULE, entry=None):
    module = name.replace("-", "_")
    (site / f"{module}.py").write_text(module_text)
    meta = site / f"{module}-{version}.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (meta / "entry_points.txt").write_text(entry or f"[fink.plugins]\n{module} = {module}\n")
    return meta


def names(group=PLUGINS_GROUP):
    return [(info.dist, info.name, info.version) for info in discover(group)]


def everything():
    return {g: [(i.name, i.dist, i.version, i.entry_point.value) for i in discover(g)]
            for g in (TOOLS_GROUP, PLUGINS_GROUP)}


def test_second_run_reuses_the_entry_points_without_a_scan(cache, scans, monkeypatch):
    first = everything()
    assert len(scans) == 1 and ("fink-say-hello", "say_hello") in {(d, n) for n, d, _, _ in first[PLUGINS_GROUP]}
    new_process(monkeypatch)
    assert everything() == first and len(scans) == 1
    cached = next(i for i in discover(TOOLS_GROUP) if i.name == "cloud")
    real = next(ep for ep in md.entry_points(group=TOOLS_GROUP) if ep.name == "cloud")
    assert cached.entry_point.load() is real.load()
    assert (cached.entry_point.module, cached.entry_point.attr) == (real.module, real.attr)


def test_installing_removing_and_upgrading_a_plugin_is_seen_by_the_next_run(cache, site, scans, monkeypatch):
    assert ("fink-fake", "fink_fake", "1.0") not in names()
    meta = install(site, "fink-fake")
    new_process(monkeypatch)
    assert ("fink-fake", "fink_fake", "1.0") in names()
    assert "fink_fake" in [p.info.name for p in load_plugins()]

    (meta / "entry_points.txt").write_text("[fink.plugins]\nrenamed = fink_fake\n")  # rewritten in place
    new_process(monkeypatch)
    assert ("fink-fake", "renamed", "1.0") in names() and ("fink-fake", "fink_fake", "1.0") not in names()

    shutil.rmtree(meta)  # pip uninstall
    install(site, "fink-fake", version="2.0")  # ... and install another version
    new_process(monkeypatch)
    assert ("fink-fake", "fink_fake", "2.0") in names()
    scanned = len(scans)
    new_process(monkeypatch)
    names()
    assert len(scans) == scanned  # unchanged again: from the cache


def test_same_process_sees_a_plugin_installed_after_its_first_look(cache, site):
    before = names()
    install(site, "fink-late")
    assert names() == sorted(before + [("fink-late", "fink_late", "1.0")], key=lambda n: (n[0].lower(), n[1]))


def test_cached_plugin_that_no_longer_imports_is_looked_up_again(cache, site, scans, monkeypatch):
    """A change the fingerprint cannot see (a module deleted by hand): the plugin that fails to load from the cache
    is looked up in a fresh scan, which decides (here: it is still declared, so it is reported as broken)."""
    install(site, "fink-brittle")
    assert "fink_brittle" in [p.info.name for p in load_plugins()]
    (site / "fink_brittle.py").unlink()
    sys.modules.pop("fink_brittle", None)
    new_process(monkeypatch)
    assert "fink_brittle" in [info.name for info in discover(PLUGINS_GROUP)]  # the cache believes in it
    scanned = len(scans)
    with pytest.raises(plugins.PluginError, match="fink_brittle"):
        load_plugins()
    assert len(scans) == scanned + 1


@pytest.mark.parametrize("tamper", ["add", "replace"])
def test_tampered_entry_point_is_not_imported(cache, site, scans, monkeypatch, tamper):
    """An entry point in the cache file that no installed distribution declares (here: one naming a module
    planted on sys.path) makes the whole cache file count as absent: fink scans and never imports it."""
    install(site, "fink-honest")
    (site / "planted_by_someone.py").write_text("import sys\nsys.modules['fink_tests_planted_ran'] = sys\n"
                                                 + PLUGIN_MODULE)
    real = names()
    path = next(cache.glob("entry-points-*.json"))
    state = json.loads(path.read_text())
    rows = state["groups"][PLUGINS_GROUP]
    honest = next(row for row in rows if row[0] == "fink_honest")
    planted = [honest[0] if tamper == "replace" else "planted", "planted_by_someone", *honest[2:]]
    if tamper == "replace":
        rows.remove(honest)
    rows.append(planted)
    path.write_text(json.dumps(state))
    new_process(monkeypatch)
    scanned = len(scans)
    assert [p.info.name for p in load_plugins()] == [name for _, name, _ in real]
    assert names() == real and len(scans) == scanned + 1
    assert "fink_tests_planted_ran" not in sys.modules and "planted_by_someone" not in sys.modules


def test_cache_off_scans_every_time(cache, scans, monkeypatch):
    monkeypatch.setenv(diskcache.DISABLE_ENV, "1")
    discover(PLUGINS_GROUP), discover(PLUGINS_GROUP)
    assert len(scans) == 2 and not cache.exists()


def test_unreadable_cache_is_ignored(cache, scans, monkeypatch):
    cache.mkdir(parents=True)
    first = names()
    for path in cache.glob("entry-points-*.json"):
        path.write_text("{not json")
    new_process(monkeypatch)
    assert names() == first and len(scans) == 2


# ---- schemas and validation ---------------------------------------------------------------------------------------
SCHEMA_YAML = "type: object\nproperties:\n  name: {type: string}\n  size: {type: integer, default: 3}\n" \
              "additionalProperties: false\n"


@pytest.fixture
def schema_file(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "cachedschema.py").write_text("")
    (package / "schema.yaml").write_text(SCHEMA_YAML)
    monkeypatch.syspath_prepend(str(package))
    return package / "schema.yaml"


@pytest.fixture
def parses(monkeypatch):
    counted = []
    real = config.yaml_load
    monkeypatch.setattr(config, "yaml_load", lambda text: counted.append(1) or real(text))
    return counted


def test_schema_is_parsed_once_until_the_file_changes(cache, schema_file, parses, monkeypatch):
    first = load_schema("cachedschema", "schema.yaml")
    new_process(monkeypatch)
    assert load_schema("cachedschema", "schema.yaml") == first and len(parses) == 1
    schema_file.write_text(SCHEMA_YAML.replace("default: 3", "default: 4"))
    new_process(monkeypatch)
    assert load_schema("cachedschema", "schema.yaml")["properties"]["size"]["default"] == 4 and len(parses) == 2


def test_tampered_cached_schema_does_not_turn_validation_off(cache, schema_file, parses, monkeypatch):
    from fink.config import validation_errors
    load_schema("cachedschema", "schema.yaml")
    path = next(cache.glob("config-*.json"))
    state = json.loads(path.read_text())
    for entry in state["schemas"].values():
        entry["schema"] = {}  # accepts anything
    path.write_text(json.dumps(state))
    new_process(monkeypatch)
    schema = load_schema("cachedschema", "schema.yaml")
    assert validation_errors({"name": 5, "extra": 1}, schema, "pkg") != [] and len(parses) == 2


# ---- who may have written the cache -------------------------------------------------------------------------------
def planted_cache(cache, monkeypatch):
    """A cache folder holding a cache file that names a module no distribution declares; returns that row."""
    names()
    path = next(cache.glob("entry-points-*.json"))
    state = json.loads(path.read_text())
    row = ["planted", "fink_tests_not_there_at_all", "fink-planted", "1.0", "x"]
    state["groups"][PLUGINS_GROUP].append(row)
    path.write_text(json.dumps(state))
    new_process(monkeypatch)
    return path


def trust_planted_row(monkeypatch):
    """Let the planted row pass the checks of the cache's content, to see the checks of who wrote the file."""
    folders, declared = plugins._fingerprinted_folders, plugins._declared
    monkeypatch.setattr(plugins, "_fingerprinted_folders", lambda fp: folders(fp) | {"x"})
    monkeypatch.setattr(plugins, "_declared", lambda folder: {(PLUGINS_GROUP, "planted", "fink_tests_not_there_at_all")}
                        if folder == "x" else declared(folder))


def test_cache_folder_is_private(cache):
    names()
    assert cache.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o077 == 0 for p in cache.iterdir())


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="no user ids: nothing to compare")
@pytest.mark.parametrize("where,mode", [("folder", 0o770), ("folder", 0o707), ("file", 0o620), ("file", 0o602)])
def test_cache_others_can_write_is_ignored(cache, scans, monkeypatch, where, mode):
    path = planted_cache(cache, monkeypatch)
    trust_planted_row(monkeypatch)  # the planted row would pass the checks of its content...
    os.chmod(cache if where == "folder" else path, mode)
    scanned = len(scans)
    assert "planted" not in [info.name for info in discover(PLUGINS_GROUP)]  # ... but the file is not read
    assert len(scans) == scanned + 1
    if where == "file":  # the scan's answer replaced it with a private file
        assert path.stat().st_mode & 0o077 == 0 and "fink_tests_not_there_at_all" not in path.read_text()
        return
    os.chmod(cache, 0o700)  # the folder was left alone: private again, the same file is read
    new_process(monkeypatch)
    assert "planted" in [info.name for info in discover(PLUGINS_GROUP)]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing a file's owner needs root")
@pytest.mark.parametrize("where", ["folder", "file"])
def test_cache_of_another_user_is_ignored(cache, scans, monkeypatch, where):
    path = planted_cache(cache, monkeypatch)
    trust_planted_row(monkeypatch)
    os.chown(cache if where == "folder" else path, 54321, -1)
    assert "planted" not in [info.name for info in discover(PLUGINS_GROUP)]
    before = path.read_bytes()
    new_process(monkeypatch)
    monkeypatch.setattr(plugins, "_rows", lambda groups, fp: {"changed": []})
    plugins._index(fresh=True)
    if where == "folder":  # nothing is written into another user's folder
        assert path.read_bytes() == before
    else:  # their file is replaced by one of ours (its content is not written to)
        assert path.stat().st_uid == os.getuid() and b"changed" in path.read_bytes()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_symlinks_in_the_cache_folder_are_not_followed(cache, tmp_path, scans, monkeypatch):
    first = names()
    path = next(cache.glob("entry-points-*.json"))
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({**json.loads(path.read_text()), "marker": "fink_elsewhere"}))
    path.unlink()
    path.symlink_to(elsewhere)  # a link where fink reads and writes
    new_process(monkeypatch)
    scanned = len(scans)
    assert names() == first and len(scans) == scanned + 1  # not read through the link...
    assert "fink_elsewhere" in elsewhere.read_text() and not path.is_symlink()  # ... nor written through it
    new_process(monkeypatch)
    assert names() == first and len(scans) == scanned + 1  # the file written in its place is used


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_cache_folder_that_is_a_symlink_is_not_used(tmp_path, scans, monkeypatch):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "fink").symlink_to(real)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(diskcache.DISABLE_ENV, raising=False)
    new_process(monkeypatch)
    names()
    assert list(real.iterdir()) == []


def test_temporary_file_is_never_an_existing_one(cache, monkeypatch):
    """Writes create a new file (O_EXCL, O_NOFOLLOW): a name collision or a planted link fails the write, which is
    then skipped, instead of writing elsewhere."""
    names()
    target = next(cache.glob("entry-points-*.json"))
    monkeypatch.setattr(os, "urandom", lambda n: b"\0" * n)
    planted = cache / f".{target.name}.{'00' * 8}.tmp"
    victim = cache.parent / "victim"
    victim.write_text("keep")
    planted.symlink_to(victim)
    before = target.read_bytes()
    plugins._index(fresh=True)
    assert victim.read_text() == "keep" and target.read_bytes() == before and planted.is_symlink()


# ---- a real second process ----------------------------------------------------------------------------------------
PROBE = """
import sys
from fink.cli import dispatch_fink
code = dispatch_fink(["config", "cloud"])
print("HEAVY", sorted(m for m in ("jsonschema", "yaml") if m in sys.modules), file=sys.stderr)
sys.exit(code)
"""


def test_second_run_imports_neither_yaml_nor_jsonschema(tmp_path):
    """The first run parses the schemas (PyYAML); a valid config never needs jsonschema; an invalid one is explained
    by jsonschema as before."""
    import os
    (tmp_path / "fink_dev.json").write_text(json.dumps({"cloud": {"stack": {"StackName": "s"}}}))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "ENV": "dev"}
    env.pop(diskcache.DISABLE_ENV, None)

    def run():
        return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=tmp_path, env=env,
                              timeout=60)
    runs = [run(), run()]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert runs[0].stdout == runs[1].stdout and json.loads(runs[1].stdout)["stack"]["StackName"] == "s"
    assert "HEAVY ['yaml']" in runs[0].stderr
    assert "HEAVY []" in runs[1].stderr
    (tmp_path / "fink_dev.json").write_text(json.dumps({"cloud": {"stack": {"StackName": 5}}}))
    bad = run()
    assert bad.returncode != 0 and "cloud.stack.StackName: 5 is not of type 'string'" in bad.stderr
    assert "HEAVY ['jsonschema']" in bad.stderr


def test_one_run_fingerprints_the_installed_distributions_once(cache, temp_folder, run_cli, monkeypatch):
    (temp_folder / "fink_dev.json").write_text(json.dumps({"cloud": {"stack": {"StackName": "s"}}}))
    looked = []
    real = diskcache._entry_fingerprint
    monkeypatch.setattr(diskcache, "_entry_fingerprint", lambda entry: looked.append(entry) or real(entry))
    assert run_cli("fink", "config", "cloud", env={"ENV": "dev"}).exit_code == 0
    assert sorted(looked) == sorted(sys.path)  # plugins, tools and schemas: one look at each sys.path entry


def test_unwritable_cache_folder_changes_nothing(tmp_path, temp_folder, run_cli, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.delenv(diskcache.DISABLE_ENV, raising=False)
    new_process(monkeypatch)
    (temp_folder / "fink_dev.json").write_text(json.dumps({"cloud": {"stack": {"StackName": "s"}}}))
    for _ in range(2):
        result = run_cli("fink", "config", "cloud", env={"ENV": "dev"})
        assert result.exit_code == 0 and json.loads(result.stdout)["stack"]["StackName"] == "s", result.stderr
    assert blocked.read_text() == "a file where the cache folder would be"
