"""The mounts of a RUN: which paths a cache or tmpfs mount keeps out of the image.

Stage questions (what ships, what runs later, variables in force) are in `fixer.model`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fixer.model.paths import normalize, within
from fixer.syntax import Instruction


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
        out.append(Mount(opts.get("type", "bind").lower(), normalize(target) if target else ""))
    return out


def cache_mounted(instr: Instruction, path: str) -> bool:
    """A cache or tmpfs mount covers `path` (is on it or on a directory above it)."""
    p = normalize(path)
    for m in mounts(instr):
        if m.type in ("cache", "tmpfs") and m.target and within(p, m.target):
            return True
    return False


def mounted_matching(instr: Instruction, pattern: re.Pattern[str]) -> bool:
    """A cache or tmpfs mount's target matches `pattern` (for a directory in any user's home)."""
    return any(m.type in ("cache", "tmpfs") and pattern.search(m.target) for m in mounts(instr))
