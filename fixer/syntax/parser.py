"""A lossless Dockerfile parser that reads instructions the way BuildKit does.

It follows BuildKit's parser (frontend/dockerfile/parser) line by line — parser directives at the top,
the escape character, comment and blank lines inside continuations, heredoc bodies — but keeps every
byte: each physical line is kept with its line ending, and each instruction records how its logical
(joined) line maps back to file offsets.
"""

from __future__ import annotations

import gc
import re

from fixer.syntax.buildkit import go_trim_space, parse_parts
from fixer.syntax.errors import ParseError
from fixer.syntax.tree import Dockerfile, Flag, Heredoc, Instruction, Line, Stage, Trivia
from fixer.syntax.words import (
    extract_builder_flags,
    heredoc_markers,
    is_space,
    lstrip_space,
)

# Go's RE2 \s is [\t\n\f\r ]
_DIRECTIVE = re.compile(r"^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$")
_KNOWN_DIRECTIVES = {"syntax", "escape", "check"}
_HEREDOC_INSTRUCTIONS = {"RUN", "COPY", "ADD"}
_KEYWORD_SEP = re.compile(r"[\t\v\f\r ]+")


def split_lines(text: str, start: int) -> list[Line]:
    """Physical lines split on "\\n" only, as BuildKit's scanner does; "\\r\\n" is kept as the ending."""
    lines: list[Line] = []
    pos = start
    pieces = text[start:].split("\n")
    last = len(pieces) - 1
    for number, piece in enumerate(pieces, 1):
        if number - 1 == last:
            if piece:
                lines.append(Line(number, pos, piece, ""))
            break
        if piece.endswith("\r"):
            lines.append(Line(number, pos, piece[:-1], "\r\n"))
        else:
            lines.append(Line(number, pos, piece, "\n"))
        pos += len(piece) + 1
    return lines


def _trim_newline(s: str) -> str:
    return s.rstrip("\r\n")


class _Escape:
    def __init__(self, char: str) -> None:
        self.char = char

    def trim(self, s: str) -> tuple[str, bool]:
        """Strip a line-continuation escape: (text, is_end_of_instruction)."""
        # BuildKit: `(^|[^E])E[ \t]*$` — an escape preceded by another escape does not continue the line,
        # whatever the count (`a \\\` ends the instruction too); read off the line's end, not searched
        t = s.rstrip(" \t")
        c = self.char
        if not t.endswith(c) or t[-2:-1] == c:
            return s, True
        return s[: len(t) - 1], False


class _Directives:
    def __init__(self) -> None:
        self.done = False
        self.seen: dict[str, str] = {}
        self.escape = _Escape("\\")

    def feed(self, token: str, line: int) -> bool:
        """Read a possible directive line; True when it was one."""
        if self.done:
            return False
        m = _DIRECTIVE.match(token)
        if not m or m.group(1).lower() not in _KNOWN_DIRECTIVES:
            self.done = True
            return False
        key, value = m.group(1).lower(), m.group(2)
        if key in self.seen:
            raise ParseError(line, f"only one {key} parser directive can be used")
        self.seen[key] = value
        if key == "escape":
            if value not in ("`", "\\"):
                raise ParseError(line, f"invalid escape token '{value}' does not match ` or \\")
            self.escape = _Escape(value)
        return True


def _split_instruction(
    logical: str, base: int
) -> tuple[str, int, list[tuple[int, int, str]], int, str]:
    """keyword, keyword index, flags (start, end, value), args index, args — BuildKit's splitCommand."""
    lead = len(logical) - len(lstrip_space(logical))
    stripped = go_trim_space(logical)
    parts = _KEYWORD_SEP.split(stripped, maxsplit=1)
    keyword = parts[0]
    kw_index = base + lead
    if len(parts) < 2:
        return keyword, kw_index, [], base + len(logical), ""
    rest_index = lead + len(stripped) - len(parts[1])
    rest = parts[1]
    args_rel, words = extract_builder_flags(rest)
    flags = [(base + rest_index + w.start, base + rest_index + w.end, w.value) for w in words]
    args = rest[args_rel:]
    args_index = base + rest_index + args_rel + (len(args) - len(lstrip_space(args)))
    return keyword, kw_index, flags, args_index, go_trim_space(args)


class _Builder:
    """Builds instructions from physical lines."""

    def __init__(self, text: str, lines: list[Line], escape: str) -> None:
        self.text = text
        self.lines = lines
        self.escape = escape

    def make(
        self,
        index: int,
        comments: list[Line],
        first: int,
        logical: str,
        segments: list[tuple[int, int]],
        end: int,
    ) -> tuple[Instruction, int]:
        """An instruction from its joined line; reads heredoc bodies; returns it and its last line index."""
        lines = self.lines
        number = lines[first].number
        instr = self._instruction(index, comments, lines[first : end + 1], logical, segments, 0, number)
        carrier = instr.sub if instr.cmd == "ONBUILD" and instr.sub is not None else instr
        if carrier.cmd in _HEREDOC_INSTRUCTIONS and not carrier.json and "<<" in logical:
            i = end
            try:
                markers = heredoc_markers(logical)
            except ValueError as e:  # a marker word BuildKit's shell lexer cannot read fails the file
                raise ParseError(number, str(e)) from None
            for marker in markers:
                body: list[str] = []
                body_start = lines[i].end
                terminator: Line | None = None
                while i + 1 < len(lines):
                    i += 1
                    ln = lines[i]
                    candidate = _trim_newline(ln.text)
                    if marker.chomp:
                        candidate = candidate.lstrip("\t")
                    if candidate == marker.name:
                        terminator = ln
                        break
                    body.append(ln.text + ln.eol)
                if terminator is None:
                    raise ParseError(number, "unterminated heredoc")
                carrier.heredocs.append(
                    Heredoc(
                        name=marker.name,
                        chomp=marker.chomp,
                        expand=marker.expand,
                        fd=marker.fd,
                        content="".join(body),
                        body_start=body_start,
                        body_end=terminator.start,
                        terminator=terminator,
                    )
                )
            instr.lines = lines[first : i + 1]
            end = i
        return instr, end

    def _instruction(
        self,
        index: int,
        comments: list[Line],
        lines: list[Line],
        logical: str,
        segments: list[tuple[int, int]],
        base: int,
        number: int,
    ) -> Instruction:
        keyword, _kw, raw_flags, args_index, args = _split_instruction(logical[base:], base)
        flags = []
        for start, end, value in raw_flags:
            name, eq, val = value[2:].partition("=")
            fstart = _map(segments, start)
            flags.append(Flag(name, val if eq else None, logical[start:end], fstart, fstart + end - start))
        cmd = keyword.upper()
        # BuildKit's argument readers decide exec form and reject what it rejects (ENV without a value,
        # ["a", 1] …)
        node = parse_parts(keyword, [value for _, _, value in raw_flags], args, self.escape, line=number)
        is_json = node.json
        instr = Instruction(
            index=index,
            keyword=keyword,
            comments=comments,
            lines=lines,
            logical=logical,
            segments=segments,
            flags=flags,
            args=args,
            args_start=args_index,
            json=is_json,
            heredocs=[],
            node=node,
        )
        if cmd == "ONBUILD" and args:
            instr.sub = self._instruction(index, [], lines, logical, segments, args_index, number)
            # BuildKit reports the form of the trigger itself (a nested ONBUILD trigger has none)
            instr.json = node.sub.json if node.sub is not None else False
        return instr


def _map(segments: list[tuple[int, int]], i: int) -> int:
    lo, hi = 0, len(segments) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if segments[mid][0] <= i:
            lo = mid
        else:
            hi = mid - 1
    ls, fs = segments[lo]
    return fs + (i - ls)


def parse(text: str) -> Dockerfile:
    """Parse Dockerfile text. Raises ParseError (line, reason) where BuildKit would reject the file."""
    # a parse allocates many small objects and frees none: collecting during it only re-scans the
    # growing tree, which made 100,000 instructions cost 30x what 10,000 did
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(text)
    finally:
        if enabled:
            gc.enable()


def _parse(text: str) -> Dockerfile:
    bom = text.startswith("\ufeff")
    lines = split_lines(text, 1 if bom else 0)
    directives = _Directives()
    builder = _Builder(text, lines, "\\")
    nodes: list[Trivia | Instruction] = []
    instructions: list[Instruction] = []
    pending: list[Line] = []  # comment lines that will belong to the next instruction

    def trivia(ls: list[Line]) -> None:
        if not ls:
            return
        if nodes and isinstance(nodes[-1], Trivia):
            nodes[-1].lines.extend(ls)
        else:
            nodes.append(Trivia(list(ls)))

    i = 0
    n = len(lines)
    while i < n:
        ln = lines[i]
        raw = _trim_newline(ln.text)
        token = lstrip_space(raw)
        if directives.feed(token, ln.number):
            trivia(pending)
            pending = []
            trivia([ln])
            i += 1
            continue
        if token.startswith("#"):
            pending.append(ln)
            i += 1
            continue
        escape = directives.escape
        builder.escape = escape.char
        first, end_of_line = escape.trim(token)
        if end_of_line and first == "":
            trivia(pending)
            pending = []
            trivia([ln])
            i += 1
            continue
        lead = len(raw) - len(token)
        parts = [first]
        segments = [(0, ln.start + lead)]
        size = len(first)
        j = i
        while not end_of_line and j + 1 < n:
            j += 1
            cont = lines[j]
            craw = _trim_newline(cont.text)
            stripped = lstrip_space(craw)
            if stripped.startswith("#") or stripped == "":
                continue
            part, end_of_line = escape.trim(craw)
            if part:
                segments.append((size, cont.start))
                parts.append(part)
                size += len(part)
        logical = "".join(parts)
        instr, j = builder.make(len(instructions), pending, i, logical, segments, j)
        pending = []
        nodes.append(instr)
        instructions.append(instr)
        i = j + 1
    trivia(pending)
    if not instructions:
        raise ParseError(max(n, 1), "file with no instructions")
    crlf = sum(1 for ln in lines if ln.eol == "\r\n")
    lf = sum(1 for ln in lines if ln.eol == "\n")
    df = Dockerfile(
        text=text,
        lines=lines,
        bom=bom,
        escape=directives.escape.char,
        directives=dict(directives.seen),
        nodes=nodes,
        instructions=instructions,
        stages=[],
        newline="\r\n" if crlf > lf else "\n",
    )
    _assign_stages(df)
    return df


def _assign_stages(df: Dockerfile) -> None:
    stage: Stage | None = None
    for instr in df.instructions:
        if instr.cmd == "FROM":
            words = instr.args.split()
            base = words[0] if words else ""
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            parent = next((s for s in df.stages if s.name and s.name.lower() == base.lower()), None)
            stage = Stage(index=len(df.stages), from_=instr, base=base, name=name, parent=parent)
            df.stages.append(stage)
        if stage is not None:
            stage.instructions.append(instr)
            instr.stage = stage
            if instr.sub is not None:
                instr.sub.stage = stage  # an ONBUILD trigger is written in (and reads the SHELL of) this stage
