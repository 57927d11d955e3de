"""Every tool and plugin is a distribution of its own, pip-installable from its folder, and the names users write
in requirements_fink.txt (``fink.cloud``, ``fink.config-reader``, ...) resolve to them."""
import importlib.metadata as md
import subprocess
import sys

USER_NAMES = ["fink-core", "fink.config-reader", "fink.lookups", "fink.bundler", "fink.slack-integration", "fink.cloud",
              "fink.code", "fink.lambda", "fink.api", "fink.say-hello"]


def test_each_folder_builds_its_own_distribution(wheelhouse, distributions):
    built = sorted(p.name.split("-")[0] for p in wheelhouse.glob("*.whl"))
    assert built == sorted(name.replace("-", "_") for name in distributions)


def test_user_requirement_names_resolve_to_these_distributions(wheelhouse, distributions, tmp_path):
    requirements = tmp_path / "requirements_fink.txt"
    requirements.write_text("\n".join(USER_NAMES) + "\n")
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
                             "--find-links", str(wheelhouse), "--ignore-installed", "-r", str(requirements)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for dist in distributions:
        assert f"{dist}-1.0.0" in result.stdout


def test_installed_names_answer_to_the_guides_spelling():
    for name in USER_NAMES:
        assert md.version(name) == "1.0.0"


def test_tools_and_plugins_register_in_their_entry_point_groups():
    tools = {ep.name: ep.dist.name for ep in md.entry_points(group="fink.tools")}
    plugins = {ep.dist.name for ep in md.entry_points(group="fink.plugins")}
    assert {k: tools[k] for k in ("cloud", "code", "lambda", "api")} == {
        "cloud": "fink-cloud", "code": "fink-code", "lambda": "fink-lambda", "api": "fink-api"}
    assert {"fink-config-reader", "fink-lookups", "fink-bundler", "fink-say-hello",
            "fink-slack-integration"} <= plugins
