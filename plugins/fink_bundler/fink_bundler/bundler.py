"""The fink.bundler plugin: builds the deterministic zip that ``lambda`` and ``code`` deploy.

Why deterministic: the same sources must give the same bytes, in any folder, from any fresh environment, so that
base64(sha256(zip)) equals Lambda's ``CodeSha256`` (or the S3 key of a code bundle) for unchanged code and nothing
is uploaded or published again.

Lifecycle wiring (connected by the thin entry module :mod:`fink_bundler.plugin`, which imports this module only
when ``context['tool']`` is ``lambda`` or ``code``; the core sends ``bundle_*`` only for bundling commands):

- ``bundle_pre``: runs the tool section's ``bundling.preBundle`` scripts in order (cwd = working folder); a failing
  script stops the run with its output.
- ``bundle_init``: builds the bundle and sets ``context['_bundle_file']`` (absolute path of the zip, written to the
  working folder as ``bundling.zip``, default ``bundle.zip``), ``context['_bundle_sha256']`` (base64 sha256 of the
  zip: the ``CodeSha256`` format) and ``context['_bundle_size']`` (unzipped bytes). Installed dependencies are reused
  while their key (requirements, the files they reference, runtime, platform) is unchanged; the section's
  ``defaults.keep: false`` installs afresh on every run (``--keep`` forces reuse).

Library API (no lifecycle needed; ``section`` is the tool's config section after lookups):

- ``build_lambda_bundle(section, workdir=None, *, ignore=None, keep=True, ui=None) -> BundleResult``
- ``build_code_bundle(section, workdir=None, *, ignore=None, ui=None) -> BundleResult``
- ``run_pre_bundle(scripts, workdir=None, *, ui=None) -> None``
- ``check_unzipped(size) -> None`` raises over ``MAX_UNZIPPED`` (the bundler always applies it to lambda bundles).
  The 50 MB limit of a zip uploaded directly is checked by ``lambda deploy``, which knows whether the code goes
  through an artifact bucket.

``ignore`` is a list of gitignore-style patterns; None reads ``.finkignore`` from the working folder. ``workdir``
defaults to the current directory. Caches and temporary files live in ``<workdir>/.fink/``.
"""
from __future__ import annotations

import contextlib
import gc
import json
import os
import shlex
from dataclasses import dataclass
from typing import Any, Iterator

from fink.bundle import confined_path
from fink.errors import ConfigError, FinkError

from .collect import DEFAULT_EXCLUDES, Collector, Ignore, load_ignore_patterns
from .deps import CACHE_DIR, Installed, install_node, install_python, is_install_noise, node_modules_folders
from .membercache import CACHE_SUBDIR, open_cache
from .plugin import TOOLS
from .zipwriter import prepare, temp_pattern, write_zip

__all__ = ["BundleResult", "build_lambda_bundle", "build_code_bundle", "run_pre_bundle",
           "check_unzipped", "on_bundle_pre", "on_bundle_init", "MAX_UNZIPPED", "TOOLS"]

MAX_UNZIPPED = 250 * 1024 * 1024       #: Lambda: largest unzipped deployment package, however uploaded
DEFAULT_ZIP = "bundle.zip"
DEFAULT_CODE_FOLDERS = ({"source": "codedeploy", "target": ""},)


@dataclass(frozen=True)
class BundleResult:
    path: str          #: absolute path of the zip
    sha256: str        #: base64(sha256(zip bytes)), Lambda's CodeSha256 format
    size: int          #: unzipped bytes
    zipped_size: int   #: bytes of the zip
    names: tuple[str, ...]  #: members, in archive order
    reused: int = 0    #: members copied from the compressed-member cache instead of compressed again


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def check_unzipped(size: int) -> None:
    if size > MAX_UNZIPPED:
        raise FinkError(f"The bundle holds {_mb(size)} unzipped; Lambda allows at most {_mb(MAX_UNZIPPED)}.",
                        hint="Leave files out with .finkignore or move large dependencies into a layer.")



def _section(section: Any, *keys: str) -> dict:
    node = section
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _new_collector(section: dict, workdir: str, ignore: list[str] | None, cache: Any = None) -> tuple[Collector, str]:
    bundling = _section(section, "bundling")
    zip_path = confined_path(bundling.get("zip") or DEFAULT_ZIP, workdir, "bundling.zip")
    if cache is not None:  # starts copying the previous bundle into this run's own temporary file
        prepare(cache, target=zip_path)
    patterns = load_ignore_patterns({}, workdir) if ignore is None else ignore
    excluded = (zip_path, os.path.join(workdir, CACHE_DIR))
    collector = Collector(workdir, Ignore(patterns, defaults=DEFAULT_EXCLUDES), excluded,
                          external_symlinks=bool(bundling.get("allowExternalSymlinks")),
                          temp_files=temp_pattern(zip_path))
    return collector, zip_path


def _add_folders(collector: Collector, folders: Any, default_target) -> None:
    if not isinstance(folders, (list, tuple)):
        raise ConfigError("bundling.folders must be a list of {source, target} objects.")
    for index, folder in enumerate(folders):
        source = folder.get("source") if isinstance(folder, dict) else None
        if not source:
            raise ConfigError(f"bundling.folders[{index}] has no source.")
        target = folder.get("target")
        target = default_target(source) if target is None else target
        collector.add_path(source, target, f"bundling.folders[{index}]")


def _add_installed(collector: Collector, installed: Installed | None, ui: Any) -> None:
    if installed is None:
        return
    if ui is not None and installed.reused:
        ui.info(f"reusing installed dependencies in {os.path.relpath(installed.folder, collector.workdir)} ")
    deps = Collector(collector.workdir, collector.ignore)
    deps.add_path(installed.folder, installed.target, "the installed dependencies", user_files=False)
    for name, member in deps.members.items():
        if not is_install_noise(name):
            identity, origin = deps.origins[name]
            collector.add(member, origin, identity)


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while bundling: the tens of thousands of file entries, members and cache records
    (none of which form cycles) set it off again and again, about 7 % of a re-bundle's CPU. Restored afterwards;
    reference counting frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _early_cache(workdir: str, ui: Any) -> Any:
    """The member cache, opened before the files are collected: ``_new_collector`` reads its index and starts
    hashing (and copying) the previous bundle in the background while the walk runs (see ``zipwriter.prepare``).
    One bundle of a project uses it at a time (held until the end, see ``MemberCache.lock``); a bundle running at
    the same time as another goes without it: the same bytes, compressed afresh."""
    cache = open_cache(os.path.join(workdir, CACHE_DIR))
    if cache is not None and not cache.lock():
        if ui is not None:
            ui.debug(f"another bundle is using .fink/{CACHE_SUBDIR} (or it cannot be locked): bundling without it")
        return None
    return cache


def _write(collector: Collector, zip_path: str, limit_unzipped: bool, ui: Any, cache: Any) -> BundleResult:
    members = collector.sorted_members()
    if not members:
        raise ConfigError("The bundle would be empty.", hint="Check bundling.folders and your ignore patterns.")
    if limit_unzipped:
        check_unzipped(sum(m.length for m in members))
    _report_left_out(collector, ui)
    stats = write_zip(zip_path, members, cache=cache)
    os.chmod(zip_path, 0o644)  # whatever the umask: the bundle is not a private file, its members are 0644/0755
    sha = stats.sha256
    if ui is not None:
        ui.debug(f"bundled {stats.files} files ({stats.reused} reused from .fink/{CACHE_SUBDIR}), "
                 f"{_mb(stats.unzipped_size)} unzipped, {_mb(stats.zipped_size)} zipped: {zip_path}")
    return BundleResult(zip_path, sha, stats.unzipped_size, stats.zipped_size, tuple(m.name for m in members),
                        stats.reused)


def _report_left_out(collector: Collector, ui: Any) -> None:
    """Files the default excludes kept out: a warning for those the config names, a debug line for the rest."""
    if ui is None:
        return
    for source in collector.listed_left_out:
        ui.warn(f"'{source}' is named in the bundling config but left out by the default excludes (credentials and "
                f"local state); re-include it with a '!' pattern in .finkignore if it must ship.")
    if collector.left_out:
        shown = ", ".join(collector.left_out[:10]) + (" ..." if len(collector.left_out) > 10 else "")
        ui.debug(f"left out by the default excludes: {shown}")


def _deps_ui(ui: Any, text: str) -> None:
    if ui is not None:
        ui.info(text)


def build_lambda_bundle(section: dict, workdir: str | None = None, *, ignore: list[str] | None = None,
                        keep: bool = True, ui: Any = None) -> BundleResult:
    """Build a Lambda function's zip from the ``lambda`` config section (see the module docstring)."""
    workdir = os.path.abspath(workdir or os.getcwd())
    cache = _early_cache(workdir, ui)
    try:
        with _no_cycle_collection():
            return _lambda_bundle(section, workdir, ignore, keep, ui, cache)
    finally:
        if cache is not None:
            cache.close()
            cache.unlock()


def _lambda_bundle(section: dict, workdir: str, ignore: list[str] | None, keep: bool, ui: Any,
                   cache: Any) -> BundleResult:
    collector, zip_path = _new_collector(section, workdir, ignore, cache)
    function = _section(section, "lambda")
    runtime = function.get("runtime") or "python3.12"
    node_package = runtime.startswith("nodejs") and os.path.isfile(os.path.join(workdir, "package.json"))
    folders, messages = node_modules_folders(_section(section, "bundling").get("folders") or [], workdir,
                                             node_package)
    for level, text in messages:
        if ui is not None:
            getattr(ui, level)(text)
    _add_folders(collector, folders, lambda source: os.path.basename(os.path.normpath(source)))
    if function.get("handlerFile"):
        collector.add_path(function["handlerFile"], "", "lambda.handlerFile")
    if node_package:  # ESM handlers need its "type": "module"; Node reads it next to the handler
        collector.add_path("package.json", "", "package.json")
    if isinstance(section.get("settings"), dict):
        collector.add_data("settings.json", _json_bytes(section["settings"]))
    if runtime.startswith("python") and os.path.isfile(os.path.join(workdir, "requirements.txt")):
        announce = f"installing requirements.txt for {runtime} ({_arch_label(function)})"
        _add_installed(collector, install_python(workdir, runtime, function.get("architectures"), keep,
                                                 announce=lambda: _deps_ui(ui, announce)), ui)
    elif runtime.startswith("nodejs") and os.path.isfile(os.path.join(workdir, "package.json")):
        announce = "installing package.json dependencies with npm (production only)"
        _add_installed(collector, install_node(workdir, keep, announce=lambda: _deps_ui(ui, announce)), ui)
    return _write(collector, zip_path, True, ui, cache)


def _arch_label(function: dict) -> str:
    arch = function.get("architectures") or ["x86_64"]
    return arch[0] if isinstance(arch, list) else str(arch)


def build_code_bundle(section: dict, workdir: str | None = None, *, ignore: list[str] | None = None,
                      ui: Any = None) -> BundleResult:
    """Build a CodeDeploy revision zip from the ``code`` config section (see the module docstring)."""
    workdir = os.path.abspath(workdir or os.getcwd())
    cache = _early_cache(workdir, ui)
    try:
        with _no_cycle_collection():
            return _code_bundle(section, workdir, ignore, ui, cache)
    finally:
        if cache is not None:
            cache.close()
            cache.unlock()


def _code_bundle(section: dict, workdir: str, ignore: list[str] | None, ui: Any, cache: Any) -> BundleResult:
    collector, zip_path = _new_collector(section, workdir, ignore, cache)
    defaults = _section(section, "defaults")
    folders = _section(section, "bundling").get("folders") or [dict(f) for f in DEFAULT_CODE_FOLDERS]
    _add_folders(collector, folders, lambda source: "")
    if isinstance(section.get("settings"), dict):
        collector.add_data(defaults.get("settings_file") or "settings.json", _json_bytes(section["settings"]))
    if section.get("stack_output") is not None:
        collector.add_data(defaults.get("stack_output_file") or "stack_output.yml",
                           _stack_output_bytes(section["stack_output"]))
    if "appspec.yml" not in collector.members:
        raise ConfigError("The code bundle has no appspec.yml at its root.",
                          hint="CodeDeploy needs appspec.yml at the root of the revision: put it in the folder "
                               "bundled with target '' (by default codedeploy/appspec.yml).")
    return _write(collector, zip_path, False, ui, cache)


def _stack_output_bytes(outputs: Any) -> bytes:
    import yaml

    if not isinstance(outputs, dict):
        raise ConfigError(f"code.stack_output must be a mapping of stack outputs, got {outputs!r}.",
                          hint="Use lookup:stack:<stack name> to fill it with all outputs of a stack.")
    return yaml.safe_dump(outputs, default_flow_style=False, sort_keys=True, allow_unicode=True).encode("utf-8")


def _script_command(script: str, workdir: str) -> list[str]:
    try:
        args = shlex.split(script)
    except ValueError as exc:  # an unbalanced quote or a trailing backslash
        raise ConfigError(f"The preBundle script '{script}' cannot be split into words: {exc}.",
                          hint="Balance the quotes (or escape them with \\) in bundling.preBundle.") from None
    if not args:
        raise ConfigError("bundling.preBundle holds an empty script.")
    path = os.path.join(workdir, args[0])
    if os.sep in args[0] or os.path.isfile(path):
        if not os.path.isfile(path):
            raise ConfigError(f"The preBundle script {args[0]} does not exist (in {workdir}).")
        if not os.access(path, os.X_OK):
            raise ConfigError(f"The preBundle script {args[0]} is not executable.", hint=f"chmod +x {args[0]}")
        args[0] = os.path.abspath(path)
    return args


def run_pre_bundle(scripts: list[str], workdir: str | None = None, *, ui: Any = None) -> None:
    """Run the ``bundling.preBundle`` scripts in order; the first failing one raises with its output."""
    import subprocess  # only when scripts run: keeps importing the bundler light

    workdir = os.path.abspath(workdir or os.getcwd())
    for script in scripts or []:
        if ui is not None:
            ui.info(f"preBundle: {script}")
        try:
            proc = subprocess.run(_script_command(script, workdir), cwd=workdir, capture_output=True, text=True,
                                  check=False)
        except OSError as exc:
            raise FinkError(f"The preBundle script '{script}' could not start: {exc.strerror}.") from None
        output = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0:
            raise FinkError(f"The preBundle script '{script}' failed (exit code {proc.returncode}):\n{output}",
                            hint="Fix the script; nothing was bundled or deployed.")
        if ui is not None and output:
            ui.debug(output)


def _active(context: dict, config: dict) -> dict | None:
    tool = context.get("tool")
    if tool not in TOOLS:
        return None
    section = config.get(tool)
    return section if isinstance(section, dict) else {}


def on_bundle_pre(payload: tuple[dict, dict]) -> None:
    context, config = payload
    section = _active(context, config)
    if section is None:
        return
    run_pre_bundle(_section(section, "bundling").get("preBundle") or [], ui=context.get("_ui"))


def on_bundle_init(payload: tuple[dict, dict]) -> None:
    context, config = payload
    section = _active(context, config)
    if section is None:
        return
    ui = context.get("_ui")
    ignore = load_ignore_patterns(config, os.getcwd())
    if context["tool"] == "lambda":
        keep = bool((context.get("_arguments") or {}).get("--keep") or _section(section, "defaults").get("keep", True))
        result = build_lambda_bundle(section, ignore=ignore, keep=keep, ui=ui)
    else:
        result = build_code_bundle(section, ignore=ignore, ui=ui)
    context["_bundle_file"] = result.path
    context["_bundle_sha256"] = result.sha256
    context["_bundle_size"] = result.size
