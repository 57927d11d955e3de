"""``fink migrate-gcdt``: the mechanical renames that move a gcdt project folder to fink, and a list of the rest.

Plan, then execute: :func:`plan_migration` reads the folder and returns a :class:`Migration` (file renames, new file
contents, what was changed and what could not be converted) without touching anything; :func:`execute` writes it.
``--dry-run`` shows the plan only. What is converted:

- file names: ``gcdt_<env>.(json|yaml|yml|py)`` → ``fink_<env>.*``, ``.gcdtignore`` → ``.finkignore``,
  ``requirements_gcdt.txt`` → ``requirements_fink.txt``;
- config files (JSON, YAML): tool sections ``kumo``/``ramuda``/``yugen``/``tenkai`` → ``cloud``/``lambda``/``api``/
  ``code``, ``cloud.cloudformation`` → ``stack`` + ``parameters``, plugin sections ``gcdt_*`` → ``fink_*``,
  ``gcdtignore`` → ``finkignore``, ``baseconfig: gcdt_*`` → ``fink_*``, the old lambda ``events`` dict → the list,
  numeric strings of ``memorySize``/``timeout`` → numbers;
- Python files: imports and signal names (``gcdt_signals`` → ``fink_signals``, ``gcdt.iam`` → ``fink_cloud.iam``,
  ``kumo_particle_helper`` → ``cloud_particle_helper``, ...), troposphere 4 renames (``add_description`` →
  ``set_description``, ``add_version``, ``add_metadata``), integer ``DesiredCapacity=`` → a string, the ping key
  ``ramuda_action`` → ``lambda_action`` (also in JavaScript/TypeScript handlers);
- ``swagger.yaml``: gcdt's handlebars variables (``{{apiName}}``, ``{{apiHostname}}``, ``{{<swaggerRef>}}``) →
  fink's placeholders (``{{ api.name }}``, ``{{ api.host }}``, ``{{ lambda.<swaggerRef> }}``), quoted where YAML
  needs it;
- requirements files (package names, gcdt version pins dropped) and scripts (``kumo deploy`` → ``cloud deploy``,
  ``gcdt_dev.json`` → ``fink_dev.json``).

Everything else that needs a person (HOCON files, legacy hooks, removed lookups, old runtimes, imports without a
fink counterpart, ``ec2.EBSBlockDevice``, ``.npmignore`` patterns) is listed with file and line.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import ConfigError
from .legacy_config import TOOL_RENAMES, convert_cloudformation_section, events_from_gcdt_dict, plugin_key

__all__ = ["Migration", "plan_migration", "execute", "render", "migrate_command"]

SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules", ".fink", ".gcdt", "__pycache__",
                       ".tox", "vendored", "nodeenv"})
CONFIG_RE = re.compile(r"^gcdt_(?P<env>[\w-]+)\.(?P<ext>json|yaml|yml|py)$")
FILE_RENAMES = {".gcdtignore": ".finkignore", "requirements_gcdt.txt": "requirements_fink.txt"}
SCRIPT_NAMES = frozenset({"Makefile", "Jenkinsfile", "Dockerfile"})
SCRIPT_SUFFIXES = (".sh", ".bash", ".groovy", ".mk", ".cfg", ".ini", ".toml", ".md", ".rst")
OLD_RUNTIMES = frozenset({"python2.7", "python3.6", "python3.7", "nodejs4.3", "nodejs6.10", "nodejs8.10"})
INTEGER_KEYS = ("memorySize", "timeout")

#: (pattern, replacement, what) applied to Python files in this order (imports before bare module names)
PYTHON_RULES: tuple[tuple[str, str, str], ...] = (
    (r"\bfrom gcdt import gcdt_signals\b", "from fink import fink_signals", "signal module import"),
    (r"\bgcdt\.gcdt_signals\b", "fink.fink_signals", "signal module import"),
    (r"\bgcdt_signals\b", "fink_signals", "signal module name"),
    (r"\bfrom gcdt(?:_kumo)? import (iam|route53)\b", r"from fink_cloud import \1", "helper import"),
    (r"\bgcdt(?:_kumo)?\.(iam|route53)\b", r"fink_cloud.\1", "helper import"),
    (r"\bfrom gcdt(?:_kumo)? import kumo_particle_helper\b", "from fink_cloud import cloud_particle_helper",
     "particle helper import"),
    (r"\bgcdt(?:_kumo)?\.kumo_particle_helper\b", "fink_cloud.cloud_particle_helper", "particle helper import"),
    (r"\bkumo_particle_helper\b", "cloud_particle_helper", "particle helper name"),
    (r"\bfrom gcdt(?:_kumo)? import kumo_util\b", "from fink_cloud import cloud_util", "cloud utilities import"),
    (r"\bgcdt(?:_kumo)?\.kumo_util\b", "fink_cloud.cloud_util", "cloud utilities import"),
    (r"\bkumo_util\b", "cloud_util", "cloud utilities name"),
    (r"\bfrom gcdt import (servicediscovery|utils)\b", r"from fink import \1", "core helper import"),
    (r"\bgcdt\.(servicediscovery|utils)\b", r"fink.\1", "core helper import"),
    (r"\.add_description\(", ".set_description(", "troposphere 4: add_description -> set_description"),
    (r"\.add_version\(", ".set_version(", "troposphere 4: add_version -> set_version"),
    (r"\.add_metadata\(", ".set_metadata(", "troposphere 4: add_metadata -> set_metadata"),
    (r"\b(DesiredCapacity\s*=\s*)(\d+)\b", r'\1"\2"', "troposphere 4: DesiredCapacity is a string"),
    (r"\bramuda_action\b", "lambda_action", "ping payload key"),
    (r"""(['"])kumo\1""", r"\1cloud\1", "tool name 'kumo' -> 'cloud' (config keys, context['tool'])"),
    (r"""(['"])ramuda\1""", r"\1lambda\1", "tool name 'ramuda' -> 'lambda' (config keys, context['tool'])"),
    (r"""(['"])yugen\1""", r"\1api\1", "tool name 'yugen' -> 'api' (config keys, context['tool'])"),
    (r"""(['"])tenkai\1""", r"\1code\1", "tool name 'tenkai' -> 'code' (config keys, context['tool'])"),
)
#: (pattern, what to do) for Python lines the rules cannot convert
PYTHON_PROBLEMS: tuple[tuple[str, str], ...] = (
    (r"^\s*(from\s+gcdt\w*|import\s+gcdt\w*)",
     "imports a gcdt module that has no fink counterpart: replace it (see docs/migrating-from-gcdt.md)"),
    (r"^\s*def\s+(pre_hook|pre_create_hook|pre_update_hook|post_create_hook|post_update_hook|post_hook)\s*\(",
     "gcdt legacy hook: fink never calls it; connect a receiver to a lifecycle signal in register() instead"),
    (r"\bec2\.EBSBlockDevice\(",
     "troposphere 4: ec2.BlockDeviceMapping takes ec2.EbsBlockDevice (autoscaling.EBSBlockDevice is unchanged)"),
)
#: the core distribution is fink-core (``fink`` on the package index is an unrelated project)
PACKAGE_RENAMES = {"gcdt": "fink-core", "gcdt-kumo": "fink-cloud", "gcdt-ramuda": "fink-lambda", "gcdt-yugen": "fink-api",
                   "gcdt-tenkai": "fink-code"}
TOOL_COMMAND_RE = re.compile(r"\b(kumo|ramuda|yugen|tenkai)(\s+)(?=(deploy|bundle|list|delete|generate|preview|dot|"
                             r"stop|start|version|clean|metrics|info|wire|unwire|rollback|ping|invoke|logs|export|"
                             r"apikey-\w+|custom-domain-create)\b)")
GCDT_FILE_RE = re.compile(r"\bgcdt_([\w-]+)\.(json|yaml|yml|py)\b")
REQUIREMENT_RE = re.compile(r"^(?P<name>gcdt(?:[-_.][A-Za-z][\w-]*)?)(?P<extra>\[[^\]]*\])?\s*(?P<spec>[<>=!~].*)?$")


@dataclass(frozen=True)
class Note:
    path: str          # relative to the project folder
    line: int | None
    text: str

    def __str__(self) -> str:
        return f"{self.path}{f':{self.line}' if self.line else ''}: {self.text}"


@dataclass
class Migration:
    folder: str
    renames: list[tuple[str, str]] = field(default_factory=list)   # (old, new) relative paths
    contents: dict[str, str] = field(default_factory=dict)          # relative path (before renames) -> new text
    changes: list[Note] = field(default_factory=list)
    problems: list[Note] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.renames or self.contents)


# ---- planning (reads only) ----------------------------------------------------------------------------------------
def _files(folder: str) -> list[str]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found += [os.path.relpath(os.path.join(root, f), folder) for f in sorted(files)]
    return found


def _read(folder: str, rel: str) -> str | None:
    try:
        with open(os.path.join(folder, rel), encoding="utf-8") as fh:
            return fh.read()
    except (UnicodeDecodeError, OSError):
        return None


def plan_migration(folder: str) -> Migration:
    """What ``fink migrate-gcdt`` would do in ``folder`` (nothing is changed)."""
    if not os.path.isdir(folder):
        raise ConfigError(f"{folder} is not a folder.", hint="Name the gcdt project folder to migrate.")
    migration = Migration(os.path.abspath(folder))
    for rel in _files(folder):
        _plan_file(migration, rel)
    return migration


def _plan_file(migration: Migration, rel: str) -> None:
    name = os.path.basename(rel)
    new_name = _new_name(name, migration, rel)
    if new_name:
        migration.renames.append((rel, os.path.join(os.path.dirname(rel), new_name)))
    if name.endswith(".conf"):
        migration.problems.append(Note(rel, None, "HOCON config file (gcdt 0.1): fink does not read it; move its "
                                                  "content into fink_<env>.json under the tool's section"))
        return
    if name == ".npmignore":
        migration.problems.append(Note(rel, None, "gcdt also applied .npmignore to bundles; fink reads .finkignore "
                                                  "only: copy the patterns the bundle needs"))
    for matches, handler in _HANDLERS:
        if matches(name, rel):
            text = _read(migration.folder, rel)
            if text is not None:
                handler(migration, rel, text)
            return


def _new_name(name: str, migration: Migration, rel: str) -> str | None:
    match = CONFIG_RE.match(name)
    if match:
        return f"fink_{match['env']}.{match['ext']}"
    return FILE_RENAMES.get(name)


def _is_config(name: str, rel: str) -> bool:
    return bool(CONFIG_RE.match(name)) and not name.endswith(".py")


def _is_python(name: str, rel: str) -> bool:
    return name.endswith(".py")


def _is_javascript(name: str, rel: str) -> bool:
    return name.endswith((".js", ".mjs", ".cjs", ".ts"))


def _plan_javascript(migration: Migration, rel: str, text: str) -> None:
    new, count = re.subn(r"\bramuda_action\b", "lambda_action", text)
    if count:
        migration.changes.append(Note(rel, None, f"ping payload key ({count}x)"))
    _set(migration, rel, text, new)


def _is_requirements(name: str, rel: str) -> bool:
    return name.startswith("requirements") and name.endswith(".txt")


def _is_swagger(name: str, rel: str) -> bool:
    return name.startswith("swagger") and name.endswith((".yaml", ".yml", ".json")) and "export" not in name


def _is_script(name: str, rel: str) -> bool:
    return name in SCRIPT_NAMES or name.endswith(SCRIPT_SUFFIXES) or name.endswith((".yml", ".yaml"))


def _set(migration: Migration, rel: str, old: str, new: str) -> None:
    if new != old:
        migration.contents[rel] = new


# ---- config files -------------------------------------------------------------------------------------------------
def _plan_config(migration: Migration, rel: str, text: str) -> None:
    is_json = rel.endswith(".json")
    try:
        data = json.loads(text) if is_json else _yaml_load(text)
    except ValueError as exc:
        migration.problems.append(Note(rel, None, f"not valid {'JSON' if is_json else 'YAML'} ({exc}); not converted"))
        return
    if not isinstance(data, dict):
        return
    notes: list[str] = []
    problems: list[str] = []
    convert_config(data, notes, problems)
    migration.changes += [Note(rel, None, n) for n in notes]
    migration.problems += [Note(rel, None, p) for p in problems]
    if notes:
        new = json.dumps(data, indent=2, ensure_ascii=False) + "\n" if is_json else _yaml_text(data)
        _set(migration, rel, text, new)
        if not is_json and "#" in text:
            migration.problems.append(Note(rel, None, "comments of this YAML file were not kept: add back the ones "
                                                      "you need"))


def _yaml_load(text: str) -> Any:
    import yaml
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None


def _yaml_text(data: Any) -> str:
    import yaml
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)


def convert_config(data: dict[str, Any], notes: list[str], problems: list[str]) -> None:
    """Convert one config file's data in place; ``notes`` says what changed, ``problems`` what could not."""
    for old, new in TOOL_RENAMES.items():
        if old in data and new in data:
            problems.append(f"has both '{old}' and '{new}': merge them by hand")
        elif old in data:
            _rename_key(data, old, new)
            notes.append(f"section '{old}' -> '{new}'")
    _convert_plugins(data, notes)
    if "gcdtignore" in data:
        if "finkignore" in data:
            data["finkignore"] = [*data["finkignore"], *data.pop("gcdtignore")]
        else:
            _rename_key(data, "gcdtignore", "finkignore")
        notes.append("'gcdtignore' -> 'finkignore'")
    base = data.get("baseconfig")
    if isinstance(base, str) and base.startswith("gcdt_"):
        data["baseconfig"] = "fink_" + base[5:]
        notes.append(f"baseconfig '{base}' -> '{data['baseconfig']}'")
    cloud = data.get("cloud")
    if isinstance(cloud, dict) and "cloudformation" in cloud:
        try:
            convert_cloudformation_section(cloud)
            notes.append("cloud.cloudformation -> cloud.stack + cloud.parameters")
        except ConfigError as exc:
            problems.append(exc.message)
    _convert_lambda(data.get("lambda"), notes, problems)
    _find_removed_lookups(data, problems)


def _rename_key(data: dict[str, Any], old: str, new: str) -> None:
    """Rename a key in place, keeping its position (the file stays readable as a diff)."""
    items = [(new if key == old else key, value) for key, value in data.items()]
    data.clear()
    data.update(items)


def _convert_plugins(data: dict[str, Any], notes: list[str]) -> None:
    plugins = data.get("plugins")
    if not isinstance(plugins, dict):
        return
    for key in list(plugins):
        new = plugin_key(key)
        if new != key and new not in plugins:
            _rename_key(plugins, key, new)
            notes.append(f"plugins.'{key}' -> plugins.{new}")


def _convert_lambda(section: Any, notes: list[str], problems: list[str]) -> None:
    function = section.get("lambda") if isinstance(section, dict) else None
    if not isinstance(function, dict):
        return
    events = function.get("events")
    if isinstance(events, dict):
        function["events"], left_out = events_from_gcdt_dict(events)
        notes.append("lambda.lambda.events: gcdt's s3Sources/timeSchedules dict -> the event_source list")
        if left_out:
            problems.append(f"lambda events with ensure: absent were left out ({', '.join(left_out)}): unwire them "
                            "with gcdt before switching, or remove them by hand")
    for key in INTEGER_KEYS:
        value = function.get(key)
        if isinstance(value, str) and value.strip().isdigit():
            function[key] = int(value)
            notes.append(f"lambda.lambda.{key} '{value}' -> {function[key]}")
    runtime = function.get("runtime")
    if runtime in OLD_RUNTIMES:
        problems.append(f"lambda.lambda.runtime {runtime} is no longer supported by AWS Lambda: choose a current "
                        "runtime (e.g. python3.12, nodejs20.x) and test the function with it")


def _find_removed_lookups(node: Any, problems: list[str], path: str = "") -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _find_removed_lookups(value, problems, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _find_removed_lookups(value, problems, f"{path}[{index}]")
    elif isinstance(node, str) and node.startswith(("lookup:ssl:", "lookup:baseami")):
        problems.append(f"{path}: '{node}' is a lookup gcdt had deprecated and fink removed: use lookup:acm "
                        "(certificates) or an SSM parameter (lookup:parameter) instead")


# ---- Python, requirements, scripts --------------------------------------------------------------------------------
def _plan_python(migration: Migration, rel: str, text: str) -> None:
    new = text
    for pattern, replacement, what in PYTHON_RULES:
        new, count = re.subn(pattern, replacement, new)
        if count:
            migration.changes.append(Note(rel, None, f"{what} ({count}x)"))
    for number, line in enumerate(new.splitlines(), 1):
        for pattern, what in PYTHON_PROBLEMS:
            if re.search(pattern, line):
                migration.problems.append(Note(rel, number, f"{line.strip()}: {what}"))
    _set(migration, rel, text, new)


def _requirement_line(line: str) -> tuple[str, str | None]:
    match = REQUIREMENT_RE.match(line.strip())
    if not match:
        return line, None
    name = match["name"].replace("_", "-").replace(".", "-").lower()
    new = PACKAGE_RENAMES.get(name) or "fink" + name[4:]
    return new + (match["extra"] or ""), f"{line.strip()} -> {new}{match['extra'] or ''}"


def _plan_requirements(migration: Migration, rel: str, text: str) -> None:
    lines = []
    for line in text.splitlines():
        new, note = _requirement_line(line)
        lines.append(new)
        if note:
            migration.changes.append(Note(rel, None, note + (" (gcdt's version pin dropped)" if "=" in line
                                                              or "<" in line or ">" in line else "")))
    _set(migration, rel, text, "\n".join(lines) + ("\n" if text.endswith("\n") else ""))


def _plan_script(migration: Migration, rel: str, text: str) -> None:
    new, tools = TOOL_COMMAND_RE.subn(lambda m: TOOL_RENAMES[m[1]] + m[2], text)
    new, files = GCDT_FILE_RE.subn(r"fink_\1.\2", new)
    new, ignores = re.subn(r"\.gcdtignore\b", ".finkignore", new)
    if tools:
        migration.changes.append(Note(rel, None, f"tool commands kumo/ramuda/yugen/tenkai -> cloud/lambda/api/code "
                                                 f"({tools}x)"))
    if files or ignores:
        migration.changes.append(Note(rel, None, f"gcdt file names -> fink ({files + ignores}x)"))
    _set(migration, rel, text, new)


#: gcdt's handlebars variables in swagger.yaml → fink's placeholders; any other ``{{name}}`` is a swaggerRef
SWAGGER_VARIABLES = {"apiName": "api.name", "apiDescription": "api.description", "apiBasePath": "api.basePath",
                     "apiHostname": "api.host"}
HANDLEBARS_RE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
#: a YAML value that is nothing but a placeholder must be quoted for fink (it parses before filling)
BARE_PLACEHOLDER_RE = re.compile(r"^(\s*(?:-\s+|[^\s#][^:#]*:\s+))(\{\{[^}]*\}\})\s*$", re.MULTILINE)


def _plan_swagger(migration: Migration, rel: str, text: str) -> None:
    def placeholder(match: re.Match) -> str:
        name = match[1]
        return "{{ " + SWAGGER_VARIABLES.get(name, f"lambda.{name}") + " }}"
    new, count = HANDLEBARS_RE.subn(placeholder, text)
    quoted = 0
    if not rel.endswith(".json"):
        new, quoted = BARE_PLACEHOLDER_RE.subn(lambda m: f'{m[1]}"{m[2]}"', new)
    if count:
        migration.changes.append(Note(rel, None, f"gcdt's handlebars variables -> fink placeholders ({count}x, "
                                                 f"{quoted} quoted)"))
    _set(migration, rel, text, new)


_HANDLERS: tuple[tuple[Callable[[str, str], bool], Callable[[Migration, str, str], None]], ...] = (
    (_is_config, _plan_config), (_is_python, _plan_python), (_is_javascript, _plan_javascript),
    (_is_requirements, _plan_requirements),
    (_is_swagger, _plan_swagger), (_is_script, _plan_script),
)


# ---- executing and reporting --------------------------------------------------------------------------------------
def execute(migration: Migration) -> None:
    """Write the new contents, then rename the files (refusing to overwrite an existing fink file)."""
    for old, new in migration.renames:
        if os.path.exists(os.path.join(migration.folder, new)):
            raise ConfigError(f"{new} exists already: not renaming {old} over it.",
                              hint="Merge the two files by hand, remove one and run fink migrate-gcdt again.")
    for rel, text in migration.contents.items():
        with open(os.path.join(migration.folder, rel), "w", encoding="utf-8") as fh:
            fh.write(text)
    for old, new in migration.renames:
        os.replace(os.path.join(migration.folder, old), os.path.join(migration.folder, new))


def render(migration: Migration, dry_run: bool) -> str:
    verb = "would be" if dry_run else "were"
    lines = [f"{'Plan for' if dry_run else 'Migrated'} {migration.folder}:"]
    lines += [f"  rename {old} -> {new}" for old, new in migration.renames]
    lines += [f"  {note}" for note in migration.changes]
    if migration.empty:
        lines.append("  nothing to rename or rewrite")
    if migration.problems:
        lines.append(f"Could not convert ({len(migration.problems)}; these need you):")
        lines += [f"  {note}" for note in migration.problems]
    else:
        lines.append("Nothing left to convert by hand.")
    lines.append(f"{len(migration.renames)} file(s) {verb} renamed, {len(migration.contents)} {verb} rewritten.")
    return "\n".join(lines)


def migrate_command(context: dict, config: dict) -> int:
    """``fink migrate-gcdt [<folder>] [--dry-run]``: exit 0 when nothing is left to do by hand, else 1."""
    arguments = context["_arguments"]
    dry_run = bool(arguments.get("--dry-run"))
    migration = plan_migration(arguments.get("<folder>") or ".")
    if not dry_run:
        execute(migration)
    context["_ui"].print(render(migration, dry_run))
    return 1 if migration.problems else 0
