"""Which shell runs a shell-form instruction, and whether it is a POSIX shell dockfix can read and edit.

A stage FROM an image starts with the image's default: `/bin/sh -c`, or `cmd /S /C` for a Windows
image. A file whose escape character is a backtick is a Windows build too: that is the escape Windows
Dockerfiles use so that `C:\\path` needs no doubling. The SHELL instruction changes it from there on
(see `fixer.model.state` for the walk that carries it through a stage and into stages built from it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from fixer.model.base_image import base_reference
from fixer.model.memo import per_file
from fixer.model.stages import root
from fixer.model.variables import global_args, substitute
from fixer.syntax import Dockerfile, Instruction, Stage

# Programs that read `-c script` the POSIX way. `busybox sh` / `busybox ash` are handled by name.
POSIX_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "ksh93", "yash", "posh"})
# `powershell` is no sign: PowerShell's images are mostly Linux ones (`RUN pwsh -c …` runs under /bin/sh)
_WINDOWS_IMAGE = re.compile(r"windows|nanoserver|servercore|dotnet/framework", re.IGNORECASE)


def program(path: str) -> str:
    """The program a path runs, as a lower-case name: `C:\\Windows\\cmd.exe` is `cmd`, `/bin/bash` is `bash`."""
    base = re.split(r"[\\/]", path)[-1].lower()
    return base.removesuffix(".exe")


@dataclass(frozen=True)
class Shell:
    argv: tuple[str, ...]  # e.g. ("/bin/sh", "-c"); () for a SHELL dockfix cannot read
    posix: bool
    errexit: bool  # the shell starts with `-e` (so `set -e` semantics apply to every RUN)

    @property
    def name(self) -> str:
        return program(self.argv[0]) if self.argv else ""


DEFAULT = Shell(("/bin/sh", "-c"), posix=True, errexit=False)
WINDOWS = Shell(("cmd", "/S", "/C"), posix=False, errexit=False)
UNREADABLE = Shell((), posix=False, errexit=False)


def shell_from_argv(argv: list[str] | tuple[str, ...]) -> Shell:
    if not argv:
        return UNREADABLE
    name = program(argv[0])
    rest = list(argv[1:])
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


def is_posix_program(argv: list[str] | tuple[str, ...]) -> bool:
    return shell_from_argv(argv).posix


def parse_shell_instruction(instr: Instruction) -> Shell:
    """The shell a SHELL instruction sets (its JSON array); UNREADABLE when it is not a string array."""
    try:
        argv = json.loads(instr.args)
    except ValueError:
        return UNREADABLE
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        return UNREADABLE
    return shell_from_argv(argv)


def windows_image(reference: str) -> bool:
    return bool(_WINDOWS_IMAGE.search(reference))


@per_file
def image_shell(df: Dockerfile, stage: Stage) -> Shell:
    """The default shell of the image at the bottom of the stage's FROM chain."""
    if df.escape == "`":
        return WINDOWS
    reference = base_reference(df, stage)
    if reference is None:
        # a variable hides part of the image: what the known ARGs fill in may still say Windows
        known = {k: v for k, v in global_args(df).items() if v is not None}
        reference = substitute(root(df, stage).base, known)
    text = reference
    return WINDOWS if windows_image(text) else DEFAULT
