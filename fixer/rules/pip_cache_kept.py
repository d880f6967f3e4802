"""DF010 `pip-cache-kept`: `pip install` without `--no-cache-dir`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fixer.engine.finding import Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.commands import ToolCall, runs
from fixer.edits.script import insert_after
from fixer.model.stages import chain, stage_of
from fixer.model.state import value_at
from fixer.model.mounts import cache_mounted, mounted_matching
from fixer.syntax import Dockerfile, Instruction

# distributions whose packaged pip predates `--no-cache-dir` (pip 6.0, December 2014)
_OLD_PIP_BASE = re.compile(
    r"^(?:docker\.io/)?(?:library/)?(?:ubuntu:(?:12\.04|14\.04|precise|trusty)|debian:(?:7|8|wheezy|jessie)"
    r"|centos:6|centos:centos6)(?:[.@-].*)?$",
    re.IGNORECASE,
)


# pip's default cache, `~/.cache/pip`, or the `~/.cache` above it, for whichever user runs pip
_PIP_CACHE_MOUNT = re.compile(r"(^|/)\.cache(/pip)?$")


def needs_no_cache_dir(call: ToolCall) -> bool:
    return (
        call.tool == "pip"
        and call.subcommand == "install"
        and not call.has_long("--no-cache-dir", "--cache-dir")
    )


def _old_pip(df: Dockerfile, instr: Instruction) -> bool:
    stages = chain(df, stage_of(df, instr))
    return bool(stages) and bool(_OLD_PIP_BASE.match(stages[-1].base.strip()))


@rule(
    "DF010",
    "pip-cache-kept",
    fixes=Fixes.SOMETIMES,
    phrase="disable the pip cache",
    hadolint=("DL3042",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `pip install` (also `pip3`, `pip3.12`, `python -m pip`) without `--no-cache-dir` and adds the
    option after `install`. Answers hadolint's DL3042.

    ## Why is this bad?
    pip keeps every wheel it downloads or builds in `~/.cache/pip`. In an image that cache is never used
    again, and it often weighs as much as the installed packages.

    ## Example
    ```dockerfile
    RUN pip install -r requirements.txt
    ```
    Use instead:
    ```dockerfile
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Fix safety
    Safe: the option changes where pip caches, not what it installs. Skipped when `PIP_NO_CACHE_DIR` is
    set (ENV, ARG, or in the RUN), when a cache or tmpfs mount is on `~/.cache/pip`, `~/.cache` or
    `$PIP_CACHE_DIR`, when the command names its own `--cache-dir`, and for `pipx`/`pipenv`. The fix is unsafe on base images whose packaged
    pip predates the option (Ubuntu 14.04 and older, Debian 8 and older, CentOS 6): there pip rejects it.
    Reported without a fix in exec-form RUNs, under a non-POSIX SHELL and with the backtick escape.
    """
    for run in runs(df):
        owner, cmds = run.owner, run.commands
        calls = [c for c in cmds.calls if needs_no_cache_dir(c)]
        if not calls or mounted_matching(run.instr, _PIP_CACHE_MOUNT):
            continue
        if value_at(df, run.instr, "PIP_NO_CACHE_DIR") is not None or "PIP_NO_CACHE_DIR=" in run.text:
            continue
        cache_dir = value_at(df, run.instr, "PIP_CACHE_DIR")
        if cache_dir and cache_mounted(run.instr, cache_dir):
            continue
        message = "`pip install` without `--no-cache-dir` keeps pip's download cache in the image"
        if not run.editable:
            yield ctx.report(df, owner.start, f"{message} (not fixed: {run.refusal})", instruction=owner.index)
            continue
        edits = [insert_after(run, c, "--no-cache-dir") for c in calls]
        if _old_pip(df, run.instr):
            fix = Fix.unsafe(*edits)
            message += " (the base image's pip may predate the option: unsafe fix)"
        else:
            fix = Fix.safe(*edits)
        yield ctx.report(df, owner.start, message, fix=fix, instruction=owner.index)
