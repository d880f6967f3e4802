"""The shell script structure the rules look at: lists, and-or lists, pipelines, commands, words.

Every node keeps its character span in the script it was parsed from, so a rule can map it back to
file offsets through `Instruction.offsets`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

CompoundKind = Literal["subshell", "brace", "if", "for", "while", "until", "case", "function"]


@dataclass(frozen=True)
class Op:
    """A control operator: `&&`, `||`, `;`, `&`, `|`, `|&`, or `\\n` for a newline separator."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Word:
    raw: str  # as written
    value: str  # after quote removal; expansions kept as written
    start: int
    end: int


@dataclass(frozen=True)
class Redirect:
    op: str  # `>`, `2>&1`'s `>&`, `<<` …
    start: int
    end: int
    target: Word | None  # None for `2>&1`-style descriptor duplication


@dataclass
class Simple:
    """A simple command: `NAME=value … word … redirections`."""

    start: int
    end: int
    assignments: list[Word]
    words: list[Word]  # command name first; redirection targets are not here
    redirects: list[Redirect]
    # lists run in a subshell from `$(…)`, backquotes and `<(…)` inside this command's words
    substitutions: list[CommandList] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        """The command word as the shell sees it (quotes removed), None for a bare assignment."""
        return self.words[0].value if self.words else None

    @property
    def args(self) -> list[str]:
        return [w.value for w in self.words[1:]]


@dataclass
class Compound:
    """`( … )`, `{ …; }`, if/for/while/until/case, or a function definition (`kind == "function"`)."""

    kind: CompoundKind
    start: int
    end: int
    bodies: list[CommandList]  # every list inside, in order (conditions included)
    redirects: list[Redirect] = field(default_factory=list)
    name: str | None = None  # the function's name
    words: list[Word] = field(default_factory=list)  # `for x in WORDS`, `case WORD`
    substitutions: list[CommandList] = field(default_factory=list)

    @property
    def subshell(self) -> bool:
        """True when the bodies run in a child process, so their shell state cannot leak out."""
        return self.kind == "subshell"


Command = Simple | Compound


@dataclass
class Pipeline:
    commands: list[Command]
    pipes: list[Op]
    bang: bool
    start: int
    end: int


@dataclass
class AndOr:
    """Pipelines joined by `&&` / `||` (left-associative, equal precedence)."""

    pipelines: list[Pipeline]
    ops: list[Op]

    @property
    def start(self) -> int:
        return self.pipelines[0].start

    @property
    def end(self) -> int:
        return self.pipelines[-1].end


@dataclass
class Item:
    """One and-or list and the separator after it (`;`, `&`, newline, or None at the end)."""

    and_or: AndOr
    terminator: Op | None


@dataclass
class CommandList:
    items: list[Item]

    def commands(self) -> Iterator[Command]:
        """The commands of this list's pipelines in order (compounds not entered)."""
        for item in self.items:
            for pl in item.and_or.pipelines:
                yield from pl.commands


@dataclass
class Script:
    text: str
    body: CommandList
    comments: list[tuple[int, int]]  # spans of `# …` comments
    heredocs: list[tuple[int, int]]  # spans of here-document bodies (terminator line included)

    @property
    def code_end(self) -> int:
        """Index just past the last character that is not a comment or trailing blank."""
        items = self.body.items
        if not items:
            return 0
        last = items[-1]
        end = last.terminator.end if last.terminator and last.terminator.text != "\n" else last.and_or.end
        for start, stop in self.heredocs:
            if start >= end:
                end = max(end, stop)
        return end
