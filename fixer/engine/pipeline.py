"""The fix pipeline: run the rules, apply non-overlapping fixes, re-parse, repeat to a fixed point."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fixer.engine.finding import Applicability, Edit, Finding, Fix
from fixer.engine.rules import FileContext, Rule, all_rules
from fixer.engine.suppression import suppress, unused
from fixer.engine.trace import Trace
from fixer.syntax import Dockerfile, Instruction, ParseError, parse

MAX_PASSES = 16
# Text a fix inserted is final for the other rules (issue 14 §3). On since DF002 merges only what DL3059
# flags (it never merged DF005's two-command user RUN again): 0 of 653 corpus and repo files change on a
# second run, with it on or off (/tmp/engine/measure.py).
FINAL_INSERTS = True


class FixedPointError(RuntimeError):
    """The fixes did not settle: a rule keeps changing its own output. Always a dockfix bug."""


@dataclass
class Result:
    source: str
    output: str
    findings: list[Finding]  # fixed ones (fixed=True) then those left, ordered by position
    passes: int = 0
    dropped: list[Finding] = field(default_factory=list)  # fixes whose output did not parse
    # what the rules found in `source` itself, before pragmas: --show-unused-pragmas reads it
    found_first: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.output != self.source

    @property
    def remaining(self) -> list[Finding]:
        return [f for f in self.findings if not f.fixed]


def _raw(df: Dockerfile, rules: Sequence[Rule], ctx: FileContext) -> list[Finding]:
    return [f for r in rules for f in r.check(df, ctx.for_rule(r))]


def unused_pragmas(result: Result) -> list[tuple[int, str]]:
    """`# dockfix:` pragmas of the user's text that suppress nothing the rules found there (for
    --show-unused-pragmas): read from the first pass's findings, so no rule runs again."""
    df = parse(result.source)
    return [(line, t) for line, t in unused(df, result.found_first, all_rules()) if "dockfix" in t.lower()]


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[pos : e.start])
        out.append(e.text)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    # closed intervals: two inserts at one offset conflict too, since their order would be arbitrary
    return a[0] <= b[1] and b[0] <= a[1]


def _signature(f: Finding) -> tuple[str, tuple[Edit, ...]]:
    assert f.fix is not None
    return f.code, f.fix.edits


Allow = Callable[[Finding], bool]


def safe_only(f: Finding) -> bool:
    return f.fix is not None and f.fix.applicability is Applicability.SAFE


def fix_text(
    text: str,
    rules: Sequence[Rule],
    ctx: FileContext | None = None,
    allow: Allow = safe_only,
    max_passes: int = MAX_PASSES,
    final_inserts: bool | None = None,
) -> Result:
    """Fix `text` to a fixed point. Raises ParseError when the input itself does not parse.

    Every finding's position is the user's (mapped back through the edits of earlier passes), and
    text one rule's fix inserted is final for the other rules: their findings resting on it are dropped.
    """
    ctx = ctx or FileContext()
    df = parse(text)
    original = df
    trace = Trace()
    fixed: list[Finding] = []
    dropped: list[Finding] = []
    bad: set[tuple[str, tuple[Edit, ...]]] = set()
    seen = {text}
    found_first: list[Finding] = []
    for passes in range(1, max_passes + 1):
        raw = _raw(df, rules, ctx)
        if passes == 1:
            found_first = list(raw)
        findings = suppress(df, raw)
        if FINAL_INSERTS if final_inserts is None else final_inserts:
            findings = trace.keep_final(df, findings)
        for f in findings:
            f.pass_no = passes
        candidates = [f for f in findings if f.fix is not None and allow(f) and _signature(f) not in bad]
        chosen: list[Finding] = []
        # the chosen spans never overlap, so sorted by start their ends ascend too: the one starting last
        # at or before a span's end is the only one that can overlap it (a scan of all made passes quadratic)
        starts: list[int] = []
        ends: list[int] = []
        for f in candidates:
            assert f.fix is not None
            span = f.fix.span()
            k = bisect.bisect_right(starts, span[1])
            if k and _overlaps(span, (starts[k - 1], ends[k - 1])):
                continue
            chosen.append(f)
            starts.insert(k, span[0])
            ends.insert(k, span[1])
        if not chosen:
            everything = [*fixed, *trace.to_original(original, df, findings)]
            return Result(text, df.text, _once(sorted(everything, key=_order)), passes, dropped, found_first)
        broke = len(dropped)
        new_df, applied = _apply(df, chosen, bad, dropped)
        trace.to_original(original, df, dropped[broke:])
        if new_df is None:
            continue  # every chosen fix broke the file; they are now excluded, look again
        for f in trace.to_original(original, df, applied):
            f.fixed = True
            fixed.append(f)
        trace.applied(df.text, applied)
        if new_df.text in seen:
            raise FixedPointError(f"fixes cycle back to an earlier text after {passes} passes")
        seen.add(new_df.text)
        df = new_df
    raise FixedPointError(f"fixes did not settle in {max_passes} passes")


def _edits(fs: list[Finding]) -> list[Edit]:
    return [e for f in fs for e in (f.fix or Fix(())).edits]


class _Rejected(Exception):
    pass


def _touches(e: Edit, instr: Instruction) -> bool:
    if e.start < instr.end and e.end > instr.start:
        return True
    if e.start == e.end and instr.start < e.start < instr.end:
        return True
    # text added right after a last line that has no line ending continues that line, unless the
    # text starts a line of its own (then any change to the instruction is an accident)
    return e.start == instr.end and instr.lines[-1].eol == "" and not e.text.startswith(("\n", "\r\n"))


def _checked(df: Dockerfile, edits: list[Edit]) -> Dockerfile:
    """Parse the edited text; reject it when an instruction no edit touched reads differently now.

    That is how a fix that looks local can change another instruction: text appended after a line
    continuation at the end of the file joins the instruction above it.
    """
    new = parse(apply_edits(df.text, edits))
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    # the edits do not overlap, so their ends ascend with their starts: bisect for the few near each instruction
    ends = [e.end for e in ordered]
    starts = [e.start for e in ordered]
    by_start = {i.start: i for i in new.instructions}
    shift = 0
    k = 0
    for instr in df.instructions:
        while k < len(ordered) and ordered[k].end <= instr.start and not _touches(ordered[k], instr):
            shift += len(ordered[k].text) - (ordered[k].end - ordered[k].start)
            k += 1
        near = ordered[bisect.bisect_left(ends, instr.start) : bisect.bisect_right(starts, instr.end)]
        if any(_touches(e, instr) for e in near):
            continue
        moved = by_start.get(instr.start + shift)
        if moved is None or moved.logical != instr.logical or moved.heredocs_text != instr.heredocs_text:
            raise _Rejected(f"changes line {instr.start_line}, which it does not edit")
    return new


def _apply(
    df: Dockerfile, chosen: list[Finding], bad: set[tuple[str, tuple[Edit, ...]]], dropped: list[Finding]
) -> tuple[Dockerfile | None, list[Finding]]:
    """The re-parsed text with the chosen fixes applied, and the fixes that made it in."""
    try:
        return _checked(df, _edits(chosen)), chosen
    except (ParseError, _Rejected):
        pass
    # find the culprits one by one; a fix that breaks the file is dropped and reported, never written
    good: list[Finding] = []
    for f in chosen:
        assert f.fix is not None
        try:
            _checked(df, list(f.fix.edits))
            good.append(f)
        except (ParseError, _Rejected):
            bad.add(_signature(f))
            dropped.append(f)
    if not good:
        return None, []
    try:
        return _checked(df, _edits(good)), good
    except (ParseError, _Rejected):
        # each is fine alone but not together: take the first, the others come back in the next pass
        return _checked(df, _edits(good[:1])), good[:1]


def _order(f: Finding) -> tuple[int, int, str]:
    return f.line, f.column, f.code


def _once(findings: list[Finding]) -> list[Finding]:
    """Each finding printed once: two passes may report one problem at one place of the user's file."""
    seen: set[tuple[str, int, int, str, bool]] = set()
    out = []
    for f in findings:
        key = (f.code, f.line, f.column, f.message, f.fixed)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
