"""DF037 relative-workdir: a relative WORKDIR becomes the absolute path it resolves to."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.copies import workdir_after, workdir_value
from fixer.model.words import args_span
from fixer.model.state import shell_at
from fixer.syntax import Dockerfile, Instruction

_WINDOWS = re.compile(r"^(?:[A-Za-z]:|\\)")


@rule(
    "DF037",
    "relative-workdir",
    fixes=Fixes.SAFE,
    phrase="make WORKDIR absolute",
    hadolint=("DL3000",),
    buildkit=("WorkdirRelativePath",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Makes a relative `WORKDIR` absolute when the stage's earlier `WORKDIR`s fix what it resolves to, or
    the base image's working directory is known to be `/` (`scratch`, `debian`, `ubuntu`, `alpine`, …): after `WORKDIR /app`, `WORKDIR src` becomes
    `WORKDIR /app/src`. Other relative `WORKDIR`s are reported.

    ## Why is this bad?
    A relative `WORKDIR` depends on the working directory before it, which may come from the base
    image and change with it; an absolute path says where the build runs. hadolint (DL3000) and
    BuildKit (`WorkdirRelativePath`) warn.

    ## Example
    ```dockerfile
    WORKDIR /app
    WORKDIR src
    ```
    Use instead:
    ```dockerfile
    WORKDIR /app
    WORKDIR /app/src
    ```

    ## Fix safety
    Safe: the path is the one Docker computes (joined and cleaned like Go's `path.Join`). The value is
    read as BuildKit reads it: `WORKDIR "/opt/app"` is absolute, and variables are expanded where the
    file fixes them (`ENV`); a value depending on a variable it does not fix (`${HOME}`, an `ARG`) may
    be absolute and is left alone. Relative paths written with variables, quotes or backslashes, and
    relative paths in Windows stages, are only reported.
    """
    for instr in df.instructions:
        if instr.cmd != "WORKDIR" or instr.stage is None:
            continue
        path = instr.args.strip()
        if not _relative(df, instr, path):
            continue
        # a Windows stage (cmd or PowerShell) resolves paths its own way: report only
        absolute = workdir_after(df, instr) if shell_at(df, instr).posix else None
        fix = None
        if absolute is not None and "$" not in path and _literal(absolute):
            sp = args_span(instr, 0, len(instr.args.rstrip()))
            fix = Fix.safe(Edit(sp[0], sp[1], absolute)) if sp else None
        yield ctx.report(
            df,
            instr.start,
            f"Relative `WORKDIR {path}`" + (f": write `{absolute}`" if absolute else " depends on the base image's working directory"),
            fix,
            instruction=instr.index,
        )


def _relative(df: Dockerfile, instr: Instruction, path: str) -> bool:
    """Whether BuildKit reads the WORKDIR value as a relative path: its expansion is known and does not
    start with `/`, or its first character, quotes removed, is a literal one that is not `/`."""
    value = workdir_value(df, instr)
    if value is not None:
        return not value.startswith("/") and not _WINDOWS.match(value) and not _WINDOWS.match(path)
    first = path.lstrip("\"'")[:1]
    return bool(first) and first not in ("/", "$", df.escape) and not _WINDOWS.match(path.lstrip("\"'"))


def _literal(text: str) -> bool:
    """A path that reads back as itself when written unquoted."""
    return not any(c in text for c in "$\"'\\`#") and not any(c.isspace() for c in text)
