"""DF037 relative-workdir: a relative WORKDIR becomes the absolute path it resolves to."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.instructions.copies import workdir_after
from fixer.instructions.edits import args_span
from fixer.model.state import shell_at
from fixer.syntax import Dockerfile

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
    Safe: the path is the one Docker computes (joined and cleaned like Go's `path.Join`). Paths with
    variables, quotes or backslashes, and relative paths in Windows stages, are only reported.
    """
    for instr in df.instructions:
        if instr.cmd != "WORKDIR" or instr.stage is None:
            continue
        path = instr.args.strip()
        if not path or path.startswith(("/", "$")) or _WINDOWS.match(path):
            continue
        # a Windows stage (cmd or PowerShell) resolves paths its own way: report only
        absolute = workdir_after(instr) if shell_at(df, instr).posix else None
        fix = None
        if absolute is not None:
            sp = args_span(instr, 0, len(instr.args.rstrip()))
            fix = Fix.safe(Edit(sp[0], sp[1], absolute)) if sp else None
        yield ctx.report(
            df,
            instr.start,
            f"Relative `WORKDIR {path}`" + (f": write `{absolute}`" if absolute else " depends on the base image's working directory"),
            fix,
            instruction=instr.index,
        )
