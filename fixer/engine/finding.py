"""Findings and fixes as data: rules describe edits, the pipeline applies them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Applicability(enum.Enum):
    """Whether applying a fix keeps the build's meaning (`safe`) or may change it (`unsafe`)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Edit:
    """Replace text[start:end] with `text`. Offsets index the whole file text (a str, BOM included)."""

    start: int
    end: int
    text: str

    @classmethod
    def insert(cls, at: int, text: str) -> Edit:
        return cls(at, at, text)

    @classmethod
    def delete(cls, start: int, end: int) -> Edit:
        return cls(start, end, "")


@dataclass(frozen=True)
class Fix:
    """All-or-nothing set of edits. Edits of one fix must not overlap each other."""

    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    @classmethod
    def safe(cls, *edits: Edit) -> Fix:
        return cls(tuple(sorted(edits)), Applicability.SAFE)

    @classmethod
    def unsafe(cls, *edits: Edit) -> Fix:
        return cls(tuple(sorted(edits)), Applicability.UNSAFE)

    def span(self) -> tuple[int, int]:
        return min(e.start for e in self.edits), max(e.end for e in self.edits)


@dataclass
class Finding:
    """One problem a rule found. `line`/`column` are 1-based; `fix` is None when it can only be reported."""

    code: str
    name: str
    message: str
    line: int
    column: int = 1
    fix: Fix | None = None
    # the instruction index the finding belongs to (for suppression pragmas); None = file level
    instruction: int | None = None
    hadolint: tuple[str, ...] = ()
    buildkit: tuple[str, ...] = ()
    pass_no: int = field(default=0, compare=False)  # the pipeline pass that found it (1 = the input text)
    fixed: bool = field(default=False, compare=False)
    # text offset in the pass that found it, so the pipeline can map the finding back to the user's file
    offset: int | None = field(default=None, compare=False)

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    @property
    def applicability(self) -> str | None:
        return self.fix.applicability.value if self.fix else None
