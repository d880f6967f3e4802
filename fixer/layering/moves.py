"""Moving an instruction as text: one delete and one insert, keeping the file's blank-line layout.

The instruction carries its own comment lines. An instruction that stood as its own paragraph (blank
lines around it) takes one separating blank run with it and lands as its own paragraph again; one
that was part of a block lands inside the block it joins. The file's newline style is used for added
line breaks, and a file without a final newline keeps lacking one.
"""

from __future__ import annotations

from dataclasses import dataclass

from fixer.engine.finding import Edit
from fixer.syntax import Dockerfile, Instruction, Line


def _blank(line: Line | None) -> bool:
    return line is not None and not line.text.strip()


def _line_after(df: Dockerfile, offset: int) -> Line | None:
    return df.line_at(offset) if offset < len(df.text) else None


@dataclass(frozen=True)
class Replacement:
    """Text to put at file offsets [start, end) of the moved instruction."""

    start: int
    end: int
    text: str


def last_word_span(instr: Instruction) -> tuple[int, int] | None:
    """File offsets of the last argument (a COPY's destination), None if it spans a line break."""
    args = instr.args
    if not args or instr.json:
        return None
    word = args.split()[-1]
    first = instr.args_start + len(args) - len(word)
    start = instr.file_offset(first)
    end = instr.file_offset(first + len(word) - 1) + 1
    if end - start != len(word) or instr.logical[first : first + len(word)] != word:
        return None
    return start, end


def move_after(
    df: Dockerfile,
    instr: Instruction,
    after: Instruction,
    *,
    last: Instruction | None = None,
    replace: Replacement | None = None,
    insert_before_after: str = "",
) -> list[Edit]:
    """Edits moving `instr` (with its comments) to just after `after`, a later instruction.

    `last` moves the instructions from `instr` to `last` together, in their order, with the lines
    between them. `replace` rewrites part of the moved text; `insert_before_after` is new text placed
    before `after`'s own comment lines (the manifest COPY of a split), or in the moved instruction's
    place when `after` directly follows it.
    """
    start, end = instr.full_start, (last or instr).end
    block = df.text[start:end]
    if replace is not None:
        block = block[: replace.start - start] + replace.text + block[replace.end - start :]
    before = df.line_at(start - 1) if start > 0 else None
    paragraph = (before is None or _blank(before)) and _blank(_line_after(df, end))
    # new text for right before `after` takes the moved instruction's place when nothing lies between
    in_place = bool(insert_before_after) and (last or instr).index + 1 == after.index
    delete_end = end
    if paragraph and not in_place:
        while _blank(nxt := _line_after(df, delete_end)) and nxt is not None and delete_end < after.full_start:
            delete_end = nxt.end
    tail = after.lines[-1]
    if tail.eol == "":
        # the file ends without a newline: so does the moved instruction now
        body = block[:-2] if block.endswith("\r\n") else block[:-1] if block.endswith("\n") else block
        text = df.newline + (df.newline if paragraph else "") + body
    elif paragraph:
        following = _line_after(df, after.end)
        text = df.newline + block + (df.newline if following is not None and not _blank(following) else "")
    else:
        text = block
    edits = []
    if in_place:
        edits.append(Edit(start, end, insert_before_after))
    elif insert_before_after and delete_end == after.full_start:
        edits.append(Edit(start, delete_end, insert_before_after))
    else:
        edits.append(Edit.delete(start, delete_end))
        if insert_before_after:
            edits.append(Edit.insert(after.full_start, insert_before_after))
    edits.append(Edit.insert(after.end, text))
    return edits
