"""The commands a RUN executes, as DF005 reads them: unwrapped words, and whether sudo ran them."""

from __future__ import annotations

from fixer.model.commands import program_name, script_of
from fixer.shell.model import Word
from fixer.syntax import Dockerfile, Instruction


def run_text(instr: Instruction) -> str:
    """A RUN's line and its here-document bodies, one per line: what a cheap `re.search` may look at."""
    return "\n".join([instr.logical, *(h.content for h in instr.heredocs)])


class Unread(Exception):
    """The RUN's script could not be split into commands."""


def run_commands(df: Dockerfile, instr: Instruction) -> list[tuple[tuple[Word, ...], bool]]:
    """The words of each simple command of a RUN behind its wrappers (`sudo -E`, `env X=1`), with
    whether sudo was one of the wrappers. Raises Unread."""
    script = script_of(df, instr)
    if script is None:
        return []
    cmds = script.commands
    if cmds.error is not None:
        raise Unread(cmds.error)
    out: list[tuple[tuple[Word, ...], bool]] = []
    for cmd in cmds.commands:
        at = cmd.program
        sudo = any(program_name(w.value) in ("sudo", "doas") for w in cmd.words[:at])
        out.append((cmd.words[at:], sudo))
    return out
