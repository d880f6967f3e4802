"""DF005 root-user: run the final image as a non-root user, created the way its base distribution expects."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from fixer.data.base_families import (
    DROPS,
    PRIVILEGE_DROPPERS,
    ROOT_SERVERS,
    UNKNOWN,
    WINDOWS,
    Family,
    Verdict,
    family_of,
    split_reference,
    verdict_of,
)
from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import RuleContext, rule
from fixer.shell.lexer import LexError, tokenize, unquote
from fixer.shell.parse import ShellParseError
from fixer.shell.stage_shell import parse_shell_instruction, stage_start_shell
from fixer.syntax import Dockerfile, Instruction, Stage
from fixer.syntax.buildkit import node_of
from fixer.syntax.buildkit import parse_json

# `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`
_VAR = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_ROOT_NAMES = frozenset({"root", "0"})
_NUMERIC_USER = re.compile(r"[0-9]+(?::[0-9]+)?")
_MAX_DEPTH = 64


# --- variables ---------------------------------------------------------------------------------


def expand(text: str, env: dict[str, str]) -> str:
    """`text` with the variables `env` knows substituted, as BuildKit would; unknown ones stay as written."""

    def sub(m: re.Match[str]) -> str:
        name = m.group("braced") or m.group("bare")
        op = m.group("op")
        if op is None:
            return env.get(name, m.group(0))
        word = m.group("word")
        if name not in env and op in (":-", "-"):
            return word
        if name not in env:
            return "" if op in (":+", "+") else m.group(0)
        value = env[name]
        if op == ":-":
            return value or word
        if op == ":+":
            return word if value else ""
        return value if op == "-" else word

    return _VAR.sub(sub, text)


def _unquote_value(value: str) -> str:
    return unquote(value) if "$" not in value else value.strip("'\"")


def _declared(instr: Instruction, df: Dockerfile) -> list[tuple[str, str | None]]:
    """(name, literal value or None) for each variable an ARG or ENV instruction sets."""
    try:
        node = node_of(instr, df.escape)
    except Exception:  # noqa: BLE001 - an instruction BuildKit rejects declares nothing we can read
        return []
    if instr.cmd == "ENV":
        return [(k, _unquote_value(v)) for k, v in node.items()]
    out: list[tuple[str, str | None]] = []
    for word in node.words():
        name, eq, value = word.partition("=")
        out.append((name, _unquote_value(value) if eq else None))
    return out


def global_args(df: Dockerfile) -> dict[str, str]:
    """Literal defaults of the ARGs before the first FROM: what FROM lines expand with."""
    env: dict[str, str] = {}
    for instr in df.instructions:
        if instr.stage is not None:
            break
        if instr.cmd == "ARG":
            for name, value in _declared(instr, df):
                if value is not None:
                    env[name] = expand(value, env)
    return env


# --- the final stage and what it is built from ------------------------------------------------------


@dataclass(frozen=True)
class Lineage:
    """The final stage and the stages it is built FROM, oldest first, and the image at the bottom."""

    stages: list[Stage]
    image: str | None  # the external image, ARGs expanded; None when a FROM names no readable image

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def instructions(self) -> Iterator[Instruction]:
        for st in self.stages:
            yield from st.instructions


def lineage(df: Dockerfile, stage: Stage, args: dict[str, str]) -> Lineage:
    chain = [stage]
    while len(chain) < _MAX_DEPTH:
        st = chain[0]
        base = expand(st.base, args)
        parent = st.parent or (df.stage_named(base, before=st.index) if "$" not in base and base else None)
        if parent is None or parent in chain:
            return Lineage(chain, base if base and parent is None else None)
        chain.insert(0, parent)
    return Lineage(chain, None)


# --- who the image runs as ---------------------------------------------------------------------------

Kind = Literal["root", "non-root", "unknown"]


@dataclass(frozen=True)
class UserState:
    kind: Kind
    value: str | None  # the USER value in force; None: the base image's default
    instr: Instruction | None  # the USER instruction that set it


def classify_user(value: str) -> Kind:
    if "$" in value:
        return "unknown"
    return "root" if value.split(":", 1)[0] in _ROOT_NAMES else "non-root"


def effective_user(lin: Lineage, verdict: Verdict | None) -> UserState:
    """The last USER along the lineage (a stage FROM a stage inherits its USER), else the image default."""
    state = UserState("root", None, None)
    if verdict is not None and verdict.kind == "non-root":
        state = UserState("non-root", verdict.user, None)
    for instr in lin.instructions():
        if instr.cmd == "USER":
            state = UserState(classify_user(instr.args.strip()), instr.args.strip(), instr)
    return state


# --- users the Dockerfile creates ----------------------------------------------------------------------

# options that take a value, by command (short letters, long names); the rest are flags
_VALUE_OPTIONS = {
    "useradd": (
        "bcdefgGkKpPRsuZ",
        {"base-dir", "comment", "home-dir", "home", "expiredate", "inactive", "gid", "groups", "skel", "key",
         "password", "root", "prefix", "shell", "uid", "selinux-user", "selinux-range"},
    ),
    # Debian's adduser (long options) and BusyBox's (short ones)
    "adduser": (
        "hgsGuk",
        {"home", "shell", "uid", "firstuid", "lastuid", "gid", "firstgid", "lastgid", "ingroup", "gecos",
         "comment", "conf", "extrausers"},
    ),
}  # fmt: skip
_MENTIONS_USERADD = re.compile(r"\b(?:useradd|adduser)\b")
_WRAPPERS = frozenset({"sudo", "exec", "command", "builtin", "nice", "nohup", "env", "time"})


@dataclass(frozen=True)
class CreatedUser:
    name: str
    uid: str | None  # literal number given with -u/--uid
    instr: Instruction


def _run_scripts(instr: Instruction) -> list[str]:
    """The shell text a RUN executes: its command line with here-documents attached, and their bodies."""
    if instr.json:
        argv = parse_json(instr.args) or []
        if len(argv) >= 3 and argv[1] == "-c":
            return [argv[2]]
        return [" ".join(_quote(a) for a in argv)]
    if not instr.heredocs:
        return [instr.args]
    bodies = "".join(h.content + (h.terminator.text.strip() if h.chomp else h.terminator.text) + "\n" for h in instr.heredocs)
    return [instr.args + "\n" + bodies, *(h.content for h in instr.heredocs)]


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def _commands(script: str) -> list[list[str]]:
    """The words (quotes removed) of every simple command of `script`, nested ones included."""
    from fixer.shell.analysis import simple_commands

    try:
        return [[*(w.value for w in c.words)] for c in simple_commands(script) if c.words]
    except ShellParseError:
        pass
    # bashlex cannot read everything (`case`, `[[ ]]`, `$(( ))`): split the lexer's tokens at list operators
    out: list[list[str]] = []
    current: list[str] = []
    skip_target = False
    for tok in tokenize(script):
        if tok.kind == "word":
            if skip_target:
                skip_target = False
            elif current or tok.text not in ("then", "do", "else", "elif", "if", "while", "until", "{", "!", "time"):
                current.append(unquote(tok.text))
        elif tok.kind == "op" and any(c in tok.text for c in "<>"):
            skip_target = True
        elif tok.kind in ("op", "newline"):
            if current:
                out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _unwrap(words: list[str]) -> list[str]:
    while words and (words[0] in _WRAPPERS or re.match(r"[A-Za-z_][A-Za-z0-9_]*=", words[0])):
        words = words[1:]
        while words and words[0].startswith("-"):  # `sudo -E`, `env -i`
            words = words[1:]
    return words


def _parse_options(cmd: str, args: list[str]) -> tuple[dict[str, str], list[str]]:
    """getopt-style: options (long names, or single letters) with their values, and the operands."""
    letters, longs = _VALUE_OPTIONS[cmd]
    opts: dict[str, str] = {}
    operands: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            operands.extend(args[i:])
            break
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            if name in longs and not eq and i < len(args):
                value = args[i]
                i += 1
            opts[name] = value
        elif a.startswith("-") and len(a) > 1:
            for j, letter in enumerate(a[1:], 1):
                if letter in letters:
                    value = a[j + 1 :]
                    if not value and i < len(args):
                        value = args[i]
                        i += 1
                    opts[letter] = value
                    break
                opts[letter] = ""
        else:
            operands.append(a)
    return opts, operands


def _created(words: list[str], instr: Instruction, env: dict[str, str]) -> CreatedUser | None:
    words = _unwrap(words)
    if not words:
        return None
    cmd = posixpath.basename(words[0])
    if cmd not in _VALUE_OPTIONS:
        return None
    opts, operands = _parse_options(cmd, words[1:])
    # `adduser USER GROUP` adds an existing user to a group; Debian's `adduser --group NAME` makes a group
    if len(operands) != 1:
        return None
    if cmd == "adduser" and "group" in opts and "system" not in opts:
        return None
    if cmd == "useradd" and "D" in opts:  # `useradd -D NAME` is not valid; `-D` alone prints defaults
        return None
    name = expand(operands[0], env)
    uid = expand(opts.get("u", opts.get("uid", "")), env)
    return CreatedUser(name, uid if uid.isdigit() else None, instr)


@dataclass(frozen=True)
class Unreadable:
    """A user is created, but dockfix cannot tell which one."""

    reason: str
    instr: Instruction


def created_users(lin: Lineage, df: Dockerfile, args: dict[str, str]) -> list[CreatedUser] | Unreadable:
    """Users that RUNs along the lineage create with useradd/adduser, in order."""
    found: list[CreatedUser] = []
    for st in lin.stages:
        env: dict[str, str] = {}
        for instr in st.instructions:
            if instr.cmd in ("ARG", "ENV"):
                for name, value in _declared(instr, df):
                    if value is not None:
                        env[name] = expand(value, env)
                    elif instr.cmd == "ARG" and name in args:
                        env[name] = args[name]
            if instr.cmd != "RUN":
                continue
            for script in _run_scripts(instr):
                if not _MENTIONS_USERADD.search(script):
                    continue  # parsing shell is costly: most RUNs never name these commands
                try:
                    commands = _commands(script)
                except LexError:
                    return Unreadable("a RUN that creates a user could not be read", instr)
                    continue
                for words in commands:
                    user = _created(words, instr, env)
                    if user is None:
                        continue
                    if "$" in user.name or not user.name:
                        return Unreadable(f"the user it creates is named at build time (`{user.name}`)", instr)
                    if user.name != "root" and user.uid != "0":
                        found.append(user)
    return found


# --- images that must keep starting as root ---------------------------------------------------------


def _program(instr: Instruction) -> str | None:
    argv = parse_json(instr.args) if instr.json else instr.args.split()
    while argv and argv[0] in ("exec", "sudo"):
        argv = argv[1:]
    return posixpath.basename(argv[0]) if argv else None


def starts_as_root(lin: Lineage, verdict: Verdict | None) -> str | None:
    """Why the image is meant to start as root and step down by itself, or None."""
    if verdict is not None and verdict.kind == DROPS:
        return verdict.reason
    last: dict[str, Instruction] = {}
    for instr in lin.instructions():
        if instr.cmd in ("CMD", "ENTRYPOINT"):
            last[instr.cmd] = instr
        if instr.cmd == "RUN":
            text = instr.logical + "".join(h.content for h in instr.heredocs)
            for helper in PRIVILEGE_DROPPERS:
                if re.search(rf"(?<![\w-]){re.escape(helper)}(?![\w-])", text):
                    return f"it installs {helper}, so its entrypoint steps down from root itself"
    for instr in last.values():
        prog = _program(instr)
        if prog is not None and (prog in ROOT_SERVERS or prog.startswith("php-fpm")):
            return ROOT_SERVERS.get(prog, ROOT_SERVERS["php-fpm"])
    return None


# what only Windows builds run: PowerShell cmdlets, Chocolatey, installers, drive-letter paths
_WINDOWS_RUN = re.compile(r"(?i)\b(?:powershell|pwsh|choco|msiexec|Invoke-WebRequest|Expand-Archive|setx)\b|\b[A-Z]:\\")


def looks_windows(df: Dockerfile, lin: Lineage) -> bool:
    """For an image we do not know: does the Dockerfile read like a Windows build?"""
    if df.escape == "`" or not stage_start_shell(df, lin.stages[0]).posix:
        return True
    return any(
        (i.cmd == "SHELL" and not parse_shell_instruction(i).posix) or (i.cmd == "RUN" and _WINDOWS_RUN.search(i.logical))
        for i in lin.instructions()
    )


# --- the fix ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    user: str  # the USER value to switch to
    create: str | None  # the command that creates it, or None
    message: str


def _shell_is_posix(df: Dockerfile, st: Stage) -> bool:
    shell = stage_start_shell(df, st)
    for instr in st.instructions:
        if instr.cmd == "SHELL":
            shell = parse_shell_instruction(instr)
    return shell.posix


def plan(
    df: Dockerfile, lin: Lineage, family: Family, verdict: Verdict | None, users: list[CreatedUser], ctx: RuleContext
) -> Plan:
    if users:
        u = users[-1]
        value = u.uid or u.name
        return Plan(value, None, f"The final image runs as root although the Dockerfile creates user `{u.name}`: add `USER {value}`")
    earlier = [
        i.args.strip() for i in lin.instructions() if i.cmd == "USER" and _NUMERIC_USER.fullmatch(i.args.strip())
    ]
    earlier = [v for v in earlier if classify_user(v) == "non-root"]
    if earlier:
        return Plan(earlier[-1], None, f"The final image runs as root: switch back to `USER {earlier[-1]}`, the uid used earlier")
    if verdict is not None and verdict.user:
        return Plan(verdict.user, None, f"The final image runs as root: switch back to `USER {verdict.user}` ({verdict.reason})")
    if family.builtin:
        return Plan(family.builtin, None, f"The final image runs as root: add `USER {family.builtin}` ({family.builtin_why})")
    uid = str(ctx.option("uid", 10001))
    gid = str(ctx.option("gid", uid))
    name = str(ctx.option("name", "app"))
    numbers = f"{uid}:{gid}"
    if family.create and _shell_is_posix(df, lin.final):
        create = family.create.format(uid=uid, gid=gid, name=name)
        return Plan(numbers, create, f"The final image runs as root: create user `{name}` ({family.title}) and add `USER {numbers}`")
    why = "the base image is not recognised" if family is UNKNOWN else f"{family.title} cannot create users"
    return Plan(numbers, None, f"The final image runs as root: add `USER {numbers}` (numbers only: {why})")


def _keyword(st: Stage, word: str) -> str:
    return word.lower() if st.from_.keyword.islower() else word


def _lines_at(df: Dockerfile, at: int, lines: list[str]) -> str:
    nl = df.newline
    if at > 0 and df.text[at - 1] != "\n":  # after a last line without a line ending: keep it that way
        return nl + nl.join(lines)
    return "".join(line + nl for line in lines)


def insertion_point(st: Stage) -> tuple[int, Instruction | None]:
    """Where the USER goes: after the last RUN or USER of the stage, else before CMD/ENTRYPOINT/HEALTHCHECK,
    else at the stage's end. Also the trailing root USER (after the last RUN) whose value can be replaced."""
    body = st.instructions[1:]
    last = max((i for i in body if i.cmd in ("RUN", "USER")), key=lambda i: i.index, default=None)
    if last is not None:
        return last.end, last if last.cmd == "USER" else None
    runtime = next((i for i in body if i.cmd in ("CMD", "ENTRYPOINT", "HEALTHCHECK")), None)
    if runtime is not None:
        return runtime.full_start, None
    return st.instructions[-1].end, None


def fix_for(df: Dockerfile, st: Stage, p: Plan) -> Fix:
    at, trailing_user = insertion_point(st)
    if p.create is None and trailing_user is not None and classify_user(trailing_user.args.strip()) == "root":
        value = trailing_user.args
        start = trailing_user.args_offset
        last = trailing_user.file_offset(trailing_user.args_start + len(value) - 1)
        if last - start == len(value) - 1:  # the value is not split by a line continuation
            return Fix.unsafe(Edit(start, last + 1, p.user))
    lines = [f"{_keyword(st, 'RUN')} {p.create}"] if p.create else []
    lines.append(f"{_keyword(st, 'USER')} {p.user}")
    return Fix.unsafe(Edit.insert(at, _lines_at(df, at, lines)))


# --- warnings -----------------------------------------------------------------------------------


def _ports(instr: Instruction) -> Iterator[int]:
    for word in instr.args.split():
        spec = word.split("/", 1)[0]
        first = spec.split("-", 1)[0]
        if first.isdigit():
            yield int(first)


def _dest(instr: Instruction) -> str | None:
    argv = parse_json(instr.args) if instr.json else instr.args.split()
    return argv[-1] if argv and len(argv) >= 2 else None


def warnings(df: Dockerfile, lin: Lineage, user_at: int, ctx: RuleContext) -> Iterator[Finding]:
    """Findings without fixes for what breaks when the image runs as a non-root user."""
    for instr in lin.instructions():
        if instr.cmd == "EXPOSE":  # ports exposed by earlier stages of the lineage are the image's too
            low = sorted({p for p in _ports(instr) if p < 1024})
            if low:
                yield ctx.report(
                    df,
                    instr.start,
                    f"EXPOSE {', '.join(map(str, low))}: a non-root user cannot bind ports below 1024 on Kubernetes "
                    "or rootless runtimes (Docker 20.10+ allows it); listen on a port of 1024 or above",
                    instruction=instr.index,
                )
    st = lin.final
    workdir = "/"
    workdir_instr: Instruction | None = None
    for instr in lin.instructions():
        if instr.cmd == "WORKDIR" and instr.args.strip() and "$" not in instr.args:
            workdir = posixpath.normpath(posixpath.join(workdir, instr.args.strip().strip("'\"")))
            workdir_instr = instr
    if workdir == "/":
        return
    chowned = any(
        i.cmd == "RUN" and re.search(r"\bch(own|mod)\b", i.logical) and workdir in i.logical for i in st.instructions
    )
    if chowned:
        return
    if workdir_instr is not None and workdir_instr.stage is st and workdir_instr.start < user_at:
        yield ctx.report(
            df,
            workdir_instr.start,
            f"WORKDIR {workdir} is created as root, before the switch to a non-root user: "
            "if the app writes there, chown it to that user",
            instruction=workdir_instr.index,
        )
    cwd = "/"
    for instr in st.instructions:
        if instr.cmd == "WORKDIR" and "$" not in instr.args:
            cwd = posixpath.normpath(posixpath.join(cwd, instr.args.strip().strip("'\"")))
        if instr.cmd not in ("COPY", "ADD") or instr.flag("chown"):
            continue
        dest = _dest(instr)
        if dest is None or "$" in dest:
            continue
        target = posixpath.normpath(posixpath.join(cwd, dest))
        if target == workdir or target.startswith(workdir + "/"):
            yield ctx.report(
                df,
                instr.start,
                f"{instr.cmd} into {target} without --chown: the files stay owned by root, "
                "so the non-root user cannot change them; add --chown if the app writes there",
                instruction=instr.index,
            )


# --- the rule ---------------------------------------------------------------------------------------


def target_stage(df: Dockerfile, ctx: RuleContext) -> Stage | None:
    if ctx.target:
        return df.stage_named(ctx.target)
    return df.final_stage


@rule("DF005", "root-user", hadolint=("DL3002",), unsafe_by_default=True)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Makes the final image (the last stage, or the `--target` stage) run as a non-root user. It follows
    the stage's `FROM` through earlier stages and literal `ARG` defaults to the base image, tells its
    distribution family, and inserts what that family needs after the stage's last `RUN` or `USER` (so
    package installs still run as root; in a stage without either, before `CMD`/`ENTRYPOINT`/`HEALTHCHECK`).
    A trailing `USER root` that only needs a new value gets it in place:

    | family | inserted |
    |---|---|
    | Debian, Ubuntu, and images built on them (python, node, golang, ruby, php, openjdk …) | `RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-log-init --create-home app`, `USER 10001:10001` |
    | Alpine, BusyBox | `RUN addgroup -S -g 10001 app && adduser -S -D -u 10001 -G app app`, `USER 10001:10001` |
    | RHEL, UBI, Fedora, CentOS, Rocky, Alma, Oracle Linux | `RUN groupadd -r -g 10001 app && useradd -r -u 10001 -g app --no-log-init -m app`, `USER 10001:10001` |
    | ubi-minimal, *-minimal, Amazon Linux (no shadow-utils), unknown images | `USER 10001:10001` |
    | distroless | `USER 65532:65532` (its `nonroot` user) |
    | scratch | `USER 65534:65534` |

    When the Dockerfile already creates a user (`useradd`/`adduser` in the stage or a stage it is built
    from) it switches to that user (by uid when `-u` gives one) instead of creating another; when an
    earlier `USER` named a numeric uid, it switches back to it. The uid, gid and name are options
    (`uid`, `gid`, `name`).

    It leaves alone, and says why: images already running as non-root (bitnami, `*-unprivileged`,
    distroless `:nonroot`), images that start as root by design and step down themselves (postgres,
    mysql, mariadb, mongo, redis, rabbitmq, nginx, httpd, php apache/fpm, Dockerfiles that install
    gosu or su-exec, a CMD that starts nginx, apache, php-fpm, sshd, cron or dockerd), a `USER` set
    from a variable, and Windows images (Windows accounts are names, not uids: use `USER ContainerUser`).

    It also warns, without fixing, about `EXPOSE` of ports below 1024 and about the working directory
    and files copied into it without `--chown`, which a non-root app cannot write.

    ## Why is this bad?
    A process that runs as root in a container is root on the host's kernel: a container escape or a
    writable host mount gives full control. Kubernetes' `runAsNonRoot` refuses such images, and it can
    only check numeric users, hence `USER uid:gid` with numbers (10001, clear of the 1000 that node's and
    Ubuntu's own users take). Naming a user the image lacks (`USER nobody` on scratch, `USER nonroot` on
    Debian) stops the container from starting, so the user is created the way each family expects.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask
    COPY app.py /srv/
    CMD ["python", "/srv/app.py"]
    ```
    Use instead:
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask
    RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-log-init --create-home app
    USER 10001:10001
    COPY app.py /srv/
    CMD ["python", "/srv/app.py"]
    ```

    ## Fix safety
    Always unsafe: the build stays the same, but the container runs differently. The app may bind a
    port below 1024, write into directories that root owns, or read files only root may read (`pip
    install --user` puts packages under `/root`). None of that is visible in the Dockerfile, so no case
    is provably safe, and a `safe` label would also bypass `--no-unsafe-fixes`, the switch users turn
    to when the change breaks them. The project's default configuration still applies this fix with
    `--write` (the rule is unsafe-by-default-enabled); `--no-unsafe-fixes` or `ignore = ["DF005"]`
    turn it off.
    """
    a = assess(df, ctx)
    if a is None:
        return
    at = a.state.instr if a.state.instr is not None and a.state.instr.stage is a.stage else a.stage.from_
    if a.outcome == "fix":
        assert a.plan is not None
        yield ctx.report(df, at.start, a.plan.message, fix_for(df, a.stage, a.plan), instruction=at.index)
        yield from warnings(df, a.lineage, insertion_point(a.stage)[0], ctx)
    elif a.outcome == "non-root":
        st_instr = a.state.instr
        yield from warnings(df, a.lineage, st_instr.start if st_instr is not None and st_instr.stage is a.stage else 0, ctx)
    elif a.reason is not None:
        yield ctx.report(df, at.start, a.reason, instruction=at.index)


Outcome = Literal["fix", "non-root", "windows-admin", "windows-user", "variable-user", "starts-as-root", "unreadable"]


@dataclass(frozen=True)
class Assessment:
    """What DF005 makes of a Dockerfile's final stage: its family, who it runs as, and what to do."""

    stage: Stage
    lineage: Lineage
    family: Family
    state: UserState
    outcome: Outcome
    reason: str | None = None  # the message of a finding without a fix
    plan: Plan | None = None


def assess(df: Dockerfile, ctx: RuleContext) -> Assessment | None:
    """None when there is no final stage (no FROM, or `--target` names none)."""
    st = target_stage(df, ctx)
    if st is None:
        return None
    args = global_args(df)
    lin = lineage(df, st, args)
    image = split_reference(lin.image) if lin.image else None
    family = family_of(image) if image else UNKNOWN
    verdict = verdict_of(image) if image else None
    if family is UNKNOWN and looks_windows(df, lin):
        family = WINDOWS
    state = effective_user(lin, verdict)

    def done(outcome: Outcome, reason: str | None = None, p: Plan | None = None) -> Assessment:
        return Assessment(st, lin, family, state, outcome, reason, p)

    if family is WINDOWS:
        nano = image is not None and "nanoserver" in f"{image.repository}:{image.tag}"
        if (state.value is None and not nano) or "administrator" in (state.value or "").lower():
            return done(
                "windows-admin",
                "The final image runs as ContainerAdministrator: add `USER ContainerUser` if the app allows "
                "(not fixed: Windows images name accounts, not uids)",
            )
        return done("windows-user")
    if state.kind == "unknown":
        return done(
            "variable-user",
            f"The final image runs as `USER {state.value}`, set at build time: make sure it is not root "
            "(not fixed: the value is a variable)",
        )
    if state.kind == "non-root":
        return done("non-root")
    why = starts_as_root(lin, verdict)
    if why is not None:
        return done("starts-as-root", f"The final image runs as root by design, left alone: {why}")
    users = created_users(lin, df, args)
    if isinstance(users, Unreadable):
        return done(
            "unreadable", f"The final image runs as root (not fixed: {users.reason}, line {users.instr.start_line})"
        )
    return done("fix", p=plan(df, lin, family, verdict, users, ctx))
