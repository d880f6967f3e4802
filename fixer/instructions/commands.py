"""Simple commands of the scripts RUN instructions run, with the file offsets of their words.

The lexer of `fixer.shell` delimits the commands (it reads scripts bashlex cannot, such as `case`);
`fixer.packages.script.run_script` gives the script and maps its characters back to the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fixer.packages.script import RunScript, run_script
from fixer.shell.lexer import LexError, tokenize, unquote
from fixer.shell.model import Word
from fixer.syntax import Dockerfile, Instruction

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
_RESERVED = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "in", "time"})
_REDIRECTS = frozenset({"<", ">", ">>", "<<", "<<-", "<<<", ">&", "<&", "&>", "&>>", "<>", ">|"})


@dataclass(frozen=True)
class Command:
    words: tuple[Word, ...]  # assignments and reserved words before the command word dropped

    @property
    def name(self) -> str:
        return self.words[0].value.rsplit("/", 1)[-1]


def commands(script: str) -> list[Command]:
    """Every simple command of `script` in order, `$(…)` contents not split out. Raises LexError."""
    out: list[Command] = []
    cur: list[Word] = []
    skip_target = False

    def flush() -> None:
        ws = list(cur)
        while ws and (ws[0].raw in _RESERVED or _ASSIGNMENT.match(ws[0].raw)):
            ws.pop(0)
        if ws:
            out.append(Command(tuple(ws)))
        cur.clear()

    for t in tokenize(script):
        if t.kind == "word":
            if skip_target:
                skip_target = False
                continue
            cur.append(Word(t.text, unquote(t.text), t.start, t.end))
        elif t.kind == "op" and t.text.lstrip("0123456789") in _REDIRECTS:
            skip_target = True
        elif t.kind in ("op", "newline"):
            flush()
    flush()
    return out


@dataclass(frozen=True)
class Run:
    owner: Instruction  # the instruction findings belong to (an ONBUILD for its trigger)
    script: RunScript
    commands: list[Command]

    def span(self, word: Word) -> tuple[int, int] | None:
        """File span of a word; None when a line continuation splits it."""
        a = self.script.offset(word.start)
        b = self.script.offset(word.end - 1) + 1
        return (a, b) if b - a == word.end - word.start else None


def runs(df: Dockerfile, mention: str | None = None) -> Iterator[Run]:
    """The RUNs whose script can be edited (POSIX shell, shell form) and read by the lexer.

    `mention`: skip scripts that do not contain this text (most RUNs, cheaply)."""
    for instr in df.instructions:
        target = instr.sub if instr.cmd == "ONBUILD" and instr.sub is not None else instr
        script = run_script(df, target)
        if script is None or not script.editable:
            continue
        if mention is not None and mention not in script.text:
            continue
        try:
            cmds = commands(script.text)
        except LexError:
            continue
        yield Run(instr, script, cmds)
