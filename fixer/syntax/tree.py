"""The lossless Dockerfile tree.

The tree is a partition of the file text into nodes: trivia lines (blank lines, detached comments,
parser directives) and instructions (with the comment lines directly above them). Concatenating the
nodes gives back the file byte for byte. Every node also knows its span in the text, so rules
describe changes as text edits (see `fixer.engine.finding.Edit`) and never rewrite the tree.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fixer.syntax.buildkit import Node


@dataclass(eq=False)
class Line:
    """One physical line: `text` without its line ending, `eol` is "\\n", "\\r\\n" or "" (last line)."""

    number: int  # 1-based
    start: int  # offset in the file text
    text: str
    eol: str

    @property
    def end(self) -> int:
        """Offset just past the line ending."""
        return self.start + len(self.text) + len(self.eol)

    @property
    def text_end(self) -> int:
        """Offset of the line ending (just past the visible text)."""
        return self.start + len(self.text)

    def __str__(self) -> str:
        return self.text + self.eol


@dataclass(eq=False)
class Flag:
    """A `--name=value` builder flag. `value` is unquoted as BuildKit reads it."""

    name: str
    value: str | None
    raw: str  # as written, e.g. `--mount=type=cache,target=/root/.cache`
    start: int  # file offsets of `raw` (raw never spans a line continuation in practice)
    end: int


@dataclass(eq=False)
class Heredoc:
    name: str  # the delimiter, unquoted
    chomp: bool  # `<<-`: leading tabs stripped from body lines and terminator
    expand: bool  # unquoted delimiter: variables expand in the body
    fd: int
    content: str  # body as BuildKit reads it: the raw lines with their line endings
    body_start: int  # offset of the first body line
    body_end: int  # offset of the terminator line (= end of the body)
    terminator: Line


@dataclass(eq=False)
class Instruction:
    index: int  # position among the file's instructions
    keyword: str  # as written ("RUN", "run")
    comments: list[Line]  # comment lines directly above, no blank line between; owned by this instruction
    lines: list[Line]  # physical lines: first, continuations (incl. inner comments/blank), heredoc bodies
    logical: str  # the instruction as BuildKit joins it: continuations removed, inner comment lines dropped
    # runs of `logical` that are contiguous in the file: (logical index, file offset), ascending
    segments: list[tuple[int, int]]
    flags: list[Flag]
    args: str  # `logical` after keyword and flags, stripped; what BuildKit hands to the instruction
    args_start: int  # index in `logical` where `args` starts
    json: bool  # exec (JSON array) form
    heredocs: list[Heredoc]
    stage: Stage | None = None  # None for instructions before the first FROM (global ARGs)
    sub: Instruction | None = None  # ONBUILD's trigger instruction (spans index into the same file)
    # BuildKit's node of `logical`, which the parser builds to read the arguments as BuildKit does
    node: Node | None = field(default=None, repr=False)

    @functools.cached_property  # asked hundreds of thousands of times in a corpus run
    def cmd(self) -> str:
        """Upper-case keyword: RUN, COPY, FROM …"""
        return self.keyword.upper()

    @property
    def start(self) -> int:
        """Offset of the keyword line (the comments above are not included)."""
        return self.lines[0].start

    @property
    def full_start(self) -> int:
        """Offset of the first owned comment line, or of the keyword line."""
        return self.comments[0].start if self.comments else self.start

    @property
    def end(self) -> int:
        """Offset just past the last line (its line ending included)."""
        return self.lines[-1].end

    @property
    def start_line(self) -> int:
        return self.lines[0].number

    @property
    def end_line(self) -> int:
        return self.lines[-1].number

    @property
    def args_offset(self) -> int:
        """File offset where `args` starts (end of the line when args are empty)."""
        return self.file_offset(self.args_start)

    def file_offset(self, logical_index: int) -> int:
        """File offset of a character of `logical`; len(logical) maps to just after the last char."""
        if not self.segments:
            return self.lines[0].text_end
        if logical_index >= len(self.logical):
            return self.file_offset(len(self.logical) - 1) + 1 if self.logical else self.lines[0].text_end
        i = bisect.bisect_right(self.segments, (logical_index, 1 << 62)) - 1
        lstart, fstart = self.segments[max(i, 0)]
        return fstart + (logical_index - lstart)

    def flag(self, name: str) -> list[Flag]:
        return [f for f in self.flags if f.name == name]

    @property
    def shell_form(self) -> bool:
        return not self.json

    def text(self, df: Dockerfile) -> str:
        return df.text[self.full_start : self.end]

    def __str__(self) -> str:
        return "".join(str(ln) for ln in self.comments) + "".join(str(ln) for ln in self.lines)

    @property
    def heredocs_text(self) -> tuple[tuple[str, str], ...]:
        return tuple((h.name, h.content) for h in self.heredocs)


@dataclass(eq=False)
class Stage:
    index: int
    from_: Instruction
    base: str  # the image or stage the FROM names, as written (may contain variables)
    name: str | None  # `AS name`, as written
    instructions: list[Instruction] = field(default_factory=list)  # FROM first
    parent: Stage | None = None  # the earlier stage named by `base`, if any

    @property
    def key(self) -> str:
        """What later FROM/COPY --from use to name this stage (case-insensitive)."""
        return (self.name or str(self.index)).lower()


@dataclass(eq=False)
class Trivia:
    """Lines that belong to no instruction: blank lines, detached comments, parser directives."""

    lines: list[Line]

    def __str__(self) -> str:
        return "".join(str(ln) for ln in self.lines)


@dataclass(eq=False)
class Dockerfile:
    text: str
    lines: list[Line]
    bom: bool
    escape: str  # "\\" or "`"
    directives: dict[str, str]  # syntax / escape / check, as BuildKit reads them
    nodes: list[Trivia | Instruction]
    instructions: list[Instruction]
    stages: list[Stage]
    newline: str  # the file's line ending style, used for inserted lines

    def __str__(self) -> str:
        # rebuild from the nodes, not from `text`: the round-trip tests prove the partition is complete
        return ("\ufeff" if self.bom else "") + "".join(str(node) for node in self.nodes)

    def line_at(self, offset: int) -> Line:
        i = bisect.bisect_right(self._line_starts, offset) - 1
        return self.lines[max(i, 0)]

    @functools.cached_property
    def _line_starts(self) -> list[int]:
        return [ln.start for ln in self.lines]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a text offset."""
        if not self.lines:
            return 1, 1
        ln = self.line_at(offset)
        return ln.number, offset - ln.start + 1

    def stage_named(self, key: str, before: int | None = None) -> Stage | None:
        """The stage a FROM / --from reference names (name or index), looking only at earlier stages."""
        k = key.lower()
        for st in self.stages[:before]:
            if st.key == k or str(st.index) == k:
                return st
        return None

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None
