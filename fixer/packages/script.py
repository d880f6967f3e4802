"""The shell script a RUN instruction runs, and where each of its characters sits in the file.

A RUN runs one of:
- its shell-form arguments (`RUN apt-get update && …`, continuation lines joined as BuildKit joins them);
- the body of its only heredoc (`RUN <<EOF`, or `RUN <<EOF bash` / `RUN bash <<EOF`: a shell reading it);
- its arguments followed by heredoc bodies the shell reads as data (`RUN cat <<EOF > /etc/x`).
Exec form, a non-POSIX SHELL (PowerShell, cmd), a Windows base image and the backtick escape still give
a script to look at, with `refusal` saying why it must not be edited.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from fixer.model.shells import POSIX_SHELLS, program, shell_from_argv
from fixer.model.state import shell_at
from fixer.syntax import Dockerfile, Heredoc, Instruction

_MARKER = re.compile(r"""^(\d*)<<(-?)(['"]?)([^'"\s]+)\3$""")
_OPTION_E = re.compile(r"^-[A-Za-z]*e[A-Za-z]*$")  # `set -eux`


@dataclass
class RunScript:
    df: Dockerfile
    instr: Instruction
    text: str
    heredoc: Heredoc | None = None  # the heredoc whose body is the whole script
    errexit: bool = False  # `-e` given by SHELL, the shebang or `bash -e <<EOF`
    refusal: str | None = None  # why the script may be read but not edited
    # `RUN cmd <<EOF`: the script is the arguments, a newline, then the bodies from this script index on
    tail_at: int | None = None

    @property
    def editable(self) -> bool:
        return self.refusal is None

    def offset(self, i: int) -> int:
        """File offset of script character `i`."""
        if self.heredoc is not None:
            return self.heredoc.body_start + i
        if self.tail_at is not None and i >= self.tail_at:
            return self.instr.heredocs[0].body_start + (i - self.tail_at)
        return self.instr.file_offset(self.instr.args_start + i)

    def end_offset(self, i: int) -> int:
        """File offset just past script character `i - 1` (where text typed after it goes)."""
        return self.offset(0) if i <= 0 else self.offset(i - 1) + 1


def posix_refusal(df: Dockerfile, instr: Instruction) -> tuple[str | None, bool]:
    """(why the RUN's shell is not one we can edit for, whether it starts with errexit)."""
    shell = shell_at(df, instr)  # a trigger: the shell its stage ends with
    if not shell.posix:
        return f"the RUN's shell `{' '.join(shell.argv) or '[]'}` is not a POSIX shell", False
    if df.escape != "\\":
        return "the file's escape character is a backtick", shell.errexit
    return None, shell.errexit


def _shebang(body: str) -> tuple[str | None, list[str]]:
    if not body.startswith("#!"):
        return None, []
    argv = body[2:].split("\n", 1)[0].split()
    if not argv:
        return None, []
    if program(argv[0]) == "env" and len(argv) > 1:
        argv = argv[1:]
    return program(argv[0]), argv


def _heredoc_runner(args: str, doc: Heredoc) -> tuple[bool, list[str]] | None:
    """For `<<EOF`, `<<EOF bash`, `sh -e <<EOF`: (the body is the whole script, the shell's argv)."""
    words = args.split()
    markers = [w for w in words if _MARKER.match(w)]
    if len(markers) != 1 or len([w for w in words if "<<" in w]) != 1:
        return None
    rest = [w for w in words if w is not markers[0]]
    if not rest:
        return True, []
    if program(rest[0]) in POSIX_SHELLS and all(w.startswith("-") and w not in ("-c",) for w in rest[1:]):
        return True, rest
    return None


def run_script(df: Dockerfile, instr: Instruction) -> RunScript | None:
    """The script `instr` runs (for ONBUILD, pass the trigger instruction); None when not a RUN."""
    if instr.cmd != "RUN":
        return None
    refusal, errexit = posix_refusal(df, instr)
    if instr.json:
        from fixer.syntax.buildkit import parse_json

        argv = parse_json(instr.args) or []  # the parser already read it as exec form
        if len(argv) >= 3 and program(argv[0]) in POSIX_SHELLS and "-c" in argv[1:-1]:
            text = argv[argv.index("-c", 1) + 1]
        else:
            text = shlex.join(argv)
        return RunScript(df, instr, text, refusal="the RUN is in exec (JSON) form")
    if not instr.heredocs:
        return RunScript(df, instr, instr.args, errexit=errexit, refusal=refusal)
    doc = instr.heredocs[0]
    runner = _heredoc_runner(instr.args, doc) if len(instr.heredocs) == 1 else None
    if runner is not None:
        body = df.text[doc.body_start : doc.body_end]
        interp, argv = _shebang(body)
        if interp is not None and not runner[1]:
            if interp not in POSIX_SHELLS:
                refusal = refusal or f"the heredoc is a {interp} script"
            errexit = shell_from_argv(argv).errexit
        elif runner[1]:
            errexit = shell_from_argv(runner[1]).errexit
        if "\r" in body:
            # BuildKit hands the body over with its carriage returns: the shell reads `cmd\r`
            refusal = refusal or "the heredoc has CRLF line endings, which the shell does not strip"
        return RunScript(df, instr, body, heredoc=doc, errexit=errexit, refusal=refusal)
    # the shell reads the bodies as data for the commands on the RUN line
    tail = df.text[doc.body_start : instr.heredocs[-1].terminator.end]
    return RunScript(
        df,
        instr,
        instr.args + "\n" + tail,
        errexit=errexit,
        refusal=refusal or "the RUN line's heredoc is read by its commands",
        tail_at=len(instr.args) + 1,
    )


def set_errexit(words: list[str]) -> bool:
    """`set -e`, `set -eux`, `set -o errexit` (the words after `set`)."""
    for i, w in enumerate(words):
        if _OPTION_E.match(w) or (w == "-o" and words[i + 1 : i + 2] == ["errexit"]):
            return True
    return False
