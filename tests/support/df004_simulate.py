"""A toy builder for DF004's equivalence test: run a Dockerfile's COPY/RUN sequence on an in-memory file system.

It is deliberately independent of `fixer.layering` (only the shell parser is shared): COPY copies the
build-context files (minus a simple `.dockerignore` reading) and RUN runs stand-ins of the commands that
record what they read. Each stand-in writes its output as a digest of what it read, so if moving a COPY
changed what any step saw, the final file system differs. Unknown commands read the whole working
directory. Directory metadata is tracked too (which step created a directory, and for whom), since a
COPY that creates its destination gives it its own owner (`--chown`), and a WORKDIR the USER's.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fixer.shell.model import Compound, Simple
from fixer.shell.parse import parse as parse_shell
from fixer.syntax import Dockerfile, parse


class BuildFailure(Exception):
    pass


# how BuildKit creates a WORKDIR and a COPY's missing destination alike: only the owner differs
MKDIR_0755 = "mkdir 0755"


@dataclass
class Node:
    kind: str  # file, dir, link
    data: str = ""
    owner: str = "0:0"
    origin: str = ""  # for directories: what created it


BASE_IMAGE = {
    "/etc/passwd": "root:x:0:0\nnobody:x:65534:65534\nnode:x:1000:1000\nnginx:x:101:101\nwww-data:x:33:33\n",
    "/etc/group": "root:x:0\nnogroup:x:65534\nnode:x:1000\nnginx:x:101\nwww-data:x:33\n",
    "/etc/apt/sources.list": "deb http://deb.debian.org/debian bookworm main\n",
    "/etc/pip.conf": "",
    "/usr/bin/apt-get": "binary",
    "/usr/local/bin/pip": "binary",
    "/var/lib/dpkg/status": "",
    "/var/www/html/.keep": "",
}
# what the stand-in of a distribution package installs
PACKAGE_FILES = {
    "apache2": ["/var/www/html/index.html", "/etc/apache2/apache2.conf"],
    "nginx-light": ["/etc/nginx/nginx.conf"],
}
# what each project install reads in its working directory
INSTALL_INPUTS = {
    "npm": ["package.json", "package-lock.json", "npm-shrinkwrap.json", ".npmrc"],
    "yarn": ["package.json", "yarn.lock", ".yarnrc", ".yarnrc.yml", ".npmrc", ".yarn/releases", ".yarn/plugins"],
    "pnpm": ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", ".npmrc", ".pnpmfile.cjs"],
    "poetry": ["pyproject.toml", "poetry.lock", "poetry.toml"],
    "uv": ["pyproject.toml", "uv.lock", "uv.toml", ".python-version"],
    "pipenv": ["Pipfile", "Pipfile.lock"],
    "go": ["go.mod", "go.sum", "go.work"],
    "bundle": ["Gemfile", "Gemfile.lock", ".bundle/config"],
    "composer": ["composer.json", "composer.lock", "auth.json"],
}


@dataclass
class FS:
    nodes: dict[str, Node] = field(default_factory=dict)

    @classmethod
    def base(cls) -> FS:
        fs = cls({"/": Node("dir", origin="base")})
        for d in (
            "/root", "/home", "/tmp", "/opt", "/srv", "/usr/local/bin", "/usr/local/lib", "/usr/share",
            "/var/lib/apt/lists", "/var/log", "/var/cache", "/etc/apt/sources.list.d", "/etc/ssl",
        ):
            fs.mkdirs(d, "0:0", "base")
        for path, data in BASE_IMAGE.items():
            fs.write(path, data, "0:0", "base")
        return fs

    def exists(self, path: str) -> bool:
        return path in self.nodes

    def mkdirs(self, path: str, owner: str, origin: str) -> None:
        parts = [p for p in path.split("/") if p]
        cur = ""
        for p in parts:
            cur += "/" + p
            node = self.nodes.get(cur)
            if node is None:
                self.nodes[cur] = Node("dir", owner=owner, origin=origin)
            elif node.kind != "dir":
                raise BuildFailure(f"{cur} is not a directory")

    def write(
        self, path: str, data: str, owner: str, origin: str = "", append: bool = False, parents: bool = True
    ) -> None:
        """Write a file; a shell command (`parents=False`) fails when the folder is missing."""
        parent = posixpath.dirname(path)
        if not parents and not self.exists(parent):
            raise BuildFailure(f"{path}: no such directory")
        self.mkdirs(parent, owner, origin or "write")
        old = self.nodes.get(path)
        if old is not None and old.kind == "dir":
            raise BuildFailure(f"{path} is a directory")
        self.nodes[path] = Node("file", (old.data if old and append else "") + data, owner)

    def tree(self, root: str) -> str:
        """Everything at and below `root`, as text (what a step that reads `root` sees: names, contents
        and owners; how a folder was created is compared in the final file system, not here)."""
        pre = root.rstrip("/") + "/"
        items = [(p, n) for p, n in sorted(self.nodes.items()) if p == root or p.startswith(pre) or root == "/"]
        return json.dumps([(p, n.kind, n.data, n.owner) for p, n in items]) if items else "absent"

    def remove(self, root: str) -> None:
        pre = root.rstrip("/") + "/"
        for p in [p for p in self.nodes if p == root or p.startswith(pre)]:
            if p != "/":
                del self.nodes[p]

    def snapshot(self) -> dict[str, tuple[str, str, str, str]]:
        return {p: (n.kind, n.data, n.owner, n.origin) for p, n in self.nodes.items()}


def digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


class Context:
    """The build context folder with a plain `.dockerignore` reading (names, globs, folders; `!` re-includes)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        ignore = root / ".dockerignore"
        self.patterns = [ln.strip() for ln in ignore.read_text().splitlines()] if ignore.is_file() else []
        self.patterns = [p.strip("/") for p in self.patterns if p and not p.startswith("#")]

    def ignored(self, rel: str) -> bool:
        out = False
        for pat in self.patterns:
            neg = pat.startswith("!")
            pat = pat.lstrip("!")
            parts = rel.split("/")
            if any(fnmatch.fnmatchcase("/".join(parts[: i + 1]), pat) for i in range(len(parts))):
                out = not neg
        return out

    def files(self, source: str) -> list[tuple[str, str]]:
        """(path relative to the source, content) of what `COPY source` sends; the source itself if a file."""
        base = self.root / source
        if base.is_file():
            rel = posixpath.normpath(source)
            return [] if self.ignored(rel) else [(posixpath.basename(rel), base.read_text())]
        if not base.is_dir():
            raise BuildFailure(f"COPY source {source} not found")
        out = []
        for p in sorted(base.rglob("*")):
            rel = p.relative_to(self.root).as_posix()
            if p.is_file() and not self.ignored(rel):
                out.append((p.relative_to(base).as_posix(), p.read_text()))
        return out


@dataclass
class Stage:
    fs: FS
    cwd: str = "/"
    user: str = "0:0"
    env: dict[str, str] = field(default_factory=dict)
    reads: list[tuple[str, str]] = field(default_factory=list)  # (RUN text, digest of what it read)


def _expand(word: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), ""), word)


def _abs(path: str, cwd: str) -> str:
    return posixpath.normpath(posixpath.join(cwd, path))


def _copy(st: Stage, sources: list[str], dst: str, owner: str, context: Context | None) -> None:
    if context is None:
        raise BuildFailure("no build context")
    into_dir = dst.endswith("/") or dst in (".", "./") or len(sources) > 1
    target = _abs(dst, st.cwd)
    for src in sources:
        matched = sorted(p.relative_to(context.root).as_posix() for p in context.root.glob(src)) if "*" in src else [src]
        for one in matched:
            is_dir = (context.root / one).is_dir()
            if (is_dir or into_dir) and not st.fs.exists(target):
                # BuildKit creates a missing destination as WORKDIR creates its folder (MkdirAll, 0755),
                # for the copy's owner; folders inside it take the source folders' metadata
                st.fs.mkdirs(target, owner, MKDIR_0755)
            for rel, data in context.files(one):
                path = posixpath.join(target, rel) if (is_dir or into_dir) else target
                st.fs.write(path, data, owner, "copy")
                if is_dir:
                    # folders inside a copied folder take the source's metadata even when they exist
                    # (BuildKit overwrites target metadata below the destination, never the destination)
                    sub = posixpath.dirname(path)
                    while sub != target and sub.startswith(target + "/"):
                        st.fs.nodes[sub] = Node("dir", owner=owner, origin="copy")
                        sub = posixpath.dirname(sub)


def run_simple(st: Stage, cmd: Simple, text: str) -> None:
    fs, cwd = st.fs, st.cwd
    words = [_expand(w.value, st.env) for w in cmd.words]
    for r in cmd.redirects:
        if r.target is not None and r.op in (">", ">>") and r.target.value not in ("/dev/null",):
            text_out = "redirected " + " ".join(words) + "\n"
            fs.write(_abs(r.target.value, cwd), text_out, st.user, append=r.op == ">>", parents=False)
    if not words:
        return
    name, args = posixpath.basename(words[0]), words[1:]
    reads: list[str] = [fs.tree(f"/usr/local/bin/{name}"), fs.tree(f"/usr/bin/{name}")]
    operands = [a for a in args if not a.startswith("-")]

    def record(*more: str) -> str:
        d = digest(text, *reads, *more)
        st.reads.append((text, d))
        return d

    if name in ("apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper"):
        reads += [fs.tree("/etc/apt"), fs.tree("/var/lib/apt/lists")]
        d = record()
        sub, pkgs = (operands[0] if operands else ""), operands[1:]
        if sub in ("update", "refresh"):
            fs.write("/var/lib/apt/lists/index", d, "0:0")
        for pkg in pkgs if sub in ("install", "add", "in") else []:
            for path in PACKAGE_FILES.get(pkg, [f"/usr/share/doc/{pkg}/copyright"]):
                fs.write(path, f"{pkg} {d}", "0:0", "dpkg")  # unpacking replaces files no package owns
            fs.write("/var/lib/dpkg/status", f"{pkg}\n", "0:0", append=True)
    elif re.fullmatch(r"pip3?(\.\d+)?|python3?", name):
        if name.startswith("python"):
            args = args[2:]
        _pip(st, args, text, reads, record)
    elif name in ("useradd", "adduser", "groupadd", "addgroup"):
        reads.append(fs.tree("/etc/passwd"))
        user = operands[-1] if operands else "x"
        record()
        fs.write("/etc/passwd" if "user" in name else "/etc/group", f"{user}:x\n", "0:0", append=True)
        if "--create-home" in args or "-m" in args:
            if not fs.exists(f"/home/{user}"):
                fs.mkdirs(f"/home/{user}", "0:0", "useradd")
                fs.write(f"/home/{user}/.bashrc", "skel", "0:0")
    elif name == "mkdir":
        record()
        for op in operands:
            path = _abs(op, cwd)
            if fs.exists(path) and "-p" not in args:
                raise BuildFailure(f"mkdir: {path} exists")
            fs.mkdirs(path, st.user, "mkdir")
    elif name in ("chmod", "chown"):
        reads.append(fs.tree("/etc/passwd"))
        record()
        for op in operands[1:]:
            path = _abs(op, cwd)
            if not fs.exists(path):
                raise BuildFailure(f"{name}: {path} missing")
            for p in [p for p in fs.nodes if p == path or p.startswith(path + "/") and "-R" in args]:
                fs.nodes[p].owner += f" {name} {operands[0]}"
    elif name == "rm":
        record()
        for op in operands:
            path = _abs(op, cwd)
            if path.endswith("/*"):
                for p in [p for p in fs.nodes if p.startswith(path[:-1])]:
                    del fs.nodes[p]
            else:
                fs.remove(path)
    elif name == "ln":
        record()
        fs.write(_abs(operands[-1], cwd), "-> " + operands[0], st.user, parents=False)
    elif name in ("curl", "wget"):
        record()
        out = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "-O", "--output")]
        for o in out:
            if o != "-":
                fs.write(_abs(o, cwd), "downloaded " + operands[-1], st.user, parents=False)
    elif name in ("echo", "printf", "set", "true", ":", "export", "update-ca-certificates"):
        record()
    elif name in ("npm", "yarn", "pnpm", "poetry", "uv", "pipenv", "go", "bundle", "composer"):
        _project_tool(st, name, args, operands, text, reads, record)
    else:
        # anything else may read all of its working directory
        reads.append(fs.tree(cwd))
        fs.write(f"/var/log/steps/{digest(text)}", record(), "0:0")


def _pip(st: Stage, args: list[str], text: str, reads: list[str], record: Callable[..., str]) -> None:
    fs, cwd = st.fs, st.cwd
    reads.append(fs.tree("/etc/pip.conf"))
    names: list[str] = []
    i = 1 if args[:1] == ["install"] else 0
    while i < len(args):
        a = args[i]
        if a in ("-r", "-c", "--requirement", "--constraint"):
            _requirements(fs, _abs(args[i + 1], cwd), reads, names)
            i += 2
            continue
        if a in ("-f", "--find-links"):
            reads.append(fs.tree(_abs(args[i + 1], cwd)))  # the local wheels it may install
            i += 2
            continue
        if a in ("-e", "--editable") or a == "." or a.startswith("./"):
            reads.append(fs.tree(cwd))
        elif not a.startswith("-"):
            names.append(a)
        i += 1
    d = record()
    for n in names:
        package = re.split(r"[<>=\[ ]", n)[0]
        fs.write(f"/usr/local/lib/python3/site-packages/{package}/METADATA", d, "0:0")


def _requirements(fs: FS, path: str, reads: list[str], names: list[str]) -> None:
    node = fs.nodes.get(path)
    reads.append(fs.tree(path))
    if node is None:
        raise BuildFailure(f"pip: {path} missing")
    for line in node.data.splitlines():
        line = line.split("#")[0].strip()
        if re.match(r"^(-r|-c)\s", line):
            _requirements(fs, _abs(line.split()[1], posixpath.dirname(path)), reads, names)
        elif line.startswith("-e") or line.startswith("."):
            reads.append(fs.tree(posixpath.dirname(path)))
        elif line:
            names.append(line)


def _project_tool(st: Stage, name: str, args: list[str], operands: list[str], text: str, reads: list[str], record: Callable[..., str]) -> None:
    fs, cwd = st.fs, st.cwd
    sub = operands[0] if operands else "install"
    install = (
        (name == "npm" and sub in ("ci", "install", "i") and "-g" not in args)
        or (name in ("yarn", "pnpm") and sub in ("install", "i"))
        or (name in ("poetry", "pipenv", "bundle", "composer") and sub in ("install", "sync"))
        or (name == "uv" and sub == "sync")
        or (name == "go" and operands[:2] == ["mod", "download"])
    )
    if name == "npm" and ("-g" in args or sub == "cache"):
        reads.append(fs.tree(posixpath.join(cwd, ".npmrc")))
        d = record()
        for pkg in operands[1:] if sub in ("install", "i") else []:
            fs.write(f"/usr/local/lib/node_modules/{pkg}/package.json", d, "0:0")
        return
    if name == "yarn" and operands[:2] == ["cache", "clean"]:
        for rel in (".yarnrc", ".yarnrc.yml", ".npmrc", "package.json"):  # its settings
            reads.append(fs.tree(_abs(rel, cwd)))
        record()
        fs.remove("/usr/local/share/.cache/yarn")
        return
    if not install:
        reads.append(fs.tree(cwd))
        fs.write(f"/var/log/steps/{digest(text)}", record(), "0:0")
        return
    for rel in INSTALL_INPUTS["bundle" if name == "bundle" else name]:
        reads.append(fs.tree(_abs(rel, cwd)))
    manifest = fs.nodes.get(_abs("package.json", cwd)) or fs.nodes.get(_abs("composer.json", cwd))
    scripts = json.loads(manifest.data).get("scripts", {}) if manifest and manifest.data.strip().startswith("{") else {}
    project_wide = (
        any(s in scripts for s in ("preinstall", "install", "postinstall", "prepare", "post-install-cmd"))
        and "--no-scripts" not in args and "--ignore-scripts" not in args
    ) or (name == "poetry" and "--no-root" not in args) or (name == "uv" and "--no-install-project" not in args)
    if project_wide:
        reads.append(fs.tree(cwd))
    d = record()
    out = {
        "npm": "node_modules/.package-lock.json", "yarn": "node_modules/.yarn-state.yml", "pnpm": "node_modules/.modules.yaml",
        "uv": ".venv/pyvenv.cfg", "composer": "vendor/autoload.php",
    }.get(name)  # fmt: skip
    if name == "npm" and sub == "ci":
        fs.remove(_abs("node_modules", cwd))
    if out:
        fs.write(_abs(out, cwd), d, st.user)
    else:
        fs.write(f"/usr/local/deps/{name}/installed", d, "0:0")
    lock = {"npm": "package-lock.json"}.get(name)
    if lock and sub == "install" and fs.exists(_abs(lock, cwd)):
        fs.write(_abs(lock, cwd), f"\nresolved {d}", st.user, append=True)  # a plain install may rewrite the lock


def _run(st: Stage, script: str) -> None:
    tree = parse_shell(script)

    def walk(lists: list) -> None:  # type: ignore[type-arg]
        for lst in lists:
            for cmd in lst.commands():
                if isinstance(cmd, Compound):
                    walk(cmd.bodies)
                else:
                    run_simple(st, cmd, script)

    walk([tree.body])


def build(text: str, context: Path | None) -> list[tuple[dict[str, tuple[str, str, str, str]], list[tuple[str, str]]]] | str:
    """Per stage: (final file system, what each RUN read); or the failure message."""
    df: Dockerfile = parse(text)
    ctx = Context(context) if context is not None else None
    out = []
    try:
        for stage in df.stages:
            st = Stage(FS.base())
            for instr in stage.instructions[1:]:
                kind = instr.cmd
                if kind == "WORKDIR":
                    st.cwd = _abs(_expand(instr.args, st.env), st.cwd)
                    if not st.fs.exists(st.cwd):
                        st.fs.mkdirs(st.cwd, st.user, MKDIR_0755)
                elif kind == "ENV":
                    for k, v in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", instr.args):
                        st.env[k] = v.strip("\"'")
                elif kind == "USER":
                    st.user = instr.args
                elif kind in ("COPY", "ADD"):
                    words = [_expand(w, st.env) for w in shlex.split(instr.args)]
                    owner = next((f.value or "" for f in instr.flags if f.name == "chown"), "0:0")
                    user = owner.split(":")[0]
                    if not user.isdigit() and f"\n{user}:" not in "\n" + st.fs.nodes["/etc/passwd"].data:
                        raise BuildFailure(f"COPY --chown: unknown user {user}")
                    if instr.flag("from"):
                        st.fs.write(_abs(words[-1], st.cwd), "from another stage", owner)
                    else:
                        _copy(st, words[:-1], words[-1], owner, ctx)
                elif kind == "RUN":
                    _run(st, instr.args)
            out.append((st.fs.snapshot(), sorted(st.reads)))
    except BuildFailure as e:
        return f"build fails: {e}"
    return out
