"""The casing of instruction keywords, as BuildKit's ConsistentInstructionCasing check reads it.

BuildKit counts the top-level keywords that are all lower-case or all upper-case; the majority wins and
a tie goes to upper-case. Every rule that writes a keyword (a new LABEL, SHELL, ENV …) uses `cased` so
that what it inserts never fights the casing rule.
"""

from __future__ import annotations

import re

from fixer.syntax import Dockerfile, Instruction

# image, the AS word, the stage name: BuildKit only reads `AS` when FROM has exactly these three words
_FROM_AS = re.compile(r"^\S+\s+(?P<as>[aA][sS])\s+\S+\s*$")


def self_consistent(keyword: str) -> bool:
    return keyword == keyword.lower() or keyword == keyword.upper()


def majority_lower(df: Dockerfile) -> bool:
    lower = upper = 0
    for instr in df.instructions:
        if not self_consistent(instr.keyword):
            continue
        if instr.keyword == instr.keyword.lower():
            lower += 1
        else:
            upper += 1
    return lower > upper


def cased(df: Dockerfile, word: str) -> str:
    """`word` (a keyword or `AS`) in the casing the file's keywords should have."""
    return word.lower() if majority_lower(df) else word.upper()


def keyword_span(instr: Instruction) -> tuple[int, int] | None:
    """File span of the keyword; None when a line continuation splits it."""
    start = instr.file_offset(0)
    end = instr.file_offset(len(instr.keyword) - 1) + 1
    return (start, end) if end - start == len(instr.keyword) else None


def as_word(instr: Instruction) -> tuple[str, int, tuple[int, int] | None] | None:
    """The `AS` of `FROM image AS name`: as written, its index in `logical`, and its file span (None
    when a continuation splits it); None when the FROM names no stage."""
    m = _FROM_AS.match(instr.args) if instr.cmd == "FROM" else None
    if m is None:
        return None
    start = instr.args_start + m.start("as")
    a, b = instr.file_offset(start), instr.file_offset(start + 1) + 1
    return m.group("as"), start, ((a, b) if b - a == 2 else None)
