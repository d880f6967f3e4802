"""Unified diffs as `diff -u` and git print them, with the "\\ No newline at end of file" marker difflib omits."""

from __future__ import annotations

import difflib

NO_NEWLINE = "\\ No newline at end of file"

_COLORS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m", "h": "\x1b[1m"}
_RESET = "\x1b[0m"


def _ends_open(lines: list[str]) -> bool:
    return bool(lines) and not lines[-1].endswith("\n")


def unified_diff(a: str, b: str, fromfile: str, tofile: str, context: int = 3) -> list[str]:
    """Diff lines, each with its own line ending (CRLF kept); empty when the texts are equal."""
    # split on "\n" only: a stray "\r" inside a line is content, not a line break
    al = [ln for ln in a.split("\n")]
    bl = [ln for ln in b.split("\n")]
    al = [ln + "\n" for ln in al[:-1]] + ([al[-1]] if al[-1] else [])
    bl = [ln + "\n" for ln in bl[:-1]] + ([bl[-1]] if bl[-1] else [])
    if al == bl:
        return []
    a_open, b_open = _ends_open(al), _ends_open(bl)
    out = [f"--- {fromfile}\n", f"+++ {tofile}\n"]

    def emit(prefix: str, line: str, last: bool) -> None:
        if line.endswith("\n"):
            out.append(prefix + line)
        else:
            out.append(prefix + line + "\n")
            if last:
                out.append(NO_NEWLINE + "\n")

    for group in difflib.SequenceMatcher(None, al, bl, autojunk=False).get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_range(i1, i2)} +{_range(j1, j2)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                for k in range(a1, a2):
                    # a shared last line that lacks a newline on one side only is a change, not context
                    emit(" ", al[k], a_open and k == len(al) - 1)
                continue
            for k in range(a1, a2):
                emit("-", al[k], a_open and k == len(al) - 1)
            for k in range(b1, b2):
                emit("+", bl[k], b_open and k == len(bl) - 1)
    return out


def _range(start: int, stop: int) -> str:
    length = stop - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def colorize(lines: list[str]) -> list[str]:
    out = []
    for ln in lines:
        body = ln.rstrip("\r\n")
        end = ln[len(body) :]
        if ln.startswith(("--- ", "+++ ")):
            color = _COLORS["h"]
        elif ln.startswith("@@"):
            color = _COLORS["@"]
        elif ln[:1] in "+-":
            color = _COLORS[ln[0]]
        else:
            out.append(ln)
            continue
        out.append(f"{color}{body}{_RESET}{end}")
    return out
