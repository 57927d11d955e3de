"""Third-party dependencies of a Lambda function, installed for the Lambda platform (not for the build host).

Python: ``pip install --target`` with ``--platform manylinux…_<arch> --implementation cp --python-version <runtime>
--only-binary=:all:``, so native wheels match Lambda's Amazon Linux and the runtime's Python whatever the host runs.
A requirement that has no wheel at all (only a source distribution, e.g. ``docopt==0.6.2``) is built into a wheel
on the build host with ``pip wheel``; a built wheel that is pure Python (``*-none-any``) runs anywhere and is offered
to the platform install with ``--find-links``, a platform-specific one is refused (it was compiled for the host).
Node.js: ``npm install --omit=dev`` into a copy of ``package.json`` under ``.fink/`` (the user's own ``node_modules``
is never touched). A ``bundling.folders`` entry for ``./node_modules`` (gcdt's way of shipping dependencies, still
in the guide's getting-started config) is covered by that install, and skipped with a warning when there is neither
a ``node_modules`` folder nor a ``package.json``. Installs live under ``.fink/deps/<kind>-<key>``; a finished install
with the same key is reused (``keep=False`` installs afresh). The key hashes everything the install depends on that
fink can see locally: the requirement files and every file they reference (nested ``-r``/``-c`` files, local
``--find-links`` folders, local wheels, archives and project folders), ``PIP_*`` settings, the runtime and the
platform; for npm ``package.json``, its lock files, ``.npmrc`` and the folders of ``file:`` dependencies. What it
cannot see is a new release of an unpinned requirement on an index: ``keep=False`` (``defaults.keep: false``) or
``lambda clean`` picks those up.

What installers write that differs between two installs of the same packages (absolute paths, interpreter
shebangs, hashes of such files) is listed in ``INSTALL_NOISE`` and left out of the bundle.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, Callable

from fink.errors import ConfigError, FinkError

__all__ = ["Installed", "python_key", "node_key", "requirement_inputs", "python_version", "lambda_arch",
           "pip_platforms", "pip_command", "install_python", "install_node", "is_install_noise", "INSTALL_NOISE",
           "CACHE_DIR", "PIP_PYTHON", "build_pure_wheels", "node_modules_folders"]

CACHE_DIR = ".fink"
#: Interpreter whose pip installs the requirements (None: the one running fink). Its own version does not matter:
#: the wheels are chosen for the runtime's Python version.
PIP_PYTHON: str | None = None
_DONE_MARKER = ".fink-complete"
#: (pattern, why): files an installer writes that vary between installs and are not needed at run time.
INSTALL_NOISE = (
    (r"^bin/", "console scripts: their shebang names the installing interpreter"),
    (r"^[^/]+\.dist-info/RECORD$", "hashes of generated files (direct_url.json, scripts)"),
    (r"^[^/]+\.dist-info/INSTALLER$", "names the installer"),
    (r"^[^/]+\.dist-info/REQUESTED$", "depends on how pip was asked"),
    (r"^[^/]+\.dist-info/direct_url\.json$", "absolute path or URL the package came from"),
    (r"^node_modules/\.package-lock\.json$", "npm's hidden lockfile: absolute file: paths"),
    (r"^node_modules/\.bin/", "links to CLI tools, not used by a function"),
    (r"^" + re.escape(_DONE_MARKER) + "$", "fink's own marker of a finished install"),
)
_NOISE_RE = re.compile("|".join(f"(?:{p})" for p, _ in INSTALL_NOISE))


def is_install_noise(name: str) -> bool:
    """True for a path inside the bundle that an installer writes differently on every install."""
    return bool(_NOISE_RE.search(name))


@dataclass(frozen=True)
class Installed:
    """A finished install: ``folder`` is added to the bundle under ``target``."""

    folder: str
    target: str
    reused: bool


def python_version(runtime: str) -> str:
    """``python3.12`` → ``3.12``."""
    match = re.fullmatch(r"python(\d+)\.(\d+)", runtime or "")
    if not match:
        raise ConfigError(f"Cannot install requirements.txt for the runtime '{runtime}'.",
                          hint="requirements.txt needs a python runtime such as python3.12.")
    return f"{match[1]}.{match[2]}"


def lambda_arch(architectures: Any) -> str:
    """Lambda's architecture name (``x86_64`` / ``arm64``) → the wheel platform's (``x86_64`` / ``aarch64``)."""
    arch = architectures[0] if isinstance(architectures, list) and architectures else architectures or "x86_64"
    if arch not in ("x86_64", "arm64"):
        raise ConfigError(f"Unknown Lambda architecture '{arch}'.", hint="Use x86_64 or arm64.")
    return "aarch64" if arch == "arm64" else "x86_64"


def pip_platforms(arch: str) -> list[str]:
    """Wheel platforms Lambda runs: manylinux2014 (glibc 2.17, what Amazon Linux 2 and 2023 both run)."""
    return [f"manylinux2014_{arch}", f"manylinux_2_17_{arch}"]


def pip_command(target: str, requirements: str, runtime: str, arch: str) -> list[str]:
    cmd = [PIP_PYTHON or sys.executable, "-m", "pip", "install", "--target", target, "--implementation", "cp",
           "--python-version", python_version(runtime), "--only-binary=:all:", "--no-compile",
           "--disable-pip-version-check", "--no-input", "--quiet"]
    for platform in pip_platforms(arch):
        cmd += ["--platform", platform]
    return cmd + ["-r", requirements]


def has_requirements(path: str) -> bool:
    """A requirements file with at least one line that is not a comment."""
    if not os.path.isfile(path):
        return False
    with open(path, encoding="utf-8") as fh:
        return any(line.strip() and not line.strip().startswith("#") for line in fh)


#: Folders left out of the hash of a local project folder: build output and caches an install itself writes.
_TREE_SKIP = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", "build", "dist", ".tox", ".venv"})
_REQ_FILE_OPTS = ("-r", "--requirement", "-c", "--constraint")
_PATH_OPTS = ("-f", "--find-links", "-e", "--editable")


def _hash_file(digest: Any, path: str, label: str) -> None:
    digest.update(b"F\0" + label.encode("utf-8", "surrogateescape") + b"\0")
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    digest.update(b"\0")


def _hash_tree(digest: Any, folder: str, label: str) -> None:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _TREE_SKIP and not d.endswith(".egg-info"))
        for name in sorted(files):
            path = os.path.join(root, name)
            if os.path.isfile(path) and not name.endswith((".pyc", ".pyo")):
                _hash_file(digest, path, label + "/" + os.path.relpath(path, folder).replace(os.sep, "/"))


def _hash_inputs(digest: Any, paths: list[str], base: str) -> None:
    """Hash files and folders by content, labelled by their path relative to ``base``."""
    for path in paths:
        label = os.path.relpath(path, base) if not os.path.isabs(path) or path.startswith(base) else path
        if os.path.isdir(path):
            _hash_tree(digest, path, label)
        elif os.path.isfile(path):
            _hash_file(digest, path, label)
        else:
            digest.update(b"M\0" + label.encode("utf-8", "surrogateescape") + b"\0")


def _key(kind: str, files: list[str], *extra: str, base: str = "") -> str:
    digest = hashlib.sha256("\0".join([kind, *extra]).encode())
    _hash_inputs(digest, files, base or os.getcwd())
    return f"{kind}-{digest.hexdigest()[:16]}"


def _local_path(value: str, folder: str) -> str | None:
    """The local file or folder a requirement token names (relative to ``folder``), or None for names and URLs."""
    if value.startswith("file:"):
        from urllib.parse import unquote, urlparse

        value = unquote(urlparse(value).path)
    elif "://" in value or not value.startswith((".", "/", "~")) and os.sep not in value and "/" not in value:
        return None
    path = os.path.normpath(os.path.join(folder, os.path.expanduser(value)))
    return path if os.path.exists(path) else None


def _logical_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        text = fh.read().replace("\\\n", " ")
    return [line.split(" #", 1)[0].strip() for line in text.splitlines() if not line.strip().startswith("#")]


def requirement_inputs(path: str, seen: set[str] | None = None) -> list[str]:
    """``path`` and every local file or folder it references (nested requirement files recursively), in order."""
    seen = set() if seen is None else seen
    path = os.path.abspath(path)
    if path in seen or not os.path.isfile(path):
        return []
    seen.add(path)
    inputs, folder = [path], os.path.dirname(path)
    for line in _logical_lines(path):
        tokens = line.split()
        for index, token in enumerate(tokens):
            option, _, value = token.partition("=") if token.startswith("--") else (token, "", "")
            if not value and option in _REQ_FILE_OPTS + _PATH_OPTS and index + 1 < len(tokens):
                value = tokens[index + 1]
            if option in _REQ_FILE_OPTS and value:
                inputs += requirement_inputs(os.path.join(folder, value), seen)
            elif (local := _local_path(value or token, folder)) is not None and local not in inputs:
                inputs.append(local)
    return inputs


def _pip_settings() -> list[str]:
    """pip options given through the environment (``PIP_INDEX_URL`` ...) change what gets installed."""
    return sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("PIP_"))


def _cached(workdir: str, key: str, keep: bool, install: Callable[[str], None],
            announce: Callable[[], None] | None = None) -> tuple[str, bool]:
    """The install folder for ``key``: reused with ``keep`` when finished before, else installed afresh."""
    final = os.path.join(workdir, CACHE_DIR, "deps", key)
    if keep and os.path.isfile(os.path.join(final, _DONE_MARKER)):
        return final, True
    if announce is not None:
        announce()
    tmp_root = os.path.join(workdir, CACHE_DIR, "tmp")
    os.makedirs(tmp_root, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f"{key}-", dir=tmp_root)
    try:
        install(tmp)
        with open(os.path.join(tmp, _DONE_MARKER), "w", encoding="utf-8") as fh:
            fh.write(key + "\n")
        shutil.rmtree(final, ignore_errors=True)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final, False


def _attempt(cmd: list[str], cwd: str, what: str, hint: str) -> tuple[int, str]:
    """Run ``cmd``; (exit code, combined output). A missing program is an error at once."""
    import subprocess  # only when a program runs: keeps importing the bundler light

    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise FinkError(f"{what} failed: {cmd[0]} was not found.", hint=hint) from None
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def _failed(what: str, code: int, output: str, hint: str) -> FinkError:
    tail = "\n".join(output.splitlines()[-30:])
    return FinkError(f"{what} failed (exit code {code}):\n{tail}", hint=hint)


def _run(cmd: list[str], cwd: str, what: str, hint: str) -> None:
    code, output = _attempt(cmd, cwd, what, hint)
    if code != 0:
        raise _failed(what, code, output, hint)


#: pip's words for "no distribution fits the target platform" (the case a source distribution may solve)
_NO_WHEEL_RE = re.compile(r"No matching distribution found for|Could not find a version that satisfies")


def build_pure_wheels(requirements: str, workdir: str, wheel_dir: str) -> tuple[list[str], list[str]]:
    """Build wheels of the requirements on the build host (``pip wheel``); keep the pure-Python ones.

    Returns (pure wheels kept in ``wheel_dir``, platform-specific wheels removed). Wheels pip merely downloads
    are sorted the same way, so ``wheel_dir`` only ever offers what runs on any platform."""
    cmd = [PIP_PYTHON or sys.executable, "-m", "pip", "wheel", "--wheel-dir", wheel_dir, "--disable-pip-version-check",
           "--no-input", "--quiet", "-r", requirements]
    _run(cmd, workdir, "Building wheels from the source distributions in requirements.txt",
         "A requirement without a wheel for Lambda is built from source; its build failed (see pip's output).")
    pure, native = [], []
    for name in sorted(os.listdir(wheel_dir)):
        if name.endswith("-none-any.whl"):
            pure.append(name)
        else:
            native.append(name)
            os.remove(os.path.join(wheel_dir, name))
    return pure, native


def python_key(workdir: str, runtime: str, architectures: Any) -> str:
    """What a pip install for Lambda depends on: requirements, the files they reference, runtime and platform."""
    arch = lambda_arch(architectures)
    requirements = os.path.join(workdir, "requirements.txt")
    return _key("python", requirement_inputs(requirements), python_version(runtime), arch, *pip_platforms(arch),
                *_pip_settings(), base=workdir)


def node_key(workdir: str) -> str:
    """What ``npm install`` depends on: package.json, lock files, .npmrc and the folders of file: dependencies."""
    package_json = os.path.join(workdir, "package.json")
    return _key("node", [package_json, *_lockfiles(workdir), *_file_dependencies(package_json, workdir)],
                base=workdir)


def _lockfiles(workdir: str) -> list[str]:
    return [os.path.join(workdir, n) for n in ("package-lock.json", "npm-shrinkwrap.json", ".npmrc")]


def install_python(workdir: str, runtime: str, architectures: Any, keep: bool = True, *,
                   announce: Callable[[], None] | None = None) -> Installed | None:
    """Install ``requirements.txt`` for the Lambda platform; None when there is nothing to install."""
    requirements = os.path.join(workdir, "requirements.txt")
    if not has_requirements(requirements):
        return None
    arch = lambda_arch(architectures)
    version = python_version(runtime)
    key = python_key(workdir, runtime, architectures)

    what = f"Installing requirements.txt for {runtime} on {arch}"
    hint = ("Every requirement needs a wheel for the Lambda platform (manylinux2014, cp"
            f"{version.replace('.', '')} or pure Python) or a pure-Python source distribution: pin versions that "
            "publish one.")

    def install(target: str) -> None:
        cmd = pip_command(target, requirements, runtime, arch)
        code, output = _attempt(cmd, workdir, what, hint)
        if code == 0:
            return
        if not _NO_WHEEL_RE.search(output):
            raise _failed(what, code, output, hint)
        _install_with_built_wheels(cmd, requirements, workdir, what, hint, (code, output))

    folder, reused = _cached(workdir, key, keep, install, announce)
    return Installed(folder, "", reused)


def _install_with_built_wheels(cmd: list[str], requirements: str, workdir: str, what: str, hint: str,
                               first: tuple[int, str]) -> None:
    """Second attempt of a platform install: pure-Python wheels built from source distributions are offered too.
    When nothing can be built (no source distribution either), the first attempt's failure is the one reported."""
    wheel_dir = tempfile.mkdtemp(prefix="wheels-", dir=os.path.join(workdir, CACHE_DIR, "tmp"))
    try:
        try:
            _pure, native = build_pure_wheels(requirements, workdir, wheel_dir)
        except FinkError as exc:
            raise _failed(what, *first, f"{hint} Building from source failed too: {exc.message.splitlines()[-1]}")
        code, output = _attempt(cmd + ["--find-links", wheel_dir], workdir, what, hint)
        if code != 0:
            if native:
                hint = (f"Built from source but not pure Python, so not usable on Lambda: {', '.join(native)}. "
                        + hint)
            raise _failed(what, code, output, hint)
    finally:
        shutil.rmtree(wheel_dir, ignore_errors=True)


def _absolute_file_specs(package: dict, workdir: str) -> dict:
    """Relative ``file:`` dependencies point at the user's folder, also from the copy under ``.fink/``."""
    for section in ("dependencies", "optionalDependencies", "devDependencies"):
        deps = package.get(section)
        if not isinstance(deps, dict):
            continue
        for name, spec in deps.items():
            if isinstance(spec, str) and spec.startswith("file:") and not os.path.isabs(spec[5:]):
                deps[name] = "file:" + os.path.normpath(os.path.join(workdir, spec[5:]))
    return package


def _file_dependencies(package_json: str, workdir: str) -> list[str]:
    """The local folders (or tarballs) of ``file:`` dependencies: their content is part of the install."""
    try:
        with open(package_json, encoding="utf-8") as fh:
            package = json.load(fh)
    except (OSError, ValueError):
        return []
    paths = []
    for section in ("dependencies", "optionalDependencies"):
        deps = package.get(section) if isinstance(package, dict) else None
        for spec in (deps or {}).values() if isinstance(deps, dict) else ():
            if isinstance(spec, str) and spec.startswith("file:"):
                path = os.path.normpath(os.path.join(workdir, os.path.expanduser(spec[5:])))
                if os.path.exists(path):
                    paths.append(path)
    return sorted(set(paths))


def install_node(workdir: str, keep: bool = True, *, announce: Callable[[], None] | None = None) -> Installed | None:
    """``npm install --omit=dev`` of ``package.json`` in a copy under ``.fink/``; None without package.json."""
    package_json = os.path.join(workdir, "package.json")
    if not os.path.isfile(package_json):
        return None
    lockfiles = _lockfiles(workdir)
    key = node_key(workdir)

    def install(target: str) -> None:
        with open(package_json, encoding="utf-8") as fh:
            try:
                package = json.load(fh)
            except ValueError as exc:
                raise ConfigError(f"package.json is not valid JSON: {exc}") from None
        with open(os.path.join(target, "package.json"), "w", encoding="utf-8") as fh:
            json.dump(_absolute_file_specs(package, workdir), fh, indent=2)
        for path in lockfiles:
            if os.path.isfile(path):
                shutil.copyfile(path, os.path.join(target, os.path.basename(path)))
        _run(["npm", "install", "--omit=dev", "--install-links", "--no-audit", "--no-fund", "--loglevel=error"],
             target, "npm install --omit=dev", "Check package.json; npm must be installed and on PATH.")

    folder, reused = _cached(workdir, key, keep, install, announce)
    modules = os.path.join(folder, "node_modules")
    if not os.path.isdir(modules):
        return None
    return Installed(modules, "node_modules", reused)


def _is_node_modules_entry(folder: Any, workdir: str) -> bool:
    """A ``bundling.folders`` entry that ships ``./node_modules`` as ``node_modules`` (gcdt's dependency folder)."""
    if not isinstance(folder, dict) or not isinstance(folder.get("source"), str):
        return False
    source = os.path.normpath(os.path.join(workdir, folder["source"]))
    target = folder.get("target")
    target_name = os.path.basename(source) if target is None else os.path.normpath(str(target).strip() or ".")
    return source == os.path.join(workdir, "node_modules") and target_name == "node_modules"


def node_modules_folders(folders: Any, workdir: str, npm_installs: bool) -> tuple[Any, list[tuple[str, str]]]:
    """The folders to bundle and the messages (level, text) about ``./node_modules`` entries.

    With ``npm_installs`` (a nodejs runtime with package.json) the entry is covered by the production install, so
    the user's folder is not read twice (the "Two files would become node_modules/..." clash). Without it, a missing
    ``node_modules`` means "no dependencies": skipped with a warning instead of failing the bundle."""
    if not isinstance(folders, (list, tuple)):
        return folders, []
    kept, messages = [], []
    for index, folder in enumerate(folders):
        if not _is_node_modules_entry(folder, workdir):
            kept.append(folder)
        elif npm_installs:
            messages.append(("info", f"bundling.folders[{index}] ({folder['source']}): node_modules comes from a "
                                     "production npm install of package.json; the node_modules folder here is not "
                                     "read."))
        elif not os.path.isdir(os.path.join(workdir, "node_modules")):
            messages.append(("warn", f"bundling.folders[{index}] ({folder['source']}) does not exist and there is no "
                                     "package.json: no node dependencies are bundled."))
        else:
            kept.append(folder)
    return kept, messages
