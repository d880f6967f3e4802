"""BuildKit's word-level readers that the parser itself needs: builder flags, heredoc markers, JSON form."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fixer.syntax.goquote import go_quote


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
    backslash escapes, and a bare `--` ends the flags. BuildKit walks this string byte by byte
    (`rune(line[pos])`): on non-ASCII text the 0x85/0xA0 continuation bytes of UTF-8 characters count as
    spaces and flag values come out as their bytes read as Latin-1, as in BuildKit.
    """
    if line.isascii():
        return _extract_builder_flags(line)
    raw = line.encode("utf-8", "surrogateescape")
    pos, words = _extract_builder_flags(raw.decode("latin-1"))
    char_at = [i for i, ch in enumerate(line) for _ in ch.encode("utf-8", "surrogateescape")]
    char_at.append(len(line))
    return char_at[pos], [FlagWord(char_at[w.start], char_at[w.end], w.value) for w in words]


def _extract_builder_flags(line: str) -> tuple[int, list[FlagWord]]:
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


_HEREDOC = re.compile(r"(\d*)<<(-?)([^<]*)", re.DOTALL)


class _Lex:
    """BuildKit's shell lexer (frontend/dockerfile/shell/lex.go) as heredoc detection runs it: backslash
    escapes, no variables set and unset ones kept as written (SkipUnsetEnv). Only its word splitting and
    its errors matter here; `raw` keeps quotes and escapes in the words (RawQuotes + RawEscapes)."""

    def __init__(self, src: str, raw: bool) -> None:
        self.src = src
        self.pos = 0
        self.raw = raw

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1 if ch else 0
        return ch

    def stop_on(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        result: list[str] = []
        words: list[str] = []
        word: list[str] = []

        def add_char(c: str) -> None:
            # unquoted whitespace ends a word (Go's unicode.IsSpace)
            if is_space(c):
                if word:
                    words.append("".join(word))
                    word.clear()
            else:
                word.append(c)

        while self.peek():
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                if word:
                    words.append("".join(word))
                return "".join(result), words
            if ch == "$":
                tmp = self.dollar()
                result.append(tmp)
                for c in tmp:  # an expansion's text is split again
                    add_char(c)
            elif ch in "'\"":
                tmp = self.single_quote() if ch == "'" else self.double_quote()
                result.append(tmp)
                word.append(tmp)
            else:
                ch = self.next()
                if ch == "\\":
                    if raw_escapes:
                        word.append(ch)
                        result.append(ch)
                    ch = self.next()
                    if not ch:
                        break
                    word.append(ch)
                else:
                    add_char(ch)
                result.append(ch)
        if stop:
            raise ValueError(f"unexpected end of statement while looking for matching {stop}")
        if word:
            words.append("".join(word))
        return "".join(result), words

    def single_quote(self) -> str:
        quote = self.next()
        out = [quote] if self.raw else []
        while True:
            ch = self.next()
            if not ch:
                raise ValueError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if self.raw:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def double_quote(self) -> str:
        quote = self.next()
        out = [quote] if self.raw else []
        while True:
            ch = self.peek()
            if not ch:
                raise ValueError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.next()
                if self.raw:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
                continue
            ch = self.next()
            if ch == "\\":
                if self.raw:
                    out.append(ch)
                if not self.peek():
                    continue  # ignored, and then the quote is found unterminated
                if self.peek() in '"$\\':
                    ch = self.next()
            out.append(ch)

    def name(self) -> str:
        ch = self.peek()
        start = self.pos
        if ch and ch.isdecimal():
            while self.peek() and self.peek().isdecimal():
                self.next()
            return self.src[start : self.pos]
        if ch and ch in "@*#?-$!0":
            return self.next()
        while self.peek() and (self.peek().isalpha() or self.peek().isdecimal() or self.peek() == "_"):
            self.next()
        return self.src[start : self.pos]

    def dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            return "$" + self.name()
        self.next()
        if not self.peek():
            raise ValueError("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise ValueError("syntax error: bad substitution")
        name = self.name()
        ch = self.next()
        if ch == "}":
            return "${" + name + "}"
        modifier = ch
        if ch == ":":
            ch = self.next()
            modifier += ch
        elif ch == "/":  # ${name/pattern/replacement}: current BuildKit (the v0.12 oracle rejects it)
            if self.peek() == "/":
                modifier += self.next()
            pattern, _ = self._until("/", True, "syntax error: missing '/' in ${}")
            replacement, _ = self._until("}", True, "syntax error: missing '}'")
            return "${" + name + modifier + pattern + "/" + replacement + "}"
        elif not ch or ch not in "+-?#%":
            raise ValueError(f"unsupported modifier ({modifier}) in substitution")
        word, _ = self._until("}", ch in "#%", "syntax error: missing '}'")
        return "${" + name + modifier + word + "}"

    def _until(self, stop: str, raw_escapes: bool, at_end: str) -> tuple[str, list[str]]:
        try:
            return self.stop_on(stop, raw_escapes)
        except ValueError:
            if not self.peek():
                raise ValueError(at_end) from None
            raise


def _shell_words(line: str, raw: bool) -> list[str]:
    """Words as BuildKit's shell lexer splits them; ValueError (BuildKit's message) where it fails."""
    try:
        return _Lex(line, raw).stop_on("", raw)[1]
    except ValueError as e:
        raise ValueError(f"failed to process {go_quote(line)}: {e}") from None


def heredoc_markers(line: str) -> list[HeredocMarker]:
    """The `<<NAME` words of a RUN/COPY/ADD line, in order, as BuildKit finds them.

    A line the shell lexer cannot read (an unclosed quote, `${` without `}`) has no heredocs; a marker
    word it cannot read on its own raises ValueError, as BuildKit then fails the whole file.
    """
    try:
        words = _shell_words(line, raw=True)
    except ValueError:
        return []
    found: list[HeredocMarker] = []
    for word in words:
        m = _HEREDOC.fullmatch(word)
        if not m or not m.group(3):
            continue
        rest = m.group(3)
        names = _shell_words(rest, raw=False)
        if len(names) != 1:
            continue
        quoted = sum(names[0].count(q) for q in "'\"")
        raw_quoted = sum(_shell_words(rest, raw=True)[0].count(q) for q in "'\"")
        found.append(
            HeredocMarker(
                name=names[0],
                chomp=m.group(2) == "-",
                expand=quoted == raw_quoted,  # no quote went away: nothing in the name was quoted
                fd=int(m.group(1)) if m.group(1) else 0,
            )
        )
    return found
