"""COPY and ADD as BuildKit reads them: where each source comes from, the flags, and the destination
resolved against the stage's WORKDIR; plus the working directory itself, as far as the file fixes it.

The WORKDIR/ENV walk is `fixer.model.state`'s; this module adds what a base image says about the
starting directory (`/` for distribution images that set no WORKDIR) and reads paths the way BuildKit
does: quotes removed, variables expanded where the Dockerfile fixes them, unknown ones left unknown.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from fixer.data.base_families import split_reference
from fixer.model.base_image import base_reference
from fixer.model.context import BuildContext
from fixer.model.memo import per_file
from fixer.model.paths import join, normalize
from fixer.model.stages import chain, owner, stage_of
from fixer.model.state import state_after, state_before
from fixer.model.variables import expand
from fixer.model.words import args_span
from fixer.syntax import Dockerfile, Instruction, Stage
from fixer.syntax.buildkit import node_of

SourceKind = Literal["context", "stage", "image", "remote", "heredoc"]

# a URL ADD downloads, or a git repository it clones
REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@)", re.IGNORECASE)
# flags that change neither which files a copy selects nor where they land
PLAIN_FLAGS = ("chown", "chmod", "link")
# images whose working directory is `/`: scratch, and distribution images that set no WORKDIR
ROOT_WORKDIR = frozenset(
    {"scratch", "debian", "ubuntu", "alpine", "busybox", "centos", "fedora", "rockylinux", "almalinux",
     "amazonlinux", "oraclelinux"}
)  # fmt: skip


@dataclass(frozen=True)
class Source:
    text: str  # as BuildKit passes it on: a JSON string, or a word as written (quotes kept)
    kind: SourceKind


@dataclass(frozen=True)
class Copy:
    """One COPY or ADD instruction's arguments."""

    instr: Instruction
    sources: tuple[Source, ...]
    dest: str  # as BuildKit passes it on
    json: bool  # exec (JSON array) form
    # file offset just past the destination's last character (inside the closing quote for JSON form);
    # None when a line continuation or an escape makes it inexact
    dest_end: int | None
    from_: str | None  # the `--from` value as written
    from_stage: Stage | None  # the earlier stage `--from` names

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.sources]

    @property
    def from_context(self) -> bool:
        """Every source is read from the build context (no `--from`, URL or here-document)."""
        return all(s.kind == "context" for s in self.sources)

    @property
    def copies_everything(self) -> bool:
        """`COPY . <dst>`: the whole build context."""
        return self.from_context and len(self.sources) == 1 and posixpath.normpath(self.sources[0].text) == "."

    @property
    def dest_is_dir(self) -> bool:
        """BuildKit copies into the destination as a folder (several sources, or a trailing `/`, `.`)."""
        d = self.dest
        return d.endswith("/") or d in (".", "..") or d.endswith("/.") or len(self.sources) > 1

    def flag(self, name: str) -> str | None:
        """The last value of `--name` (`""` for a bare flag), None when absent."""
        found = self.instr.flag(name)
        return (found[-1].value or "") if found else None

    @property
    def chown(self) -> str | None:
        return self.flag("chown")

    @property
    def chmod(self) -> str | None:
        return self.flag("chmod")

    @property
    def link(self) -> bool:
        return self.flag("link") not in (None, "false")

    @property
    def parents(self) -> bool:
        return self.flag("parents") not in (None, "false")

    @property
    def excludes(self) -> tuple[str, ...]:
        return tuple(f.value for f in self.instr.flag("exclude") if f.value is not None)


def _dest_end(instr: Instruction, dest: str, json: bool) -> int | None:
    args = instr.args.rstrip()
    if json:
        close = args.rfind("]")
        quote = args.rfind('"', 0, close)
        if close > 0 and quote > 0 and args[quote - 1] != "\\" and args[:quote].endswith(dest):
            sp = args_span(instr, quote, quote + 1)
            return sp[0] if sp else None
        return None
    if args.endswith(dest):
        sp = args_span(instr, len(args) - len(dest), len(args))
        return sp[1] if sp else None
    return None


@per_file
def read_copy(df: Dockerfile, instr: Instruction) -> Copy | None:
    """The COPY/ADD `instr` read; None for other instructions and for arguments BuildKit rejects."""
    if instr.cmd not in ("COPY", "ADD"):
        return None
    try:
        node = node_of(instr, df.escape)
    except Exception:  # noqa: BLE001 - BuildKit would reject it; not ours to judge
        return None
    words = node.words()
    if len(words) < 2:
        return None
    dest = words[-1]
    from_ = instr.flag("from")[-1].value if instr.flag("from") else None
    stage = stage_of(df, instr)
    from_stage = None
    if from_ is not None:
        from_stage = df.stage_named(from_, before=stage.index if stage is not None else 0)
    sources = []
    for w in words[:-1]:
        kind: SourceKind
        if instr.heredocs and w.startswith("<<"):
            kind = "heredoc"
        elif from_ is not None:
            kind = "stage" if from_stage is not None else "image"
        elif REMOTE.match(w):
            kind = "remote"
        else:
            kind = "context"
        sources.append(Source(w, kind))
    return Copy(instr, tuple(sources), dest, node.json, _dest_end(instr, dest, node.json), from_, from_stage)


@per_file
def copies(df: Dockerfile) -> tuple[Copy, ...]:
    """Every COPY and ADD of the file that BuildKit accepts (ONBUILD triggers excluded: they copy from
    the context of the build that uses the image)."""
    return tuple(c for c in (read_copy(df, i) for i in df.instructions) if c is not None)


def context_sources(df: Dockerfile) -> list[str]:
    """The build-context paths the file's COPY/ADD read, quotes removed and cleaned (`.` for the root)."""
    out: list[str] = []
    for c in copies(df):
        for src in c.sources:
            if src.kind != "context":
                continue
            cleaned = posixpath.normpath(src.text.strip("\"'")).lstrip("/")
            out.append("." if cleaned in ("", ".") else cleaned)
    return out


# --- the working directory ---------------------------------------------------------------------


def starts_at_root(df: Dockerfile, stage: Stage | None) -> bool:
    """The stage's FROM chain starts from an image whose working directory is `/`."""
    if stage is None:
        return False
    ref = base_reference(df, stage)
    return ref is not None and "$" not in ref and split_reference(ref).repository in ROOT_WORKDIR


def _expanded(df: Dockerfile, instr: Instruction, text: str) -> str | None:
    return expand(text, state_before(df, instr).env, df.escape)


@per_file
def workdir_at(df: Dockerfile, instr: Instruction) -> str | None:
    """The working directory `instr` runs in: fixed by the stage's WORKDIRs (variables expanded where
    the file fixes them), or by a chain that starts from an image whose working directory is `/`;
    None when the base image decides or a value is unknown."""
    known = state_before(df, instr).workdir
    if known is not None:
        return known
    if not starts_at_root(df, stage_of(df, instr)):
        return None
    # the walk does not know the image starts at `/`: replay the lineage's WORKDIRs from there (none
    # of them is absolute and known, or the walk would know the answer)
    cwd = "/"
    for w in _workdirs_before(df, instr):
        value = _expanded(df, w, w.args)
        if not value:
            return None
        cwd = join(cwd, value)
    return cwd


@per_file
def _stage_workdirs(df: Dockerfile, stage: Stage) -> tuple[Instruction, ...]:
    return tuple(i for i in stage.instructions if i.cmd == "WORKDIR")


def _workdirs_before(df: Dockerfile, instr: Instruction) -> list[Instruction]:
    """The WORKDIRs of `lineage_before(df, instr)`, oldest first, from each stage's list: walking the
    lineage for every instruction made a file of many instructions quadratic (issue 16)."""
    stages = chain(df, stage_of(df, instr))
    if not stages:
        return []
    out = [w for st in reversed(stages[1:]) for w in _stage_workdirs(df, st)]
    own = owner(df, instr)
    out.extend(w for w in _stage_workdirs(df, stages[0]) if w.index < own.index)
    return out


def workdir_value(df: Dockerfile, instr: Instruction) -> str | None:
    """A WORKDIR's path as BuildKit reads it (quotes removed, variables expanded); None when unknown."""
    return _expanded(df, instr, instr.args) or None


def workdir_after(df: Dockerfile, instr: Instruction) -> str | None:
    """The working directory right after the WORKDIR `instr`, None when unknown."""
    known = state_after(df, instr).workdir
    if known is not None:
        return known
    value = workdir_value(df, instr)
    if value is None:
        return None
    if value.startswith("/"):
        return normalize(value)
    cwd = workdir_at(df, instr)
    return join(cwd, value) if cwd else None


def resolve(path: str, cwd: str | None) -> str | None:
    """An expanded path resolved against the working directory `cwd` (None: unknown)."""
    if path.startswith("/"):
        return normalize(path)
    return join(cwd, path) if cwd else None


def destination(df: Dockerfile, instr: Instruction) -> str | None:
    """Where a COPY/ADD writes, absolute and cleaned; None when a variable or the working directory
    is unknown."""
    c = read_copy(df, instr)
    if c is None:
        return None
    value = _expanded(df, instr, c.dest)
    if not value:
        return None
    return resolve(value, workdir_at(df, instr))


# --- the image paths a copy touches (what DF004 moves a copy past) -----------------------------

_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
PASSWD = ("/etc/passwd", "/etc/group")
# folders every image that can RUN a shell has (a stage without them cannot run our RUNs anyway)
ALWAYS_THERE = frozenset(
    """/bin /dev /etc /home /lib /mnt /opt /proc /root /run /sbin /srv /sys /tmp /usr /usr/bin /usr/lib
    /usr/local /usr/local/bin /usr/local/lib /usr/local/sbin /usr/local/share /usr/sbin /usr/share /var
    /var/cache /var/lib /var/log""".split()
)


class Walked(Protocol):
    """The part of a stage walk a copy's footprint needs (a `fixer.model.state.State`)."""

    @property
    def workdir(self) -> str | None: ...

    @property
    def env(self) -> Mapping[str, str | None]: ...


@dataclass
class CopyStep:
    """A COPY/ADD as a build step: where it writes, what it creates and reads in the image."""

    copy: Copy
    sources: list[str]  # as written (none for a here-document copy)
    dst_text: str  # as written
    dst: str | None  # absolute, expanded; None when it cannot be proven
    from_context: bool  # copies from the build context (no --from, no URL, no here-document)
    writes: list[str] = field(default_factory=list)  # subtrees it writes
    # folders above the destination it creates when missing (a later step may need them to exist)
    creates: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)  # image files it reads (/etc/passwd for --chown=name)
    refs: set[str] = field(default_factory=set)  # variables it expands

    @property
    def instr(self) -> Instruction:
        return self.copy.instr

    @property
    def dst_is_dir(self) -> bool:
        d = self.dst_text
        return d.endswith("/") or d in (".", "..") or d.endswith("/.") or len(self.sources) > 1

    @property
    def copies_everything(self) -> bool:
        return self.from_context and len(self.sources) == 1 and posixpath.normpath(self.sources[0]) == "."


def _owner_is_named(chown: str) -> bool:
    return any(part and not part.isdigit() for part in chown.split(":"))


def copy_step(df: Dockerfile, instr: Instruction, state: Walked, context: BuildContext | None = None) -> CopyStep | None:
    """The COPY/ADD `instr` as a step in the stage state `state` (the walk's state before it)."""
    c = read_copy(df, instr)
    if c is None:
        return None
    refs = set(_VAR.findall(instr.logical[len(instr.keyword) :]))
    if instr.heredocs:
        return CopyStep(c, [], c.dest, _dst(df, c.dest, state), False, refs=refs)
    sources = c.texts
    from_context = c.from_ is None and not any(s.kind == "remote" for s in c.sources)
    step = CopyStep(c, sources, c.dest, _dst(df, c.dest, state), from_context, refs=refs)
    for flag in instr.flag("chown"):
        if flag.value is None or "$" in flag.value or _owner_is_named(flag.value):
            step.reads = list(PASSWD)
    if step.dst is not None:
        step.writes = _writes(step, context)
        step.creates = _created_parents(step.dst)
    return step


def _dst(df: Dockerfile, text: str, state: Walked) -> str | None:
    value = expand(text, state.env, df.escape)
    if not value:
        return None
    return resolve(value, state.workdir)


def _created_parents(dst: str) -> list[str]:
    """The topmost folder above `dst` that an image with a shell need not have (COPY would create it)."""
    parts = [p for p in dst.split("/") if p][:-1]
    for i in range(1, len(parts) + 1):
        folder = "/" + "/".join(parts[:i])
        if folder not in ALWAYS_THERE:
            return [folder]
    return []


def _writes(step: CopyStep, context: BuildContext | None) -> list[str]:
    """What the copy writes: the destination subtree, or just the named files when that is provable."""
    assert step.dst is not None
    if (
        context is None
        or not step.from_context
        or not step.dst_is_dir
        or any(f.name not in PLAIN_FLAGS for f in step.instr.flags)  # --parents keeps folders
        or any(c in s for s in step.sources for c in "*?[$\\\"'")
        or not all(context.is_file(s) for s in step.sources)
    ):
        return [step.dst]
    return [normalize(f"{step.dst}/{posixpath.basename(s)}") for s in step.sources]
