"""COPY and ADD read as steps: what they copy from, where to, and which image paths they touch."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from fixer.deps.context import BuildContext
from fixer.deps.paths import join, normalize
from fixer.model.state import State
from fixer.model.variables import expand
from fixer.syntax import Instruction
from fixer.syntax.buildkit import node_of

_URL = re.compile(r"^([a-z][a-z0-9+.-]*://|git@)", re.IGNORECASE)
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
PASSWD = ("/etc/passwd", "/etc/group")
# folders every image that can RUN a shell has (a stage without them cannot run our RUNs anyway)
ALWAYS_THERE = frozenset(
    """/bin /dev /etc /home /lib /mnt /opt /proc /root /run /sbin /srv /sys /tmp /usr /usr/bin /usr/lib
    /usr/local /usr/local/bin /usr/local/lib /usr/local/sbin /usr/local/share /usr/sbin /usr/share /var
    /var/cache /var/lib /var/log""".split()
)
# flags the manifest COPY carries over from the original
CARRIED_FLAGS = ("chown", "chmod", "link")


@dataclass
class CopyStep:
    instr: Instruction
    sources: list[str]  # as written
    dst_text: str  # as written
    dst: str | None  # absolute, expanded; None when it cannot be proven
    from_context: bool  # copies from the build context (no --from, no URL, no here-document)
    writes: list[str] = field(default_factory=list)  # subtrees it writes
    # folders above the destination it creates when missing (a later step may need them to exist)
    creates: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)  # image files it reads (/etc/passwd for --chown=name)
    refs: set[str] = field(default_factory=set)  # variables it expands

    @property
    def dst_is_dir(self) -> bool:
        d = self.dst_text
        return d.endswith("/") or d in (".", "..") or d.endswith("/.") or len(self.sources) > 1

    @property
    def copies_everything(self) -> bool:
        """`COPY . <dst>`: the whole build context."""
        return self.from_context and len(self.sources) == 1 and posixpath.normpath(self.sources[0]) == "."


def _owner_is_named(chown: str) -> bool:
    return any(part and not part.isdigit() for part in chown.split(":"))


def read_copy(instr: Instruction, state: State, escape: str, context: BuildContext | None = None) -> CopyStep | None:
    """The COPY/ADD `instr` as a step, None when its arguments cannot be read."""
    try:
        node = node_of(instr, escape)
    except Exception:  # noqa: BLE001 - BuildKit would reject it; not ours to judge
        return None
    words = node.words()
    if instr.heredocs:
        words = [w for w in words if not w.startswith("<<")]
        if len(words) < 1:
            return None
        return CopyStep(instr, [], words[-1], _dst(words[-1], state, escape), False, refs=_refs(instr))
    if len(words) < 2:
        return None
    sources, dst_text = words[:-1], words[-1]
    from_context = not instr.flag("from") and not any(_URL.match(s) for s in sources)
    step = CopyStep(instr, sources, dst_text, _dst(dst_text, state, escape), from_context, refs=_refs(instr))
    for flag in instr.flag("chown"):
        if flag.value is None or "$" in flag.value or _owner_is_named(flag.value):
            step.reads = list(PASSWD)
    if step.dst is not None:
        step.writes = _writes(step, context)
        step.creates = _created_parents(step.dst)
    return step


def _created_parents(dst: str) -> list[str]:
    """The topmost folder above `dst` that an image with a shell need not have (COPY would create it)."""
    parts = [p for p in dst.split("/") if p][:-1]
    for i in range(1, len(parts) + 1):
        folder = "/" + "/".join(parts[:i])
        if folder not in ALWAYS_THERE:
            return [folder]
    return []


def _refs(instr: Instruction) -> set[str]:
    return set(_VAR.findall(instr.logical[len(instr.keyword) :]))


def _dst(text: str, state: State, escape: str) -> str | None:
    value = expand(text, state.env, escape)
    if value is None or not value:
        return None
    if value.startswith("/"):
        return normalize(value)
    return join(state.workdir, value) if state.workdir else None


def _writes(step: CopyStep, context: BuildContext | None) -> list[str]:
    """What the copy writes: the destination subtree, or just the named files when that is provable."""
    assert step.dst is not None
    if (
        context is None
        or not step.from_context
        or not step.dst_is_dir
        or any(f.name not in CARRIED_FLAGS for f in step.instr.flags)  # --parents keeps folders
        or any(c in s for s in step.sources for c in "*?[$\\\"'")
        or not all(context.is_file(s) for s in step.sources)
    ):
        return [step.dst]
    return [normalize(f"{step.dst}/{posixpath.basename(s)}") for s in step.sources]
