"""Questions across instructions: mounts of a RUN, variables in effect, what runs later, what ships."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from fixer.packages.script import stage_chain, stage_of
from fixer.syntax import Dockerfile, Instruction, Stage


@dataclass(frozen=True)
class Mount:
    type: str
    target: str


def mounts(instr: Instruction) -> list[Mount]:
    """`RUN --mount=type=…,target=…` mounts (type defaults to bind, as in BuildKit)."""
    out: list[Mount] = []
    for flag in instr.flag("mount"):
        opts: dict[str, str] = {}
        for part in (flag.value or "").split(","):
            key, _, value = part.partition("=")
            opts[key.strip().lower()] = value.strip().strip("\"'")
        target = opts.get("target") or opts.get("dst") or opts.get("destination") or ""
        out.append(Mount(opts.get("type", "bind").lower(), _norm(target)))
    return out


def _norm(path: str) -> str:
    return posixpath.normpath(path) if path else ""


def cache_mounted(instr: Instruction, path: str) -> bool:
    """A cache or tmpfs mount covers `path` (is on it or on a directory above it)."""
    p = _norm(path)
    for m in mounts(instr):
        if m.type in ("cache", "tmpfs") and m.target and (p == m.target or p.startswith(m.target.rstrip("/") + "/")):
            return True
    return False


def mounted_matching(instr: Instruction, pattern: re.Pattern[str]) -> bool:
    """A cache or tmpfs mount's target matches `pattern` (for a directory in any user's home)."""
    return any(m.type in ("cache", "tmpfs") and pattern.search(m.target) for m in mounts(instr))


def shipped(df: Dockerfile, stage: Stage | None, target: str | None = None) -> bool:
    """Whether the stage's files end up in an image: the final (or target) stage, or a base of another stage.

    A stage only copied from (`COPY --from`) ships just what is copied, as hadolint's DL3009 reasons.
    """
    if stage is None:
        return True
    final = df.stage_named(target) if target else df.final_stage
    if final is None:
        final = df.final_stage
    if stage is final:
        return True
    return any(s.parent is stage for s in df.stages)


def variable(df: Dockerfile, instr: Instruction, name: str) -> str | None:
    """The value an ENV or ARG (with a default) gives `name` for `instr`, as written; None when unset."""
    from fixer.syntax.buildkit import node_of

    own = stage_of(df, instr)
    for st in stage_chain(own):
        before = [i for i in st.instructions if i.index < instr.index] if st is own else st.instructions
        for i in reversed(before):
            if i.cmd == "ENV":
                for key, value in reversed(node_of(i, df.escape).items()):
                    if key == name:
                        return value.strip("\"'")
            elif i.cmd == "ARG":
                for word in node_of(i, df.escape).words():
                    key, eq, value = word.partition("=")
                    if key == name and eq:
                        return value.strip("\"'")
    return None


def runs_in(stage: Stage, after: int = -1) -> Iterator[Instruction]:
    """RUN instructions of `stage` after instruction index `after`, then its ONBUILD RUN triggers
    (they run when a build uses this stage as its base, after everything in it)."""
    triggers: list[Instruction] = []
    for i in stage.instructions:
        if i.cmd == "ONBUILD" and i.sub is not None and i.sub.cmd == "RUN":
            triggers.append(i.sub)
        elif i.cmd == "RUN" and i.index > after:
            yield i
    yield from triggers


def children(df: Dockerfile, stage: Stage) -> list[Stage]:
    return [s for s in df.stages if s.parent is stage]
