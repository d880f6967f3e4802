"""Variables as BuildKit expands them: `$X`, `${X}`, `${X:-word}` and friends, and the ARGs before the
first FROM that FROM lines (and only FROM lines, unless a stage re-declares them) can use.

A value is a `str` when the Dockerfile proves it, `None` when it is declared but unknown (an ARG
without a default, or any ARG a `--build-arg` may override when the caller says so), and a name
absent from a mapping is unset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fixer.model.memo import per_file
from fixer.syntax import Dockerfile, Instruction
from fixer.syntax.buildkit import node_of

Values = Mapping[str, "str | None"]

# Set by BuildKit for every build, usable in FROM without a global ARG; their values depend on the
# builder's platform, so the Dockerfile cannot tell them.
AUTOMATIC_ARGS = frozenset(
    {
        "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
        "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
        "TARGETSTAGE", "BUILDKIT_SYNTAX",
    }
)  # fmt: skip

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Unknown(Exception):
    """The word depends on a value the Dockerfile does not prove."""


def expand(word: str, values: Values, escape: str = "\\", *, closed: bool = False) -> str | None:
    """`word` after BuildKit's ProcessWord: quotes removed, escapes applied, variables substituted.

    None when the result depends on an unknown value: a name without a value (the base image's
    environment or a `--build-arg` may set it), an unterminated quote, or a modifier dockfix does not
    evaluate (`${X#pat}`, `${X/a/b}`). With `closed` (a FROM line, where only global ARGs exist), a
    name without a value is unset for `${X:-word}`, `${X:+word}` and the like.
    """
    try:
        return _Expander(word, values, escape, closed).word()
    except _Unknown:
        return None


class _Expander:
    def __init__(self, text: str, values: Values, escape: str, closed: bool) -> None:
        self.s, self.i, self.values, self.escape, self.closed = text, 0, values, escape, closed

    def word(self) -> str:
        out: list[str] = []
        s, esc = self.s, self.escape
        while self.i < len(s):
            ch = s[self.i]
            if ch == esc:
                if self.i + 1 < len(s):
                    out.append(s[self.i + 1])
                self.i += 2
            elif ch == "'":
                close = s.find("'", self.i + 1)
                if close < 0:
                    raise _Unknown
                out.append(s[self.i + 1 : close])
                self.i = close + 1
            elif ch == '"':
                self.i += 1
                out.append(self._double_quoted())
            elif ch == "$":
                out.append(self._dollar())
            else:
                out.append(ch)
                self.i += 1
        return "".join(out)

    def _double_quoted(self) -> str:
        out: list[str] = []
        s, esc = self.s, self.escape
        while self.i < len(s):
            ch = s[self.i]
            if ch == '"':
                self.i += 1
                return "".join(out)
            if ch == esc and self.i + 1 < len(s) and s[self.i + 1] in ('"', "$", esc):
                # BuildKit: inside double quotes only these are escaped; other escapes stay as written
                out.append(s[self.i + 1])
                self.i += 2
            elif ch == "$":
                out.append(self._dollar())
            else:
                out.append(ch)
                self.i += 1
        raise _Unknown

    def _lookup(self, name: str, modifier: bool = False) -> str | None:
        """The value, None when unset; raises when it cannot be known.

        In a FROM line (`closed`) a name without a value (an ARG without a default, or never declared)
        is unset, as in a build without `--build-arg`: `${X:-word}` takes its word there. A plain `$X`
        to such a name stays unknown, since the author means a `--build-arg` to give it."""
        if name in self.values:
            value = self.values[name]
            if value is None:
                raise _Unknown
            return value
        if self.closed and modifier and name not in AUTOMATIC_ARGS:
            return None
        raise _Unknown

    def _dollar(self) -> str:
        s = self.s
        self.i += 1  # past `$`
        m = _NAME.match(s, self.i)
        if m is not None:
            self.i = m.end()
            return self._lookup(m.group()) or ""
        if self.i < len(s) and s[self.i].isdigit():  # `$1`: a positional parameter, never set
            self.i += 1
            return ""
        if not s.startswith("{", self.i):
            return "$"
        m = _NAME.match(s, self.i + 1)
        if m is None:
            raise _Unknown
        name, self.i = m.group(), m.end()
        if s.startswith("}", self.i):
            self.i += 1
            return self._lookup(name) or ""
        op = next((o for o in (":-", ":+", ":?", "-", "+", "?") if s.startswith(o, self.i)), None)
        if op is None:
            raise _Unknown  # `${X#pat}`, `${X%pat}`, `${X/a/b}`: not evaluated
        self.i += len(op)
        word = self._modifier_word()
        value = self._lookup(name, modifier=True)
        is_set = value is not None
        if op.startswith(":"):
            is_set = bool(value)
        kind = op[-1]
        if kind == "-":
            return value if is_set and value is not None else word
        if kind == "+":
            return word if is_set else ""
        if not is_set:  # `${X?message}`: the build fails
            raise _Unknown
        return value or ""

    def _modifier_word(self) -> str:
        """The word of `${X:-word}` up to its closing brace, itself expanded."""
        s, depth, start = self.s, 0, self.i
        while self.i < len(s):
            ch = s[self.i]
            if ch == self.escape:
                self.i += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    inner = s[start : self.i]
                    self.i += 1
                    sub = _Expander(inner, self.values, self.escape, self.closed)
                    return sub.word()
                depth -= 1
            self.i += 1
        raise _Unknown


_SUB = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def substitute(text: str, values: Mapping[str, str]) -> str:
    """`text` with the variables `values` knows substituted; unknown ones stay as written (so a `$`
    left in the result says some part is not known). No quote removal."""

    def sub(m: re.Match[str]) -> str:
        name = m.group("braced") or m.group("bare")
        op = m.group("op")
        if op is None:
            return values.get(name, m.group(0))
        word = m.group("word")
        if name not in values:
            if op in (":-", "-"):
                return word
            return "" if op in (":+", "+") else m.group(0)
        value = values[name]
        if op == ":-":
            return value or word
        if op == ":+":
            return word if value else ""
        return value if op == "-" else word

    return _SUB.sub(sub, text)


@per_file
def declared(df: Dockerfile, instr: Instruction) -> tuple[tuple[str, str | None], ...]:
    """(name, raw value or None) for each variable an ARG or ENV sets; ARG without `=` gives None.
    Values are as written (quotes, escapes and variables kept); an instruction BuildKit rejects sets none."""
    try:
        node = node_of(instr, df.escape)
    except Exception:  # noqa: BLE001 - an instruction BuildKit rejects declares nothing we can read
        return ()
    if instr.cmd == "ENV":
        return tuple(node.items())
    if instr.cmd != "ARG":
        return ()
    out: list[tuple[str, str | None]] = []
    for word in node.words():
        name, eq, value = word.partition("=")
        out.append((name, value if eq else None))
    return tuple(out)


@per_file
def global_args(df: Dockerfile) -> dict[str, str | None]:
    """The ARGs before the first FROM with a default, each expanded with the ones before it (None: it
    cannot be). An ARG without a default is left out: unset in a build without `--build-arg`. A
    `--build-arg` may override any of them: these are the values of the build as written."""
    out: dict[str, str | None] = {}
    for instr in df.instructions:
        if instr.stage is not None:
            break
        if instr.cmd == "ARG":
            for name, raw in declared(df, instr):
                if raw is not None:  # a bare re-declaration keeps the value it had
                    out[name] = expand(raw, out, df.escape, closed=True)
    return out


def expand_global(df: Dockerfile, text: str) -> str | None:
    """`text` of a FROM line (base image, platform) expanded as BuildKit does: with the global ARGs only."""
    if "$" not in text and "'" not in text and '"' not in text and df.escape not in text:
        return text
    return expand(text, global_args(df), df.escape, closed=True)
