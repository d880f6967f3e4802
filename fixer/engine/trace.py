"""What the passes of one run did to the text: positions back to the user's file, and whose text is whose.

Each pass applies edits to the text the previous pass left. Keeping those edits lets the pipeline
- print every finding at a place of the file the user gave (a finding about text a fix inserted points
  at the insertion point), and
- hold the instructions one rule's fix added as final for the other rules: a later finding of another
  rule that sits in one, or whose fix edits it or moves something across it, is dropped. Otherwise the
  user-creation RUN DF005 inserts is merged by DF002 or becomes the RUN step DF004 moves a COPY past,
  and one change is reported twice. Text rewritten inside an instruction the user wrote is not final:
  the other rules still finish their work on it in this run, or a second run would.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from fixer.engine.finding import Edit, Finding
from fixer.model.memo import per_file
from fixer.syntax import Dockerfile


@dataclass(frozen=True)
class Inserted:
    """Text a rule's fix put there in this run, as offsets into the current text."""

    start: int
    end: int
    code: str


def back(offset: int, edits: Sequence[Edit]) -> int:
    """The offset in the text before `edits` (sorted, not overlapping) of `offset` in the text after them.

    An offset inside text an edit inserted maps to where the edit was made.
    """
    return _Back(edits)(offset)


class _Back:
    """`back` for many offsets over one pass's edits: a bisection each, not a scan of every edit (a
    file of 8,000 RUNs has thousands of findings and thousands of edits)."""

    def __init__(self, edits: Sequence[Edit]) -> None:
        self.edits = edits
        self.new_starts: list[int] = []  # where each edit's text starts in the text after the edits
        self.shifts: list[int] = []  # how far the edits before it moved the text
        shift = 0
        for e in edits:
            self.new_starts.append(e.start + shift)
            self.shifts.append(shift)
            shift += len(e.text) - (e.end - e.start)

    def __call__(self, offset: int) -> int:
        # the new starts ascend (the edits do not overlap): the last one at or before `offset` decides
        k = bisect.bisect_right(self.new_starts, offset) - 1
        if k < 0:
            return offset
        e = self.edits[k]
        if offset < self.new_starts[k] + len(e.text):
            return e.start
        return offset - self.shifts[k] - (len(e.text) - (e.end - e.start))


def forward(offset: int, edits: Sequence[Edit], right: bool) -> int:
    """Where `offset` of the text before `edits` lands after them; at an edit, its start or (`right`) its end."""
    shift = 0
    for e in edits:
        if offset < e.start or (offset == e.start and not right):
            break
        if offset < e.end or offset == e.start:
            return e.start + shift + (len(e.text) if right else 0)
        shift += len(e.text) - (e.end - e.start)
    return offset + shift


def offset_of(df: Dockerfile, f: Finding) -> int:
    if f.offset is not None:
        return f.offset
    if not df.lines:
        return 0
    ln = df.lines[min(max(f.line, 1), len(df.lines)) - 1]
    return min(ln.start + max(f.column, 1) - 1, ln.end)


def _new_text(e: Edit, deleted: Sequence[str]) -> list[tuple[int, int]]:
    """The parts of `e.text` that are new. Text the same fix deleted and puts back (a moved instruction,
    the later RUN of a merge) is the user's still; runs of 4 or more equal characters count as put back."""
    if not deleted:
        return [(0, len(e.text))] if e.text.strip() else []
    kept = [False] * len(e.text)
    for d in deleted:
        if len(d) * len(e.text) > 1_000_000:  # too big to compare cheaply: only a verbatim move counts
            at = e.text.find(d)
            blocks = [(at, len(d))] if at >= 0 else []
        else:
            matcher = difflib.SequenceMatcher(None, d, e.text, autojunk=False)
            blocks = [(m.b, m.size) for m in matcher.get_matching_blocks() if m.size >= 4]
        for at, size in blocks:
            kept[at : at + size] = [True] * size
    spans: list[tuple[int, int]] = []
    start = None
    for k, old in enumerate([*kept, True]):
        if not old and start is None:
            start = k
        elif old and start is not None:
            if e.text[start:k].strip():
                spans.append((start, k))
            start = None
    return spans


class Trace:
    def __init__(self) -> None:
        self.passes: list[list[Edit]] = []  # the edits of each pass, in that pass's input coordinates
        self.inserted: list[Inserted] = []  # in the current text's coordinates

    def applied(self, text: str, fixes: Sequence[Finding]) -> None:
        """Record the fixes one pass applied together to `text` (their edits do not overlap)."""
        owned = sorted(((e, f.code, f) for f in fixes if f.fix is not None for e in f.fix.edits), key=lambda t: (t[0].start, t[0].end))
        edits = [e for e, _, _ in owned]
        spans = [
            Inserted(forward(s.start, edits, right=False), forward(s.end, edits, right=True), s.code) for s in self.inserted
        ]
        shift = 0
        for e, code, f in owned:
            assert f.fix is not None
            deleted = [text[x.start : x.end] for x in f.fix.edits if x.end > x.start]
            start = e.start + shift
            for a, b in _new_text(e, deleted):
                spans.append(Inserted(start + a, start + b, code))
            shift += len(e.text) - (e.end - e.start)
        self.inserted = spans
        self.passes.append(edits)

    def keep_final(self, df: Dockerfile, findings: list[Finding]) -> list[Finding]:
        """The findings that leave other rules' inserted text alone."""
        if not self.inserted:
            return findings
        # only whole instructions a fix added are final (DF005's user RUN): text rewritten inside an
        # instruction the user wrote stays open to the other rules, or a second run would finish their work.
        # Found once per pass: thousands of merged RUNs leave thousands of spans, and a look per finding
        # made a file of 8,000 RUNs quadratic
        final = [s for s in self.inserted if _holds_instruction(df, s)]
        if not final:
            return findings
        return [f for f in findings if not self._rests_on_other(df, f, final)]

    def _rests_on_other(self, df: Dockerfile, f: Finding, final: Sequence[Inserted]) -> bool:
        others = [s for s in final if s.code != f.code]
        if not others:
            return False
        if _inside_inserted(df, offset_of(df, f), others):
            return True
        if f.fix is None:
            return False
        edits = f.fix.edits
        moves = _moves(df.text, edits)  # once per finding, not once per span: many spans made it quadratic
        for s in others:
            for e in edits:
                # a fix may carry another rule's text along intact (a moved instruction); it may not change it
                if e.start < s.end and s.start < e.end and not any(df.text[s.start : s.end] in x.text for x in edits):
                    return True  # edits it
                if e.start == e.end and s.start < e.start < s.end:
                    return True  # writes into it
            if any(_across(d, i, s) or _across(i, d, s) for d, i in moves):
                return True  # moves text across it
        return False

    def to_original(self, original: Dockerfile, current: Dockerfile, findings: list[Finding]) -> list[Finding]:
        """Move the positions of findings about `current` to the user's file (`original`), in place."""
        if not self.passes:
            return findings
        starts = [i.start for i in original.instructions]
        backs = [_Back(edits) for edits in reversed(self.passes)]
        for f in findings:
            at = offset_of(current, f)
            for step_back in backs:
                at = step_back(at)
            f.line, f.column = original.position(_on_instruction(original, starts, at))
        return findings


def _moves(text: str, edits: Sequence[Edit]) -> list[tuple[Edit, Edit]]:
    """(deletion, insertion) pairs of one fix that put the deleted text back elsewhere: a move."""
    return [
        (d, i)
        for d in edits
        if text[d.start : d.end].strip()
        for i in edits
        if i is not d and text[d.start : d.end] in i.text
    ]


def _across(a: Edit, b: Edit, s: Inserted) -> bool:
    return a.end <= s.start and b.start >= s.end


def _holds_instruction(df: Dockerfile, s: Inserted) -> bool:
    """Whether the span holds a whole instruction (its keyword line through its last line's text)."""
    starts = _starts(df)
    k = bisect.bisect_left(starts, s.start)
    return k < len(starts) and df.instructions[k].lines[-1].text_end <= s.end


def _inside_inserted(df: Dockerfile, at: int, spans: Sequence[Inserted]) -> bool:
    """Whether the instruction at `at` is text other rules inserted, as a whole (a finding about it is
    about dockfix's own text); an instruction of the user's that a fix only edited is still the user's."""
    k = bisect.bisect_right(_starts(df), at) - 1
    instr = df.instructions[k] if k >= 0 and at < df.instructions[k].end else None
    if instr is None:
        return any(s.start <= at < s.end for s in spans)
    covered = instr.start
    for s in sorted(spans, key=lambda s: s.start):
        if s.start <= covered < s.end:
            covered = s.end
    return covered >= instr.end - len(instr.lines[-1].eol)


@per_file
def _starts(df: Dockerfile) -> list[int]:
    return [i.start for i in df.instructions]


def _on_instruction(df: Dockerfile, starts: list[int], at: int) -> int:
    """`at`, or where the next instruction starts when `at` is outside every instruction: text inserted
    above a comment block or at the end of the file is about the instruction it goes before (or after)."""
    k = bisect.bisect_right(starts, at) - 1
    if k >= 0 and at < df.instructions[k].end:
        return at
    if k + 1 < len(starts):
        return starts[k + 1]
    return df.instructions[-1].start if starts else at
