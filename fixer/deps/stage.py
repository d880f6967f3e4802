"""A stage's WORKDIR, environment and shell at a given instruction, as far as the Dockerfile tells.

Values the Dockerfile cannot prove stay unknown (None): the base image's WORKDIR and ENV, ARG values
(a `--build-arg` overrides them), and anything expanded from an unknown value.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from fixer.deps.paths import join, normalize
from fixer.syntax import Dockerfile, Instruction, Stage
from fixer.syntax.buildkit import node_of
from fixer.syntax.buildkit import parse_json

POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox"})
_WINDOWS_BASE = re.compile(r"windows|nanoserver|servercore", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class State:
    workdir: str | None = None  # absolute; None: the base image's, unknown
    env: dict[str, str | None] = field(default_factory=dict)  # None: declared but value unknown
    posix: bool = True  # RUN's shell form runs under a POSIX shell
    raw_env: dict[str, str] = field(default_factory=dict)  # ENV values as written
    arg_names: set[str] = field(default_factory=set)  # names declared by ARG (overridable)

    def copy(self) -> State:
        return State(self.workdir, dict(self.env), self.posix, dict(self.raw_env), set(self.arg_names))

    def lookup(self, name: str) -> str | None:
        return self.env.get(name)


def expand(word: str, state: State, escape: str = "\\") -> str | None:
    """`word` after BuildKit's quote removal and `$VAR`/`${VAR}` expansion; None when not provable."""
    out: list[str] = []
    i, n = 0, len(word)
    quote = ""
    while i < n:
        ch = word[i]
        if ch == escape and quote != "'":
            if i + 1 < n:
                out.append(word[i + 1])
            i += 2
            continue
        if ch in "'\"" and (not quote or quote == ch):
            quote = "" if quote else ch
            i += 1
            continue
        if ch == "$" and quote != "'":
            m = _NAME.match(word, i + 1)
            if m:
                name, i = m.group(), m.end()
            elif word.startswith("{", i + 1):
                close = word.find("}", i + 2)
                name = word[i + 2 : close] if close > 0 else ""
                if not _NAME.fullmatch(name):
                    return None  # ${x:-y} and friends: not worth proving
                i = close + 1
            else:
                out.append(ch)
                i += 1
                continue
            value = state.lookup(name)
            if value is None:
                return None
            out.append(value)
            continue
        out.append(ch)
        i += 1
    if quote:
        return None
    return "".join(out)


def resolve_dir(path: str, state: State) -> str | None:
    """An (already expanded) path resolved against the current WORKDIR."""
    if path.startswith("/"):
        return normalize(path)
    return join(state.workdir, path) if state.workdir else None


def _shell_is_posix(instr: Instruction) -> bool:
    argv = parse_json(instr.args)  # a parsed file holds no array BuildKit rejects
    return argv is not None and bool(argv) and posixpath.basename(argv[0]) in POSIX_SHELLS


def apply(state: State, instr: Instruction, escape: str) -> None:
    """Advance `state` past `instr`."""
    cmd = instr.cmd
    if cmd == "WORKDIR":
        value = expand(instr.args, state, escape)
        state.workdir = resolve_dir(value, state) if value else None
    elif cmd == "ENV":
        try:
            items = node_of(instr, escape).items()
        except Exception:  # noqa: BLE001 - a malformed ENV makes the whole environment unknown
            state.env = {k: None for k in state.env}
            return
        # every value of one ENV sees the environment from before it, as in BuildKit
        values = [(k, expand(v, state, escape)) for k, v in items]
        state.env.update(values)
        state.raw_env.update(items)
    elif cmd == "ARG":
        for word in instr.args.split():
            name = word.split("=", 1)[0]
            state.arg_names.add(name)
            state.env.setdefault(name, None)  # an ENV of the same name wins over the ARG
    elif cmd == "SHELL":
        state.posix = _shell_is_posix(instr)


def initial(df: Dockerfile, stage: Stage) -> State:
    """The state right after the stage's FROM."""
    if stage.parent is not None:
        return end_of(df, stage.parent)
    windows = df.escape == "`" or bool(_WINDOWS_BASE.search(stage.base))
    return State(posix=not windows)


def end_of(df: Dockerfile, stage: Stage) -> State:
    state = initial(df, stage)
    for instr in stage.instructions[1:]:
        apply(state, instr, df.escape)
    return state


def states(df: Dockerfile, stage: Stage) -> list[State]:
    """The state before each instruction of the stage (index 0 is the FROM)."""
    out: list[State] = []
    state = initial(df, stage)
    for pos, instr in enumerate(stage.instructions):
        out.append(state.copy())
        if pos:
            apply(state, instr, df.escape)
    return out
