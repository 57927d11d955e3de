"""`make dist` (scripts/dist.py): reproducible, checked wheels and sdists of every distribution."""
import hashlib
import os
import zipfile

import pytest


def digests(folder, names=None):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if names is None or p.name.split("-")[0] in names}


def test_every_distribution_has_a_wheel_and_an_sdist(dist_folder, dist_script):
    stems = {name.replace("-", "_") for name in dist_script.DISTRIBUTIONS}
    assert {p.name.split("-")[0] for p in dist_folder.glob("*.whl")} == stems
    assert {p.name.split("-")[0] for p in dist_folder.glob("*.tar.gz")} == stems


def test_the_same_checkout_builds_the_same_bytes(dist_folder, dist_script, tmp_path):
    """Built again elsewhere with another umask, the archives are byte-identical (two distributions suffice:
    every archive goes through the same normalisation)."""
    old = os.umask(0o077)
    try:
        dist_script.build(tmp_path / "again", only=("fink-core", "fink-say-hello"))
    finally:
        os.umask(old)
    again = digests(tmp_path / "again")
    assert len(again) == 4
    assert again == digests(dist_folder, {"fink_core", "fink_say_hello"})


def test_archives_carry_fixed_dates_and_modes(dist_folder):
    with zipfile.ZipFile(next(dist_folder.glob("fink_cloud-*.whl"))) as wheel:
        infos = wheel.infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {(i.external_attr >> 16) & 0o777 for i in infos} <= {0o644, 0o755}
    assert [i.filename for i in infos][:-1] == sorted(i.filename for i in infos[:-1])
    assert infos[-1].filename.endswith(".dist-info/RECORD")


def test_metadata_and_declared_dependencies_pass_the_checks(dist_folder, dist_script):
    assert dist_script.check_metadata(dist_folder) == []
    assert dist_script.check_dependencies(dist_folder) == []


def test_core_is_published_as_fink_core_and_every_tool_requires_it(dist_folder, dist_script):
    assert dist_script.wheel_metadata(dist_script.wheel_of(dist_folder, "fink-core"))[0]["Name"] == "fink-core"
    for dist in dist_script.DISTRIBUTIONS:
        if dist != "fink-core":
            requires = dist_script.wheel_metadata(dist_script.wheel_of(dist_folder, dist))[0].get_all("Requires-Dist")
            assert any(r.startswith("fink-core") for r in requires), dist
            assert not any(r.split(">")[0].split("=")[0].strip() == "fink" for r in requires), dist


@pytest.fixture
def one_distribution(dist_script, monkeypatch, tmp_path):
    """A checkout holding one distribution whose package imports yaml, and its wheel declaring ``requires``."""
    def make(requires):
        package = tmp_path / "src" / "fink_probe"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("import os\nimport yaml\nfrom . import sibling\n")
        out = tmp_path / "out"
        out.mkdir()
        with zipfile.ZipFile(out / "fink_probe-1.0.0-py3-none-any.whl", "w") as wheel:
            meta = "Metadata-Version: 2.1\nName: fink-probe\nVersion: 1.0.0\n" + "".join(
                f"Requires-Dist: {r}\n" for r in requires)
            wheel.writestr("fink_probe-1.0.0.dist-info/METADATA", meta)
        monkeypatch.setattr(dist_script, "ROOT", tmp_path)
        monkeypatch.setattr(dist_script, "DISTRIBUTIONS", {"fink-probe": ("src", ("fink_probe",), (), ())})
        return out
    return make


def test_an_undeclared_third_party_import_is_reported(dist_script, one_distribution):
    problems = dist_script.check_dependencies(one_distribution([]))
    assert problems == ["fink-probe: fink_probe imports yaml but requires none of ['pyyaml']"]


def test_a_declared_import_passes(dist_script, one_distribution):
    assert dist_script.check_dependencies(one_distribution(["PyYAML>=6.0"])) == []
