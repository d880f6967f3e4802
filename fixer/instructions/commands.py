"""Simple commands of the scripts RUN instructions run, with the file offsets of their words.

The lexer of `fixer.shell` delimits the commands (it reads scripts bashlex cannot, such as `case`);
`fixer.packages.script.run_script` gives the script and maps its characters back to the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fixer.packages.script import RunScript, run_script
from fixer.packages.commands import token_commands
from fixer.shell.lexer import LexError
from fixer.shell.model import Word
from fixer.syntax import Dockerfile, Instruction

@dataclass(frozen=True)
class Command:
    words: tuple[Word, ...]  # assignments and reserved words before the command word dropped

    @property
    def name(self) -> str:
        return self.words[0].value.rsplit("/", 1)[-1]


def commands(script: str) -> list[Command]:
    """Every simple command of `script` in order, `$(…)` contents not split out. Raises LexError."""
    return [Command(c.words) for c in token_commands(script)]


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
