"""Images that must keep starting as root, and Windows images, whose accounts are names, not uids."""

from __future__ import annotations

import re

from fixer.data.base_families import DROPS, PRIVILEGE_DROPPERS, ROOT_SERVERS, Verdict
from fixer.model.commands import program_name, split_commands, unwrap
from fixer.nonroot.lineage import Lineage
from fixer.nonroot.run_commands import run_text
from fixer.model.shells import parse_shell_instruction
from fixer.model.state import start_state
from fixer.shell.lexer import LexError
from fixer.shell.model import Word
from fixer.syntax import Dockerfile, Instruction
from fixer.syntax.buildkit import parse_json


def _program(instr: Instruction) -> str | None:
    """The program a CMD/ENTRYPOINT starts, behind wrappers (`exec`, `sudo`, `gosu app` …): the exec form's
    first word, or the shell form's first simple command read as the shell reads it."""
    if instr.json:
        words = tuple(Word(a, a, 0, 0) for a in parse_json(instr.args) or [])
    else:
        try:
            commands = split_commands(instr.args)
        except LexError:
            return None
        words = commands[0].words if commands else ()
    at = unwrap(words)
    return program_name(words[at].value) if at < len(words) else None


def starts_as_root(lin: Lineage, verdict: Verdict | None) -> str | None:
    """Why the image is meant to start as root and step down by itself, or None."""
    if verdict is not None and verdict.kind == DROPS:
        return verdict.reason
    last: dict[str, Instruction] = {}
    for instr in lin.instructions():
        if instr.cmd in ("CMD", "ENTRYPOINT"):
            last[instr.cmd] = instr
        if instr.cmd == "RUN":
            text = run_text(instr)
            for helper in PRIVILEGE_DROPPERS:
                if re.search(rf"(?<![\w-]){re.escape(helper)}(?![\w-])", text):
                    return f"it installs {helper}, so its entrypoint steps down from root itself"
    for instr in last.values():
        prog = _program(instr)
        if prog is not None and (prog in ROOT_SERVERS or prog.startswith("php-fpm")):
            return ROOT_SERVERS.get(prog, ROOT_SERVERS["php-fpm"])
    return None


# what only Windows builds run: PowerShell cmdlets, Chocolatey, installers, drive-letter paths
_WINDOWS_RUN = re.compile(r"(?i)\b(?:powershell|pwsh|choco|msiexec|Invoke-WebRequest|Expand-Archive|setx)\b|\b[A-Z]:\\")


def looks_windows(df: Dockerfile, lin: Lineage) -> bool:
    """For an image we do not know: does the Dockerfile read like a Windows build?"""
    if df.escape == "`" or not start_state(df, lin.stages[0]).posix:
        return True
    return any(
        (i.cmd == "SHELL" and not parse_shell_instruction(i).posix) or (i.cmd == "RUN" and _WINDOWS_RUN.search(i.logical))
        for i in lin.instructions()
    )
