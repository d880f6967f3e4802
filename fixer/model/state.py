"""One walk through each stage: the WORKDIR, environment, SHELL and USER in force before and after
every instruction, as far as the Dockerfile tells.

A stage FROM an earlier stage starts with the state that stage ended with; a stage FROM an image
starts with what dockfix can say about the image: its default shell, and nothing else (its WORKDIR,
ENV and USER are the image's, unknown here). Values the Dockerfile cannot prove stay None: ARG values
(a `--build-arg` overrides them) and anything expanded from an unknown value.

The walk visits every instruction once per file, and an instruction that changes nothing shares the
state before it, so asking for the state at each of n instructions costs O(n) in all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from fixer.model.paths import join, normalize
from fixer.model.memo import per_file
from fixer.model.shells import DEFAULT, Shell, image_shell, parse_shell_instruction
from fixer.model.stages import owner, parent, position
from fixer.model.variables import declared, expand, global_args
from fixer.syntax import Dockerfile, Instruction, Stage


@dataclass(frozen=True, eq=False)
class State:
    workdir: str | None = None  # absolute; None: the base image's, unknown
    env: Mapping[str, str | None] = field(default_factory=dict)  # expanded values; None: declared (ARG, ENV) but value unknown
    raw_env: Mapping[str, str] = field(default_factory=dict)  # ENV values as written
    arg_names: frozenset[str] = frozenset()  # names declared by ARG (overridable)
    arg_defaults: Mapping[str, str | None] = field(default_factory=dict)  # ARG defaults as written (a global ARG's value when re-declared bare)
    base_shell: Shell = DEFAULT  # the last SHELL (or the image's default)
    shellopts: bool = False  # an ENV or ARG mentions SHELLOPTS
    user: str | None = None  # the USER value in force, as written; None: the base image's
    user_instr: Instruction | None = field(default=None)  # the USER instruction that set it

    @property
    def shell(self) -> Shell:
        """The shell a shell-form RUN runs under; bash reads `SHELLOPTS` from the environment at start,
        so `ENV SHELLOPTS=errexit` acts like `-e`."""
        s = self.base_shell
        if self.shellopts and not s.errexit and s.name == "bash":
            return Shell(s.argv, s.posix, errexit=True)
        return s

    @property
    def posix(self) -> bool:
        """RUN's shell form runs under a POSIX shell."""
        return self.base_shell.posix

    def lookup(self, name: str) -> str | None:
        return self.env.get(name)


def resolve_dir(path: str, state: State) -> str | None:
    """An (already expanded) path resolved against the state's WORKDIR; None when that is unknown."""
    if path.startswith("/"):
        return normalize(path)
    return join(state.workdir, path) if state.workdir else None


def step(df: Dockerfile, state: State, instr: Instruction) -> State:
    """The state after `instr`, given the state before it (the same object when nothing changes)."""
    cmd = instr.cmd
    if cmd == "WORKDIR":
        value = expand(instr.args, state.env, df.escape)
        return replace(state, workdir=resolve_dir(value, state) if value else None)
    if cmd == "ENV":
        items = declared(df, instr)
        shellopts = state.shellopts or "SHELLOPTS" in instr.args
        if not items:  # an ENV BuildKit rejects: the whole environment is unknown
            return replace(state, env={k: None for k in state.env}, shellopts=shellopts)
        env = dict(state.env)
        raw = dict(state.raw_env)
        # every value of one ENV sees the environment from before it, as in BuildKit
        for k, v in items:
            assert v is not None
            env[k] = expand(v, state.env, df.escape)
            raw[k] = v
        return replace(state, env=env, raw_env=raw, shellopts=shellopts)
    if cmd == "ARG":
        items = declared(df, instr)
        env = dict(state.env)
        defaults = dict(state.arg_defaults)
        globals_ = global_args(df)
        for name, value in items:
            env.setdefault(name, None)  # an ENV of the same name wins over the ARG
            # `ARG NAME` in a stage brings a global ARG's value into scope
            defaults[name] = value if value is not None else globals_.get(name)
        return replace(
            state,
            env=env,
            arg_names=state.arg_names | {n for n, _ in items},
            arg_defaults=defaults,
            shellopts=state.shellopts or "SHELLOPTS" in instr.args,
        )
    if cmd == "SHELL":
        return replace(state, base_shell=parse_shell_instruction(instr))
    if cmd == "USER":
        return replace(state, user=instr.args.strip(), user_instr=instr)
    return state


@dataclass(frozen=True)
class _Walk:
    before: tuple[State, ...]  # before each instruction of the stage (index 0: right after FROM)
    end: State


@per_file
def _walks(df: Dockerfile) -> dict[Stage, _Walk]:
    out: dict[Stage, _Walk] = {}
    for stage in df.stages:  # a parent is always an earlier stage, so it is walked already
        up = parent(df, stage)
        state = out[up].end if up is not None else State(base_shell=image_shell(df, stage))
        before: list[State] = []
        for pos, instr in enumerate(stage.instructions):
            before.append(state)
            if pos:
                state = step(df, state, instr)
        out[stage] = _Walk(tuple(before), state)
    return out


def states(df: Dockerfile, stage: Stage) -> tuple[State, ...]:
    """The state before each instruction of the stage (index 0 is the FROM: the state it starts with)."""
    return _walks(df)[stage].before


def start_state(df: Dockerfile, stage: Stage) -> State:
    """The state right after the stage's FROM."""
    return _walks(df)[stage].before[0]


def end_state(df: Dockerfile, stage: Stage) -> State:
    """The state after the stage's last instruction (what a stage built FROM it starts with)."""
    return _walks(df)[stage].end


_OUTSIDE = State()


def state_before(df: Dockerfile, instr: Instruction) -> State:
    """The state `instr` runs in. An ONBUILD trigger runs in a build FROM this stage, right after its
    FROM: in the state the stage ends with. Before the first FROM (global ARGs) there is no image: the
    default state."""
    own = owner(df, instr)
    if own.stage is None:
        return _OUTSIDE
    if own is not instr:
        return _walks(df)[own.stage].end
    return _walks(df)[own.stage].before[position(own.stage, own)]


def state_after(df: Dockerfile, instr: Instruction) -> State:
    own = owner(df, instr)
    if own.stage is None:
        return _OUTSIDE
    walk = _walks(df)[own.stage]
    if own is not instr:
        return step(df, walk.end, instr)
    pos = position(own.stage, own)
    return walk.before[pos + 1] if pos + 1 < len(walk.before) else walk.end


def shell_at(df: Dockerfile, instr: Instruction) -> Shell:
    """The shell that runs `instr` (a shell-form instruction; for an ONBUILD trigger, its ONBUILD's)."""
    return state_before(df, instr).shell


def value_at(df: Dockerfile, instr: Instruction, name: str) -> str | None:
    """The value an ENV or an ARG default gives `name` where `instr` runs, as written (surrounding
    quotes removed); None when the Dockerfile sets none. An ENV wins over an ARG of the same name,
    as in BuildKit."""
    state = state_before(df, instr)
    if name in state.raw_env:
        return state.raw_env[name].strip("\"'")
    value = state.arg_defaults.get(name)
    return value.strip("\"'") if value is not None else None
