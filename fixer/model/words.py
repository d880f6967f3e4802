"""BuildKit's word splitting of ENV/LABEL/ARG arguments, with the span of every word, and the variables
a word expands, and the file span of a piece of an instruction's text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fixer.syntax import Instruction
from fixer.syntax.words import is_space

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class SpannedWord:
    raw: str
    start: int  # indices into the scanned text
    end: int


def split_words(text: str, escape: str) -> list[SpannedWord]:
    """The words BuildKit's parseWords finds (quotes and escapes kept in them), with their spans."""
    out: list[SpannedWord] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and is_space(text[i]):
            i += 1
        if i == n:
            break
        start = i
        quote = ""
        while i < n:
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == escape and quote == '"':
                    i += 1
            elif is_space(ch):
                break
            elif ch == escape:
                i += 1
            elif ch in "'\"":
                quote = ch
            i += 1
        i = min(i, n)
        out.append(SpannedWord(text[start:i], start, i))
    return out


def expanded_names(raw: str, escape: str) -> set[str]:
    """Names of the variables BuildKit expands in a word (not inside single quotes, not escaped)."""
    names: set[str] = set()
    quote = ""
    i = 0
    while i < len(raw):
        ch = raw[i]
        if quote == "'":
            if ch == "'":
                quote = ""
        elif ch == escape:
            i += 1
        elif ch == '"':
            quote = "" if quote else '"'
        elif ch == "'" and not quote:
            quote = "'"
        elif ch == "$":
            m = _NAME.match(raw, i + 2 if raw[i + 1 : i + 2] == "{" else i + 1)
            if m:
                names.add(m.group(0))
        i += 1
    return names


def mentioned_names(raw: str) -> set[str]:
    """Names written as `$NAME` / `${NAME…` anywhere in the word, expanded or not (what hadolint reads)."""
    return {m.group(1) for m in re.finditer(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", raw)}


def span(instr: Instruction, start: int, end: int) -> tuple[int, int] | None:
    """File span of `instr.logical[start:end]`; None when a line continuation falls inside it."""
    if end <= start:
        at = instr.file_offset(start)
        return at, at
    fstart = instr.file_offset(start)
    fend = instr.file_offset(end - 1) + 1
    return (fstart, fend) if fend - fstart == end - start else None


def args_span(instr: Instruction, start: int, end: int) -> tuple[int, int] | None:
    """Like `span`, with indices into `instr.args`."""
    return span(instr, instr.args_start + start, instr.args_start + end)
