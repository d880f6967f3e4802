"""BuildKit's word-level readers that the parser itself needs: builder flags, heredoc markers, JSON form."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


def is_space(ch: str) -> bool:
    # Go's unicode.IsSpace, which BuildKit uses, agrees with str.isspace except for these separators
    return ch.isspace() and ch not in "\x1c\x1d\x1e\x1f"


_NOT_GO_SPACE = frozenset("\x1c\x1d\x1e\x1f")


def lstrip_space(s: str) -> str:
    t = s.lstrip()
    if len(t) == len(s) or _NOT_GO_SPACE.isdisjoint(s[: len(s) - len(t)]):
        return t
    i = 0
    while i < len(s) and is_space(s[i]):
        i += 1
    return s[i:]


@dataclass(frozen=True)
class FlagWord:
    start: int  # span in the scanned string, quotes and escapes included
    end: int
    value: str  # as BuildKit reads it: quotes removed, escapes resolved


def extract_builder_flags(line: str) -> tuple[int, list[FlagWord]]:
    """Leading `--flag` words of an instruction's arguments, and where the rest starts.

    Follows BuildKit's extractBuilderFlags: a flag word starts with `--`, may contain quotes and
    backslash escapes, and a bare `--` ends the flags.
    """
    words: list[FlagWord] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase = in_spaces
    word: list[str] = []
    start = 0
    quote = ""
    blank_ok = False
    pos = 0
    n = len(line)
    while pos <= n:
        ch = line[pos] if pos < n else ""
        if phase == in_spaces:
            if pos == n:
                break
            if is_space(ch):
                pos += 1
                continue
            if ch != "-" or pos + 1 == n or line[pos + 1] != "-":
                return pos, words
            phase = in_word
            start = pos
        if pos == n:
            w = "".join(word)
            if w != "--" and (blank_ok or w):
                words.append(FlagWord(start, pos, w))
            break
        if phase == in_word:
            if is_space(ch):
                w = "".join(word)
                phase = in_spaces
                if w == "--":
                    return pos, words
                if blank_ok or w:
                    words.append(FlagWord(start, pos, w))
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch in "'\"":
                quote = ch
                blank_ok = True
                phase = in_quote
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            word.append(ch)
            pos += 1
            continue
        # in_quote
        if ch == quote:
            phase = in_word
            pos += 1
            continue
        if ch == "\\":
            if pos + 1 == n:
                phase = in_word
                pos += 1
                continue
            pos += 1
            ch = line[pos]
        word.append(ch)
        pos += 1
    return n, words


@dataclass(frozen=True)
class HeredocMarker:
    name: str
    chomp: bool
    expand: bool
    fd: int


_HEREDOC = re.compile(r"^(\d*)<<(-?)([^<]*)$", re.DOTALL)


def _shell_words(line: str) -> list[str]:
    """Whitespace-separated words with quotes and escapes kept raw (BuildKit's RawQuotes/RawEscapes)."""
    words: list[str] = []
    cur: list[str] = []
    have = False
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch in " \t\r\n":
            if have:
                words.append("".join(cur))
                cur, have = [], False
            i += 1
            continue
        have = True
        if ch == "\\" and i + 1 < n:
            cur.append(line[i : i + 2])
            i += 2
            continue
        if ch in "'\"":
            j = i + 1
            while j < n and line[j] != ch:
                j += 2 if (ch == '"' and line[j] == "\\") else 1
            cur.append(line[i : j + 1])
            i = j + 1
            continue
        cur.append(ch)
        i += 1
    if have:
        words.append("".join(cur))
    return words


def _unquote(word: str) -> str:
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        if ch == "\\" and i + 1 < n:
            out.append(word[i + 1])
            i += 2
        elif ch == "'":
            j = word.find("'", i + 1)
            j = n if j < 0 else j
            out.append(word[i + 1 : j])
            i = j + 1
        elif ch == '"':
            j = i + 1
            while j < n and word[j] != '"':
                if word[j] == "\\" and j + 1 < n and word[j + 1] in '"\\$`':
                    out.append(word[j + 1])
                    j += 2
                    continue
                out.append(word[j])
                j += 1
            i = j + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def heredoc_markers(line: str) -> list[HeredocMarker]:
    """The `<<NAME` words of a RUN/COPY/ADD line, in order, as BuildKit finds them."""
    found: list[HeredocMarker] = []
    for word in _shell_words(line):
        m = _HEREDOC.match(word)
        if not m or not m.group(3):
            continue
        rest = m.group(3)
        name = _unquote(rest)
        if not name:
            continue
        found.append(
            HeredocMarker(
                name=name,
                chomp=m.group(2) == "-",
                expand=not any(q in rest for q in "'\""),
                fd=int(m.group(1)) if m.group(1) else 0,
            )
        )
    return found


class NotStringArray(ValueError):
    pass


def _reject_constant(name: str) -> object:
    raise ValueError(name)  # Go's encoding/json knows no NaN/Infinity


def json_array(args: str) -> list[str] | None:
    """The exec-form array, or None for shell form. Raises NotStringArray for `["a", 1]` (BuildKit errors)."""
    rest = lstrip_space(args)
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest, parse_constant=_reject_constant)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise NotStringArray("Dockerfile parse error: command must be a JSON array of strings")
    return value
