"""Dependency installs that need only the project's manifests, and the proof of it from the build context.

`recognise` reads one shell command: is it an install (`pip install -r`, `poetry install --no-root`,
`uv sync --no-install-project`, `pipenv install`, `npm ci`, `yarn install`, `pnpm install`,
`go mod download`, `bundle install`, `composer install --no-scripts`), and does its command line already
show that it reads the project itself (`pip install .`, `-e .`, a project build)?
`needs` then opens the manifests in the build context: which of them exist, which further files they
name, and whether the install would read the project after all (lifecycle scripts, `file:` and path
dependencies, local `replace` directives, a `gemspec` line, workspaces).
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from fixer.model.context import BuildContext
from fixer.layering.effects import Grammar, Unrecognised, literal
from fixer.layering.manifests import (
    COMPOSER_EVENTS,
    DEPENDENCY_FIELDS,
    ECOSYSTEMS,
    LIFECYCLE_SCRIPTS,
    LOCAL_SPECIFIERS,
    OUTPUT_ENV,
)
from fixer.model.paths import normalize, within
from fixer.model.package_managers import (
    BUNDLE_OPTIONS,
    COMPOSER_OPTIONS,
    NPM_OPTIONS,
    PIP_OPTIONS,
    PIP_PROGRAM,
    PIPENV_OPTIONS,
    PNPM_OPTIONS,
    POETRY_OPTIONS,
    PYTHON_PROGRAM,
    UV_PIP_OPTIONS,
    UV_SYNC_OPTIONS,
    YARN_OPTIONS,
)
from fixer.model.state import State
from fixer.shell.model import Simple, Word


_URL = re.compile(r"^[a-z][a-z0-9+.-]*://")


@dataclass
class Install:
    ecosystem: str
    command: str  # how messages name it, e.g. `pip install`
    files: list[str] = field(default_factory=list)  # files named on the command line, relative to the cwd
    folders: list[str] = field(default_factory=list)  # folders it reads whole (pip --find-links ./wheels)
    abort: str | None = None  # the command line shows it reads the project itself
    frozen: bool = False  # leaves the lock file alone
    ignore_scripts: bool = False
    flags: set[str] = field(default_factory=set)


@dataclass
class Needs:
    files: list[str] = field(default_factory=list)  # context paths to copy first
    abort: str | None = None
    unsafe: list[str] = field(default_factory=list)  # why the split is not proven


def _opts(grammar: Grammar, words: list[Word]) -> tuple[set[str], list[tuple[str, str]], list[str]]:
    opts, operands = grammar.split(words)
    return {n for n, _ in opts}, opts, [literal(w) for w in operands]


# the requirement files, constraints and local wheels it reads are what this module follows; options
# that send output or read other files are refused
_INSTALL_REFUSED = (PIP_OPTIONS.paths - {"r", "c", "e", "f", "requirement", "constraint", "editable", "find-links"}) | {
    "C",
    "config-settings",
}
_PIP_INSTALL = Grammar(PIP_OPTIONS, _INSTALL_REFUSED)
_UV_PIP_INSTALL = Grammar(UV_PIP_OPTIONS, _INSTALL_REFUSED)


def _pip(words: list[Word], command: str) -> Install | None:
    names, opts, operands = _opts(_UV_PIP_INSTALL if command.startswith("uv") else _PIP_INSTALL, words)
    inst = Install("pip", command)
    for name, value in opts:
        if name in ("r", "requirement", "c", "constraint"):
            inst.files.append(value)
        elif name in ("e", "editable"):
            inst.abort = f"`{command} -e {value}` installs the project in place"
        elif name in ("f", "find-links") and not _URL.match(value):
            inst.folders.append(value)
    for op in operands:
        if op.startswith((".", "/", "~")) or "/" in op or op.endswith((".whl", ".tar.gz", ".zip")):
            inst.abort = f"`{command} {op}` builds the project (or a local path) itself"
    if not inst.files and not inst.folders and inst.abort is None:
        return None  # named packages only: no install from the project (see fixer.layering.effects)
    return inst


_POETRY = Grammar(POETRY_OPTIONS, POETRY_OPTIONS.paths)
# a single package or workspace member is some other project's install
_UV_SYNC = Grammar(UV_SYNC_OPTIONS, UV_SYNC_OPTIONS.paths | {"package", "all-packages", "no-install-package"})
_PIPENV = Grammar(PIPENV_OPTIONS, PIPENV_OPTIONS.paths)
# global and workspace installs are not the project's manifest-only install; `--cache` is npm's own cache
_NPM_INSTALL = Grammar(
    NPM_OPTIONS,
    (NPM_OPTIONS.paths - {"cache"}) | {"g", "global", "w", "workspace", "workspaces", "location"},
)
_YARN = Grammar(YARN_OPTIONS, YARN_OPTIONS.paths - {"cache-folder"})
# recursive and filtered installs read the workspace's other packages
_PNPM = Grammar(PNPM_OPTIONS, PNPM_OPTIONS.paths | {"w", "workspace-root", "filter", "F", "r", "recursive"})
_BUNDLE = Grammar(BUNDLE_OPTIONS, frozenset({"gemfile"}))
_COMPOSER = Grammar(COMPOSER_OPTIONS, COMPOSER_OPTIONS.paths)
# environment settings that keep an install from rewriting its lock file
_FROZEN_ENV = {
    "bundler": ("BUNDLE_FROZEN", "BUNDLE_DEPLOYMENT"),
    "yarn": ("YARN_ENABLE_IMMUTABLE_INSTALLS",),
    "uv": ("UV_FROZEN", "UV_LOCKED"),
    "pipenv": ("PIPENV_DEPLOY",),
}
# bundle install flags that bundler remembers in the project's .bundle/config
_BUNDLE_REMEMBERED = frozenset("deployment frozen path without with system clean binstubs no-cache".split())


def recognise(cmd: Simple) -> Install | None:
    """The install a simple command runs, or None when it is not one. Raises Unrecognised for installs
    whose arguments we cannot read (they are then no manifest-only install)."""
    if not cmd.words:
        return None
    name = literal(cmd.words[0]).rsplit("/", 1)[-1]
    args = cmd.words[1:]
    values = [w.value for w in args]
    if PIP_PROGRAM.fullmatch(name) and values[:1] == ["install"]:
        return _pip(args[1:], "pip install")
    if PYTHON_PROGRAM.fullmatch(name) and values[:3] == ["-m", "pip", "install"]:
        return _pip(args[3:], "pip install")
    if name == "uv" and values[:2] == ["pip", "install"]:
        return _pip(args[2:], "uv pip install")
    if name == "poetry" and values[:1] == ["install"]:
        flags, _, operands = _opts(_POETRY, args[1:])
        inst = Install("poetry", "poetry install", frozen=True, flags=flags)
        if operands:
            raise Unrecognised("poetry install with operands")
        if "no-root" not in flags or "only-root" in flags:
            inst.abort = "`poetry install` without `--no-root` installs the project itself"
        return inst
    if name == "uv" and values[:1] == ["sync"]:
        flags, _, operands = _opts(_UV_SYNC, args[1:])
        inst = Install("uv", "uv sync", frozen=bool(flags & {"frozen", "locked"}), flags=flags)
        if "no-install-project" not in flags:
            inst.abort = "`uv sync` without `--no-install-project` installs the project itself"
        return inst
    if name == "pipenv" and values[:1] in (["install"], ["sync"]):
        flags, _, operands = _opts(_PIPENV, args[1:])
        if operands:
            raise Unrecognised("pipenv install of named packages edits the Pipfile")
        frozen = values[0] == "sync" or bool(flags & {"deploy", "ignore-pipfile"})
        return Install("pipenv", f"pipenv {values[0]}", frozen=frozen, flags=flags)
    if name == "npm" and values[:1] in (["ci"], ["install"], ["i"], ["clean-install"]):
        flags, _, operands = _opts(_NPM_INSTALL, args[1:])
        if operands:
            raise Unrecognised("npm install of named packages edits package.json")
        return Install(
            "npm", f"npm {values[0]}", frozen=values[0] in ("ci", "clean-install"),
            ignore_scripts="ignore-scripts" in flags, flags=flags,
        )  # fmt: skip
    if name == "yarn" and (not values or values[0] == "install" or values[0].startswith("--")):
        rest = args[1:] if values[:1] == ["install"] else args
        flags, _, operands = _opts(_YARN, rest)
        if operands:
            raise Unrecognised("yarn with a subcommand")
        frozen = bool(flags & {"frozen-lockfile", "immutable", "pure-lockfile"})
        return Install("yarn", "yarn install", frozen=frozen, ignore_scripts="ignore-scripts" in flags, flags=flags)
    if name == "pnpm" and values[:1] in (["install"], ["i"], ["fetch"]):
        flags, _, operands = _opts(_PNPM, args[1:])
        if operands:
            raise Unrecognised("pnpm install of named packages edits package.json")
        fetch = values[0] == "fetch"
        frozen = fetch or "frozen-lockfile" in flags
        inst = Install("pnpm", f"pnpm {values[0]}", frozen=frozen, ignore_scripts=fetch or "ignore-scripts" in flags)
        inst.flags = flags | ({"fetch"} if fetch else set())
        return inst
    if name == "go" and values[:2] in (["mod", "download"], ["mod", "verify"]):
        extra = [v for v in values[2:] if v not in ("-x", "-json")]
        if extra:
            raise Unrecognised("go mod download of named modules or with options")
        return Install("go", f"go mod {values[1]}", frozen=True)
    if name == "bundle" and values[:1] == ["install"]:
        flags, _, operands = _opts(_BUNDLE, args[1:])
        if operands:
            raise Unrecognised("bundle install with operands")
        return Install("bundler", "bundle install", frozen=bool(flags & {"deployment", "frozen"}), flags=flags)
    if name == "composer" and values[:1] == ["install"]:
        flags, _, operands = _opts(_COMPOSER, args[1:])
        if operands:
            raise Unrecognised("composer install with operands")
        return Install("composer", "composer install", frozen=True, ignore_scripts="no-scripts" in flags, flags=flags)
    return None


# --- what the manifests say -------------------------------------------------------------------------


def _join(project: str, rel: str) -> str:
    return posixpath.normpath(posixpath.join(project, rel))


def _requirements(context: BuildContext, path: str, needs: Needs, seen: set[str]) -> None:
    """Follow -r/-c through a pip requirements file (nested paths are relative to the file)."""
    if path in seen:
        return
    seen.add(path)
    text = context.read(path)
    if text is None:
        needs.abort = needs.abort or f"{path} is not in the build context"
        return
    needs.files.append(path)
    here = posixpath.dirname(path)
    text = re.sub(r"\\\r?\n", "", text)
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        m = re.match(r"^(-r|--requirement|-c|--constraint)(\s*=?\s*|\s+)(\S+)$", line)
        if m:
            _requirements(context, _join(here, m.group(3)), needs, seen)
            continue
        if re.match(r"^(-e|--editable)\b", line):
            needs.abort = f"{path} installs `{line}` in place"
        elif m := re.match(r"^(-f|--find-links)(\s*=?\s*|\s+)(\S+)$", line):
            if not _URL.match(m.group(3)):
                _folder(context, _join(here, m.group(3)), needs)
        elif line.startswith((".", "/", "~")) or "file:" in line or re.match(r"^[\w.-]+/", line):
            needs.abort = f"{path} installs a local path ({line})"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _folder(context: BuildContext, path: str, needs: Needs) -> None:
    """A folder the install reads whole (local wheels): copied first with the manifests."""
    if not context.present(path):
        needs.abort = needs.abort or f"{path} is not in the build context"
    elif path not in needs.files:
        needs.files.append(path)


def _toml(context: BuildContext, path: str) -> dict[str, Any] | None:
    import tomllib  # only for the Python installs that have a pyproject.toml or Pipfile to read

    text = context.read(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _json(context: BuildContext, path: str) -> dict[str, Any] | None:
    """A JSON object from the build context; None when missing, unreadable or not an object."""
    text = context.read(path)
    try:
        doc = json.loads(text) if text is not None else None
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _path_dependency(table: Any) -> bool:
    """A TOML dependency table entry that points at a directory (poetry, uv, pipenv)."""
    if isinstance(table, dict):
        return any(isinstance(v, dict) and ("path" in v or v.get("workspace") or v.get("editable")) for v in table.values())
    return False


def _pep621_local(doc: dict[str, Any]) -> bool:
    deps = doc.get("project", {}).get("dependencies", [])
    optional = doc.get("project", {}).get("optional-dependencies", {})
    every = list(deps) + [d for group in optional.values() for d in group]
    return any("file:" in str(d) or re.search(r"@\s*(\.|/)", str(d)) for d in every)


def _python_project(inst: Install, context: BuildContext, project: str, needs: Needs) -> None:
    doc = _toml(context, _join(project, "pyproject.toml"))
    if doc is None:
        needs.abort = "pyproject.toml is missing from the build context or unreadable"
        return
    tool = doc.get("tool", {})
    if inst.ecosystem == "poetry":
        poetry = tool.get("poetry", {})
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        tables += [g.get("dependencies") for g in poetry.get("group", {}).values() if isinstance(g, dict)]
        if any(_path_dependency(t) for t in tables) and "no-directory" not in inst.flags:
            needs.abort = "pyproject.toml has path dependencies inside the project"
    else:
        uv = tool.get("uv", {})
        if "workspace" in uv or _path_dependency(uv.get("sources")):
            needs.abort = "pyproject.toml has a uv workspace or path sources"
    if _pep621_local(doc):
        needs.abort = "pyproject.toml depends on local paths"


def _pipenv(context: BuildContext, project: str, needs: Needs) -> None:
    doc = _toml(context, _join(project, "Pipfile"))
    if doc is None:
        needs.abort = "Pipfile is missing from the build context or unreadable"
        return
    if _path_dependency(doc.get("packages")) or _path_dependency(doc.get("dev-packages")):
        needs.abort = "the Pipfile has path or editable dependencies"


def _node(inst: Install, context: BuildContext, project: str, needs: Needs) -> None:
    pkg = _json(context, _join(project, "package.json"))
    if pkg is None:
        needs.abort = "package.json is missing from the build context or unreadable"
        return
    if pkg.get("workspaces"):
        needs.abort = "package.json declares workspaces, whose packages the install reads"
    scripts = _dict(pkg.get("scripts"))
    run = [s for s in LIFECYCLE_SCRIPTS if s in scripts]
    if run and not inst.ignore_scripts:
        needs.abort = f"the install runs the project's `{run[0]}` script"
    if (
        context.is_file(_join(project, "binding.gyp"))
        and not inst.ignore_scripts
        and not {"install", "preinstall"} & set(scripts)
    ):
        needs.abort = "binding.gyp makes the install compile the project (node-gyp rebuild)"
    for fld in DEPENDENCY_FIELDS:
        deps = pkg.get(fld)
        if isinstance(deps, dict):
            for dep, spec in deps.items():
                if isinstance(spec, str) and (spec.startswith(LOCAL_SPECIFIERS) or "patch:" in spec):
                    needs.abort = f"dependency {dep} is `{spec}`, a path inside the project"
    workspace = context.read(_join(project, "pnpm-workspace.yaml"))
    if workspace is not None and re.search(r"^packages\s*:", workspace, re.MULTILINE):
        needs.abort = "pnpm-workspace.yaml lists workspace packages"


def _go(context: BuildContext, project: str, needs: Needs) -> None:
    text = context.read(_join(project, "go.mod"))
    if text is None:
        needs.abort = "go.mod is missing from the build context"
        return
    if context.is_file(_join(project, "go.work")):
        needs.abort = "go.work makes this a workspace of local modules"
    for m in re.finditer(r"=>\s*(\S+)", text):
        if m.group(1).startswith((".", "/")):
            needs.abort = f"go.mod replaces a module with the local path {m.group(1)}"


_GEMFILE_LOCAL = re.compile(
    r"^\s*(gemspec\b|eval_gemfile\b|path\b|require_relative\b|load\b)|\bpath:|:path\s*=>|\bFile\.|\bDir\b|__dir__",
    re.MULTILINE,
)


def _bundler(inst: Install, context: BuildContext, project: str, needs: Needs) -> None:
    text = context.read(_join(project, "Gemfile"))
    if text is None:
        needs.abort = "the Gemfile is missing from the build context"
        return
    m = _GEMFILE_LOCAL.search(text)
    if m:
        needs.abort = f"the Gemfile reads the project (`{m.group().strip()}`)"
    for m in re.finditer(r"\bruby\s+file:\s*[\"']([^\"']+)[\"']", text):
        needs.files.append(_join(project, m.group(1)))
    lock = context.read(_join(project, "Gemfile.lock"))
    if lock is not None and re.search(r"^PATH$", lock, re.MULTILINE):
        needs.abort = "Gemfile.lock has gems from local paths"
    if inst.flags & _BUNDLE_REMEMBERED and context.present(_join(project, ".bundle")):
        needs.unsafe.append("bundle install rewrites .bundle/config, which the build context also holds")


def _composer(inst: Install, context: BuildContext, project: str, needs: Needs) -> None:
    doc = _json(context, _join(project, "composer.json"))
    if doc is None:
        needs.abort = "composer.json is missing from the build context or unreadable"
        return
    scripts = _dict(doc.get("scripts"))
    events = [e for e in COMPOSER_EVENTS if e in scripts]
    if events and not inst.ignore_scripts:
        needs.abort = f"composer runs the project's `{events[0]}` script (add --no-scripts)"
    repos = doc.get("repositories")
    repo_list = repos.values() if isinstance(repos, dict) else repos if isinstance(repos, list) else []
    if any(isinstance(r, dict) and r.get("type") == "path" for r in repo_list):
        needs.abort = "composer.json has path repositories inside the project"
    autoload = [doc.get("autoload"), doc.get("autoload-dev")]
    classmap = any(isinstance(a, dict) and a.get("classmap") for a in autoload)
    optimize = bool(inst.flags & {"o", "optimize-autoloader", "a", "classmap-authoritative"})
    if (classmap or optimize) and "no-autoloader" not in inst.flags:
        needs.abort = "the autoloader is generated by scanning the project's sources (add --no-autoloader)"
    extra = _dict(doc.get("extra"))
    config = _dict(doc.get("config"))
    if extra.get("installer-paths") or "vendor-dir" in config or "bin-dir" in config:
        needs.unsafe.append("composer installs into project folders other than vendor/")


def _output_env(inst: Install, state: State, dst: str) -> list[str]:
    """Environment variables that may send the install's output into the copied destination."""
    out = []
    for var in OUTPUT_ENV.get(inst.ecosystem, ()):
        if var not in state.env and var not in state.raw_env:
            continue
        value = state.env.get(var)
        paths = [p for p in (value or "").split(":") if p]
        if value is None or any(not p.startswith("/") or within(normalize(p), dst) for p in paths):
            out.append(f"ENV {var} may put the install's output inside {dst}")
        if value is not None and var in ("POETRY_VIRTUALENVS_IN_PROJECT", "PIPENV_VENV_IN_PROJECT"):
            out.append(f"ENV {var} puts the virtual environment inside the project")
    return out


def needs(inst: Install, context: BuildContext | None, project: str, state: State, dst: str) -> Needs:
    """The context files `inst` reads (project-relative `project` is its working directory in the context)."""
    eco = ECOSYSTEMS[inst.ecosystem]
    result = Needs(abort=inst.abort)
    if context is None:
        names = [*inst.files, *inst.folders] if inst.ecosystem == "pip" else list(eco.unknown_context)
        result.files = [_join(project, n) for n in names]
        result.unsafe.append("the build context was not available to check the manifests")
        return result
    if inst.ecosystem == "pip":
        seen: set[str] = set()
        for f in inst.files:
            _requirements(context, _join(project, f), result, seen)
        for folder in inst.folders:
            _folder(context, _join(project, folder), result)
    else:
        for name in eco.required:
            path = _join(project, name)
            if not context.is_file(path):
                result.abort = result.abort or f"{path} is not in the build context"
            result.files.append(path)
        for name in eco.optional:
            path = _join(project, name)
            if context.present(path):
                result.files.append(path)
    if result.abort is None:
        if inst.ecosystem in ("poetry", "uv"):
            _python_project(inst, context, project, result)
        elif inst.ecosystem == "pipenv":
            _pipenv(context, project, result)
        elif inst.ecosystem in ("npm", "yarn", "pnpm"):
            _node(inst, context, project, result)
        elif inst.ecosystem == "go":
            _go(context, project, result)
        elif inst.ecosystem == "bundler":
            _bundler(inst, context, project, result)
        elif inst.ecosystem == "composer":
            _composer(inst, context, project, result)
    if inst.ecosystem == "npm" and inst.frozen and not any(
        context.is_file(_join(project, f)) for f in ("package-lock.json", "npm-shrinkwrap.json")
    ):
        result.abort = result.abort or "npm ci needs package-lock.json, which is not in the build context"
    for out in eco.outputs:
        if context.present(_join(project, out)):
            result.unsafe.append(f"the build context holds {_join(project, out)}, which the install writes")
    frozen = inst.frozen or any(
        (state.env.get(var) or "").lower() in ("1", "true") for var in _FROZEN_ENV.get(inst.ecosystem, ())
    )
    if eco.lock and not frozen and context.is_file(_join(project, eco.lock)):
        result.unsafe.append(f"{inst.command} may rewrite {eco.lock}; the later copy of the project would revert it")
    result.unsafe.extend(_output_env(inst, state, dst))
    result.files = list(dict.fromkeys(result.files))
    return result
