"""A POSIX (plus common bash) shell tokenizer that keeps every token's span.

bashlex parses structure but drops comments, so comments, operators and word boundaries come from
here: `#` starts a comment only at the start of a word, and the quoting, `${…}`, `$(…)`, `$((…))`,
backquotes and here-documents are followed so that nothing inside them is mistaken for a token.
The lexer also cross-checks bashlex (see `fixer.shell.parse`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

TokenKind = Literal["word", "op", "newline", "comment", "heredoc"]

# longest first: the lexer takes the longest operator that matches
OPERATORS = (
    ";;&", "&>>", "<<<", "<<-",
    "&&", "||", ";;", ";&", "|&", "&>", "<<", ">>", "<&", ">&", "<>", ">|",
    "&", "|", ";", "<", ">", "(", ")",
)  # fmt: skip
_OP_CHARS = frozenset("&|;<>()")
_BLANKS = frozenset(" \t\r")
# what opens a quote or an expansion, inside which a word's or an expansion's end is not looked for
_NESTING = frozenset("'\"$`")
_IO_NUMBER = re.compile(r"[0-9]+(?=[<>])")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Command position, shared with the readers of the tokens (`fixer.shell.plain`, DF002's count): after
# these operators a new command starts, and after these reserved words (themselves in command position)
COMMAND_OPS = frozenset({"&&", "||", ";", "&", "|", "|&", "(", ";;", ";&", ";;&"})
OPENERS = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"})
# words bash reserves in command position, with the ones bashlex does not implement
RESERVED_WORDS = frozenset(
    "! { } [[ ]] if then else elif fi do done case esac while until for in function select time coproc".split()
)
# what opens a substitution inside a word: command (`$(`, backquote) or process (`<(`, `>(`)
SUBSTITUTION_OPENERS = ("$(", "`", "<(", ">(")


class LexError(ValueError):
    """The script is not complete shell text (an unterminated quote, substitution or here-document)."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(f"{message} at {pos}")
        self.pos = pos


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    start: int
    end: int
    text: str  # the raw text of the span

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


@dataclass
class _Pending:
    delimiter: str
    strip_tabs: bool


class _Lexer:
    def __init__(self, s: str) -> None:
        self.s = s
        self.n = len(s)

    # -- words -------------------------------------------------------------------------------

    def skip_single(self, i: int) -> int:
        """`i` is just past an opening `'`; return the index past the closing one."""
        j = self.s.find("'", i)
        if j < 0:
            raise LexError("unterminated single quote", i - 1)
        return j + 1

    def skip_ansi_c(self, i: int) -> int:
        """`i` is just past `$'`; backslash escapes anything, including a quote."""
        s, n = self.s, self.n
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "'":
                return i + 1
            i += 1
        raise LexError("unterminated $'...' quote", i)

    def skip_double(self, i: int) -> int:
        """`i` is just past an opening `"`."""
        s, n = self.s, self.n
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif c == "$":
                i = self.skip_dollar(i)
            elif c == "`":
                i = self.skip_backquote(i + 1)
            else:
                i += 1
        raise LexError("unterminated double quote", i)

    def skip_backquote(self, i: int) -> int:
        """`i` is just past an opening backquote."""
        s, n = self.s, self.n
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
            elif c == "`":
                return i + 1
            else:
                i += 1
        raise LexError("unterminated backquote", i)

    def skip_dollar(self, i: int) -> int:
        """`s[i]` is `$`: return the index past the expansion it starts (or past the `$` alone)."""
        s = self.s
        nxt = s[i + 1 : i + 2]
        if nxt == "{":
            return self.skip_brace_param(i + 2)
        if nxt == "(":
            if s.startswith("((", i + 1):
                return self.skip_arith(i + 3)
            _, end = self.lex(i + 2, in_subst=True)
            return end
        if nxt == "'":
            return self.skip_ansi_c(i + 2)
        if nxt == '"':
            return self.skip_double(i + 2)
        return i + 1

    def skip_nested(self, i: int) -> int:
        """`s[i]` is one of `_NESTING`: return the index past the quote or expansion it opens."""
        c = self.s[i]
        if c == "'":
            return self.skip_single(i + 1)
        if c == '"':
            return self.skip_double(i + 1)
        if c == "$":
            return self.skip_dollar(i)
        return self.skip_backquote(i + 1)

    def skip_brace_param(self, i: int) -> int:
        """`i` is just past `${`: find the matching `}` (quotes and nested expansions inside)."""
        s, n = self.s, self.n
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
            elif c == "}":
                return i + 1
            elif c in _NESTING:
                i = self.skip_nested(i)
            else:
                i += 1
        raise LexError("unterminated ${...}", i)

    def skip_arith(self, i: int) -> int:
        """`i` is just past `$((`: find the matching `))`."""
        s, n = self.s, self.n
        depth = 0
        while i < n:
            c = s[i]
            if c == "\\":
                i += 2
            elif c == "(":
                depth += 1
                i += 1
            elif c == ")":
                if depth == 0:
                    if s.startswith("))", i):
                        return i + 2
                    raise LexError("unbalanced $((...))", i)
                depth -= 1
                i += 1
            elif c in _NESTING:
                i = self.skip_nested(i)
            else:
                i += 1
        raise LexError("unterminated $((...))", i)

    def read_word(self, i: int) -> int:
        """Index past the word starting at `i` (an unquoted blank, newline or operator ends it)."""
        s, n = self.s, self.n
        start = i
        while i < n:
            c = s[i]
            if c in _BLANKS or c == "\n":
                break
            if c in _OP_CHARS:
                # bash process substitution `<(…)` / `>(…)` is a word, not a redirection
                if c in "<>" and s[i + 1 : i + 2] == "(" and i == start:
                    _, i = self.lex(i + 2, in_subst=True)
                    continue
                # extglob `@(a|b)`, `!(x)`… and array assignment `a=(…)`: fail rather than guess
                if c == "(" and i > start and s[i - 1] in "@!?*+=":
                    raise LexError("unsupported '(' inside a word", i)
                break
            if c == "\\":
                if i + 1 >= n:
                    i += 1
                else:
                    i += 2
            elif c in _NESTING:
                i = self.skip_nested(i)
            else:
                i += 1
        return i

    # -- here-documents ------------------------------------------------------------------------

    def read_heredocs(self, i: int, pending: list[_Pending], out: list[Token]) -> int:
        """`i` is at the start of the line after the here-doc operators: consume each body."""
        s, n = self.s, self.n
        for doc in pending:
            body_start = i
            while True:
                if i >= n:
                    raise LexError(f"here-document {doc.delimiter!r} not terminated", body_start)
                eol = s.find("\n", i)
                line_end = n if eol < 0 else eol
                line = s[i:line_end]
                nxt = line_end if eol < 0 else eol + 1
                if (line.lstrip("\t") if doc.strip_tabs else line) == doc.delimiter:
                    out.append(Token("heredoc", body_start, line_end, s[body_start:line_end]))
                    i = nxt
                    break
                i = nxt
        pending.clear()
        return i

    # -- the token loop ------------------------------------------------------------------------

    def lex(self, i: int, in_subst: bool = False) -> tuple[list[Token], int]:
        """Tokens from `i`; inside `$(`/`<(` stop past the `)` that closes it (returned as end)."""
        s, n = self.s, self.n
        out: list[Token] = []
        pending: list[_Pending] = []
        depth = 0  # open `(` inside this level
        # `case` parsing state: a `)` that ends a case pattern must not close a `$(`
        case_stack: list[str] = []  # "head" (before `in`), "pattern", "body"
        cmd_start = True  # the next word is in command position
        want_delim = False
        while i < n:
            c = s[i]
            if c in _BLANKS:
                i += 1
                continue
            if c == "\\" and s[i + 1 : i + 2] == "\n":
                i += 2
                continue
            if c == "\n":
                out.append(Token("newline", i, i + 1, "\n"))
                i += 1
                if pending:
                    i = self.read_heredocs(i, pending, out)
                cmd_start = True
                continue
            if c == "#":
                j = s.find("\n", i)
                j = n if j < 0 else j
                out.append(Token("comment", i, j, s[i:j]))
                i = j
                continue
            op_start = i
            m = _IO_NUMBER.match(s, i)
            if m:  # `2>file`, `2>&1`: the descriptor number belongs to the redirection
                i = m.end()
                c = s[i]
            if c in _OP_CHARS and not (c in "<>" and s[i + 1 : i + 2] == "(" and not m):
                op = next(o for o in OPERATORS if s.startswith(o, i))
                end = i + len(op)
                if op == ")":
                    if case_stack and case_stack[-1] == "pattern":
                        case_stack[-1] = "body"
                    elif depth == 0 and in_subst:
                        if pending:
                            raise LexError("here-document inside $(...) not terminated", i)
                        return out, end
                    else:
                        depth -= 1
                elif op == "(":
                    if not (case_stack and case_stack[-1] == "pattern"):
                        depth += 1
                elif op in (";;", ";&", ";;&") and case_stack:
                    case_stack[-1] = "pattern"
                out.append(Token("op", op_start, end, s[op_start:end]))
                if op in ("<<", "<<-"):
                    pending.append(_Pending("", op == "<<-"))
                    want_delim = True
                # after a redirection operator comes its target word, not a command
                cmd_start = op in COMMAND_OPS or (op == ")" and bool(case_stack) and case_stack[-1] == "body")
                i = end
                continue
            i = op_start
            # a word
            end = self.read_word(i)
            if end == i:  # a lone char the word reader refuses (cannot happen for valid input)
                raise LexError("unexpected character", i)
            text = s[i:end]
            out.append(Token("word", i, end, text))
            if want_delim:
                pending[-1].delimiter = _unquote_delimiter(text)
                want_delim = False
                i = end
                continue
            state = case_stack[-1] if case_stack else None
            if state == "head" and text == "in":
                case_stack[-1] = "pattern"
                cmd_start = True
            elif state == "pattern" and text == "esac" and cmd_start:
                case_stack.pop()
                cmd_start = False
            elif state == "body" and text == "esac" and cmd_start:
                case_stack.pop()
                cmd_start = False
            elif cmd_start and text == "case":
                case_stack.append("head")
                cmd_start = False
            elif state == "pattern":
                cmd_start = False  # inside a pattern list `a | b)`
            else:
                cmd_start = text in OPENERS or (cmd_start and is_assignment(text))
            i = end
        if in_subst:
            raise LexError("unterminated $(...)", i)
        if pending:
            raise LexError("here-document not terminated", i)
        return out, i


def is_assignment(word: str) -> bool:
    """`NAME=value` or `NAME+=value`: a word the shell reads as an assignment in command position."""
    m = _NAME.match(word)
    return m is not None and word[m.end() :].startswith(("=", "+="))


def _unquote_delimiter(text: str) -> str:
    """A here-doc delimiter with its quotes removed (quoting only decides whether the body expands)."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif c in "'\"":
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


@lru_cache(maxsize=16384)
def tokenize(script: str) -> tuple[Token, ...]:
    """All tokens of `script` in order, comments and here-doc bodies included; raises LexError.

    Remembered by text: several rules read each RUN, and every pass of the pipeline reads again the
    RUNs the last pass did not change.
    """
    tokens, _ = _Lexer(script).lex(0)
    return tuple(tokens)


def comments(script: str) -> list[Token]:
    """The shell comments of `script` (each from its `#` to the end of its line)."""
    return [t for t in tokenize(script) if t.kind == "comment"]


def unquote(raw: str) -> str:
    """Quote removal for one word: quotes and escaping backslashes go, expansions stay as written."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\":
            if i + 1 < n and raw[i + 1] != "\n":
                out.append(raw[i + 1])
            i += 2
        elif c == "'":
            j = raw.find("'", i + 1)
            j = n if j < 0 else j
            out.append(raw[i + 1 : j])
            i = j + 1
        elif c == "$" and raw[i + 1 : i + 2] == "'":
            j = i + 2
            buf = []
            while j < n and raw[j] != "'":
                if raw[j] == "\\" and j + 1 < n:
                    buf.append(_ANSI_C.get(raw[j + 1], "\\" + raw[j + 1]))
                    j += 2
                else:
                    buf.append(raw[j])
                    j += 1
            out.append("".join(buf))
            i = j + 1
        elif c == '"':
            j = i + 1
            while j < n and raw[j] != '"':
                if raw[j] == "\\" and j + 1 < n:
                    if raw[j + 1] in '$`"\\':
                        out.append(raw[j + 1])
                    elif raw[j + 1] != "\n":
                        out.append(raw[j : j + 2])
                    j += 2
                elif raw[j] == "$" or raw[j] == "`":
                    k = _Lexer(raw).skip_dollar(j) if raw[j] == "$" else _Lexer(raw).skip_backquote(j + 1)
                    out.append(raw[j:k])
                    j = k
                else:
                    out.append(raw[j])
                    j += 1
            i = j + 1
        elif c == "$" or c == "`":
            k = _Lexer(raw).skip_dollar(i) if c == "$" else _Lexer(raw).skip_backquote(i + 1)
            out.append(raw[i:k])
            i = k
        else:
            out.append(c)
            i += 1
    return "".join(out)


_ANSI_C = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "v": "\v"}
