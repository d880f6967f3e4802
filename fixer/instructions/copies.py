"""COPY and ADD arguments as BuildKit reads them: sources, destination, and where the destination is written."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from fixer.instructions.edits import args_span
from fixer.syntax import Dockerfile, Instruction, ParseError
from fixer.syntax.buildkit import node_of


@dataclass(frozen=True)
class CopyArgs:
    sources: list[str]  # as BuildKit passes them on: JSON strings, or whitespace-separated words as written
    dest: str
    json: bool
    # file offset just past the destination's last character (inside the closing quote for JSON form);
    # None when it cannot be located exactly
    dest_end: int | None


def copy_args(df: Dockerfile, instr: Instruction) -> CopyArgs | None:
    if instr.cmd not in ("COPY", "ADD"):
        return None
    try:
        node = node_of(instr, df.escape)
    except ParseError:
        return None
    words = node.words()
    if len(words) < 2:
        return None
    dest = words[-1]
    args = instr.args.rstrip()
    end: int | None = None
    if node.json:
        close = args.rfind("]")
        quote = args.rfind('"', 0, close)
        if close > 0 and quote > 0 and args[quote - 1] != "\\" and args[:quote].endswith(dest):
            sp = args_span(instr, quote, quote + 1)
            end = sp[0] if sp else None
    elif args.endswith(dest):
        sp = args_span(instr, len(args) - len(dest), len(args))
        end = sp[1] if sp else None
    return CopyArgs(words[:-1], dest, node.json, end)


# images whose working directory is `/`: scratch, and distribution images that set no WORKDIR
ROOT_WORKDIR = frozenset(
    {"scratch", "debian", "ubuntu", "alpine", "busybox", "centos", "fedora", "rockylinux", "almalinux",
     "amazonlinux", "oraclelinux"}
)  # fmt: skip


def _starts_at_root(base: str) -> bool:
    from fixer.data.base_families import split_reference

    return "$" not in base and split_reference(base).repository in ROOT_WORKDIR


def workdir_at(instr: Instruction) -> str | None:
    """The working directory an instruction runs in, when the stage's WORKDIRs fix it (no variables) or
    the chain starts from an image whose working directory is `/`; None when the base image decides."""
    from fixer.instructions.stages import chain, lineage_before

    parts: list[str] = []
    for i in lineage_before(instr):
        if i.cmd != "WORKDIR":
            continue
        path = i.args.strip()
        if "$" in path or "\\" in path or not path or any(q in path for q in "\"'"):
            return None
        parts.append(path)
        if path.startswith("/"):
            break
    if not (parts and parts[-1].startswith("/")):
        stages = chain(instr.stage)
        if not stages or not _starts_at_root(stages[-1].base):
            return None
    cwd = "/"
    for p in reversed(parts):
        cwd = posixpath.join(cwd, p)
    return clean(cwd)


def workdir_after(instr: Instruction) -> str | None:
    """The working directory right after a WORKDIR instruction, None when unknown."""
    path = instr.args.strip()
    if "$" in path or "\\" in path or not path or any(q in path for q in "\"'"):
        return None
    if path.startswith("/"):
        return clean(path)
    cwd = workdir_at(instr)
    return clean(posixpath.join(cwd, path)) if cwd else None


def clean(path: str) -> str:
    """Go's path.Clean for absolute paths (posixpath.normpath keeps a leading `//`)."""
    out = posixpath.normpath(path)
    return "/" + out.lstrip("/") if out.startswith("/") else out
