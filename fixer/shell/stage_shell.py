"""Which shell runs a shell-form RUN: the stage's SHELL, inherited from the stage it is built FROM.

A stage FROM an image starts with the image's default (`/bin/sh -c`, or `cmd /S /C` on Windows
images); a stage FROM an earlier stage starts with the SHELL that stage ended with.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from fixer.syntax import Dockerfile, Instruction, Stage

POSIX_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "ksh93", "yash", "posh"})
_WINDOWS_IMAGE = re.compile(r"windows|nanoserver|servercore|powershell|dotnet/framework", re.IGNORECASE)
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


@dataclass(frozen=True)
class Shell:
    argv: tuple[str, ...]  # e.g. ("/bin/sh", "-c")
    posix: bool
    errexit: bool  # the shell starts with `-e` (so `set -e` semantics apply to every RUN)

    @property
    def name(self) -> str:
        return _basename(self.argv[0]) if self.argv else ""


DEFAULT = Shell(("/bin/sh", "-c"), posix=True, errexit=False)
WINDOWS = Shell(("cmd", "/S", "/C"), posix=False, errexit=False)


def _basename(path: str) -> str:
    base = re.split(r"[\\/]", path)[-1].lower()
    return base[:-4] if base.endswith(".exe") else base


def shell_from_argv(argv: list[str]) -> Shell:
    if not argv:
        return Shell((), posix=False, errexit=False)
    name = _basename(argv[0])
    rest = argv[1:]
    if name == "busybox" and rest and rest[0] in ("sh", "ash"):
        name, rest = rest[0], rest[1:]
    errexit = False
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "-o" and i + 1 < len(rest):
            errexit = errexit or rest[i + 1] == "errexit"
            i += 2
            continue
        if a.startswith("-") and not a.startswith("--") and "e" in a[1:]:
            errexit = True
        i += 1
    return Shell(tuple(argv), posix=name in POSIX_SHELLS, errexit=errexit)


def parse_shell_instruction(instr: Instruction) -> Shell:
    try:
        argv = json.loads(instr.args)
    except ValueError:
        return Shell((), posix=False, errexit=False)
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        return Shell((), posix=False, errexit=False)
    return shell_from_argv(argv)


def _global_args(df: Dockerfile) -> dict[str, str]:
    out: dict[str, str] = {}
    for instr in df.instructions:
        if instr.stage is not None:
            break
        if instr.cmd == "ARG":
            for word in instr.args.split():
                name, _, value = word.partition("=")
                out[name] = value.strip("'\"")
    return out


def _image_shell(df: Dockerfile, base: str) -> Shell:
    args = _global_args(df)
    image = _VAR.sub(lambda m: args.get(m.group(1), m.group(0)), base)
    return WINDOWS if _WINDOWS_IMAGE.search(image) else DEFAULT


def _shellopts(instructions: list[Instruction]) -> bool:
    """bash reads `SHELLOPTS` from the environment at start: `ENV SHELLOPTS=errexit` acts like `-e`."""
    return any(i.cmd in ("ENV", "ARG") and "SHELLOPTS" in i.args for i in instructions)


def shell_at(df: Dockerfile, instr: Instruction) -> Shell:
    """The shell that runs `instr` (a shell-form instruction of a stage)."""
    stage = instr.stage
    if stage is None:
        return DEFAULT
    shell = stage_start_shell(df, stage)
    seen: list[Instruction] = []
    for i in stage.instructions:
        if i is instr:
            break
        seen.append(i)
        if i.cmd == "SHELL":
            shell = parse_shell_instruction(i)
    if not shell.errexit and shell.name == "bash" and _shellopts(_lineage(stage, seen)):
        shell = Shell(shell.argv, shell.posix, errexit=True)
    return shell


def _lineage(stage: Stage, seen: list[Instruction]) -> list[Instruction]:
    out = list(seen)
    parent = stage.parent
    depth = 0
    while parent is not None and depth < 64:
        out.extend(parent.instructions)
        parent = parent.parent
        depth += 1
    return out


def stage_start_shell(df: Dockerfile, stage: Stage, _depth: int = 0) -> Shell:
    if stage.parent is None or _depth > 64:
        return _image_shell(df, stage.base)
    shell = stage_start_shell(df, stage.parent, _depth + 1)
    for i in stage.parent.instructions:
        if i.cmd == "SHELL":
            shell = parse_shell_instruction(i)
    return shell
