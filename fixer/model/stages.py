"""Stage ancestry: which stage a stage is built FROM, back to its external image, and which stages
are built from it; which stage an instruction belongs to; which stages end up in the image.

A FROM names an earlier stage when its base, expanded with the global ARGs as BuildKit expands it,
equals that stage's name (case-insensitive): `ARG BASE=builder` / `FROM ${BASE}` is built on the
stage `builder`, not on an image called `builder`.
"""

from __future__ import annotations

from collections.abc import Iterator

from fixer.model.memo import per_file
from fixer.model.variables import expand_global
from fixer.syntax import Dockerfile, Instruction, Stage


@per_file
def parent(df: Dockerfile, stage: Stage) -> Stage | None:
    """The earlier stage `stage` is built FROM; None when it starts from an image."""
    if stage.parent is not None:
        return stage.parent
    if "$" not in stage.base and not _variable_names(df):
        return None
    base = expand_global(df, stage.base)
    if not base:
        return None
    key = base.lower()
    return next((s for s in df.stages[: stage.index] if name_key(df, s) == key), None)


@per_file
def _variable_names(df: Dockerfile) -> bool:
    return any(s.name and "$" in s.name for s in df.stages)


@per_file
def name_key(df: Dockerfile, stage: Stage) -> str | None:
    """The stage's `AS` name as FROM and `--from` match it: global ARGs expanded, lower-case; None when
    it has none or it cannot be expanded."""
    if stage.name is None:
        return None
    name = expand_global(df, stage.name) if "$" in stage.name else stage.name
    return name.lower() if name else None


@per_file
def chain(df: Dockerfile, stage: Stage | None) -> tuple[Stage, ...]:
    """The stage and the stages it is built FROM, nearest first (the last one starts from an image)."""
    out: list[Stage] = []
    while stage is not None and stage not in out:
        out.append(stage)
        stage = parent(df, stage)
    return tuple(out)


def root(df: Dockerfile, stage: Stage) -> Stage:
    """The stage at the bottom of the chain: the one whose FROM names an image."""
    return chain(df, stage)[-1]


@per_file
def children(df: Dockerfile, stage: Stage) -> tuple[Stage, ...]:
    """Stages built directly FROM `stage`."""
    return tuple(s for s in df.stages if s is not stage and parent(df, s) is stage)


@per_file
def descendants(df: Dockerfile, stage: Stage) -> tuple[Stage, ...]:
    """Stages built FROM `stage`, directly or through other stages, in file order."""
    return tuple(s for s in df.stages if s is not stage and stage in chain(df, s))


def owner(df: Dockerfile, instr: Instruction) -> Instruction:
    """An ONBUILD trigger's ONBUILD instruction (the one its stage lists); `instr` itself otherwise."""
    if 0 <= instr.index < len(df.instructions):
        own = df.instructions[instr.index]
        if own.sub is instr:  # a trigger shares its ONBUILD's index
            return own
    return instr


def stage_of(df: Dockerfile, instr: Instruction) -> Stage | None:
    """The stage of `instr`; an ONBUILD trigger belongs to the stage of its ONBUILD; None before the first FROM."""
    return owner(df, instr).stage


def position(stage: Stage, instr: Instruction) -> int:
    """Index of `instr` in `stage.instructions` (a stage's instructions are consecutive in the file)."""
    pos = instr.index - stage.from_.index
    if 0 <= pos < len(stage.instructions) and stage.instructions[pos] is instr:
        return pos
    return next(p for p, i in enumerate(stage.instructions) if i is instr)


def lineage_before(df: Dockerfile, instr: Instruction) -> Iterator[Instruction]:
    """Instructions that ran before `instr` in its image, nearest first: its stage's earlier ones,
    then each ancestor stage's."""
    stages = chain(df, stage_of(df, instr))
    if not stages:
        return
    own = owner(df, instr)
    yield from reversed(stages[0].instructions[: position(stages[0], own)])
    for st in stages[1:]:
        yield from reversed(st.instructions)


def target_stage(df: Dockerfile, target: str | None = None) -> Stage | None:
    """The stage `--target` builds (the last stage without one); None when the file has no such stage."""
    if target:
        return df.stage_named(target)
    return df.final_stage


def shipped(df: Dockerfile, stage: Stage | None, target: str | None = None) -> bool:
    """Whether the stage's files end up in an image: the final (or target) stage, or a base of another stage.

    A stage only copied from (`COPY --from`) ships just what is copied, as hadolint's DL3009 reasons.
    An unknown `target` falls back to the final stage.
    """
    if stage is None:
        return True
    final = target_stage(df, target) or df.final_stage
    return stage is final or bool(children(df, stage))


def runs_in(stage: Stage, after: int = -1) -> Iterator[Instruction]:
    """RUN instructions of `stage` after instruction index `after`, then its ONBUILD RUN triggers
    (they run when a build uses this stage as its base, after everything in it)."""
    ins = stage.instructions
    # a stage's instructions are consecutive: start at `after` rather than scan from the FROM each time
    # (callers stop at the first RUN that matters; a scan per call made many RUNs quadratic, issue 16)
    k = min(max(0, after + 1 - stage.from_.index), len(ins))
    if k and ins[k - 1].index > after:
        k = 0
    for n in range(k, len(ins)):
        i = ins[n]
        if i.cmd == "RUN" and i.index > after:
            yield i
    yield from (i.sub for i in ins if i.cmd == "ONBUILD" and i.sub is not None and i.sub.cmd == "RUN")
