"""Instruction-level edits: removing whole instructions, the indentation new lines take."""

from __future__ import annotations

from fixer.engine.finding import Edit
from fixer.syntax import Dockerfile, Instruction


def remove(df: Dockerfile, instr: Instruction) -> Edit:
    """Delete the instruction's lines. The comment lines above it stay: they may say more than the
    instruction did, and no rule loses a comment.

    The last line of a file without a final newline loses the line ending before it instead, so the
    file does not gain a trailing empty line."""
    start, end = instr.start, instr.end
    if end == len(df.text) and not df.text.endswith("\n") and start > 0:
        return Edit.delete(start - len(df.newline) if df.text[:start].endswith(df.newline) else start - 1, end)
    return Edit.delete(start, end)


def indent_of(df: Dockerfile, instr: Instruction) -> str:
    text = instr.lines[0].text
    return text[: len(text) - len(text.lstrip(" \t"))]
