"""DF012 `apt-install-recommends`: `apt-get install` without `--no-install-recommends`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fixer.engine.finding import Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.commands import ToolCall, runs, script_of
from fixer.edits.script import insert_after
from fixer.model.memo import per_file
from fixer.model.stages import chain, stage_of
from fixer.syntax import Dockerfile, Instruction, Stage

_OFF = r"(?:0|false|no|off)"
# `-o APT::Install-Recommends=false` on the command line
_OPTION = re.compile(rf"^(?:--option=|-o)?APT::Install-Recommends={_OFF}$", re.IGNORECASE)
# `APT::Install-Recommends "0";` written to an apt.conf.d file by an earlier RUN
_CONFIG = re.compile(rf"""APT::Install-Recommends\W+{_OFF}\b""", re.IGNORECASE)


def _disabled(call: ToolCall) -> bool:
    return call.has_long("--no-install-recommends") or any(_OPTION.match(v) for v in call.values()) or any(
        re.match(rf"^--install-recommends={_OFF}$", v, re.I) for v in call.values()
    )


@per_file
def _first_config(df: Dockerfile, stage: Stage) -> int | None:
    """Index of the stage's first RUN that turns recommends off in apt.conf.d; read once per stage, not
    once per install (a scan per install made a file of many RUNs quadratic)."""
    for i in stage.instructions:
        run = script_of(df, i)
        if run is not None and _CONFIG.search(run.text):
            return i.index
    return None


def _configured_off(df: Dockerfile, instr: Instruction) -> bool:
    """An earlier RUN of this stage (or a stage it is built FROM) turned recommends off in apt.conf.d."""
    own = stage_of(df, instr)
    for st in chain(df, own):
        first = _first_config(df, st)
        if first is not None and (st is not own or first < instr.index):
            return True
    return False


@rule(
    "DF012",
    "apt-install-recommends",
    fixes=Fixes.UNSAFE,
    phrase="skip recommended packages",
    hadolint=("DL3015",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `apt-get install` (and `apt install`) without `--no-install-recommends` and offers to add it
    after `install`. Answers hadolint's DL3015.

    ## Why is this bad?
    By default apt also installs every package the requested ones *recommend*: documentation, optional
    tools, often tens of megabytes an image never uses.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y python3
    ```
    Use instead:
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends python3
    ```

    ## Fix safety
    Unsafe: it changes what gets installed. A recommended package can be one the image needs: `curl`
    recommends `ca-certificates`, and without it every HTTPS download fails; `git` loses `openssh-client`.
    Review the image after applying it (`--unsafe-fixes`). Skipped when the command already turns
    recommends off (`-o APT::Install-Recommends=false`) or an earlier RUN of the stage writes
    `APT::Install-Recommends "0"` into apt's configuration.
    """
    for run in runs(df):
        owner, cmds = run.owner, run.commands
        calls = [c for c in cmds.of("apt-get", "apt") if c.subcommand == "install" and not _disabled(c)]
        if not calls or _configured_off(df, run.instr):
            continue
        message = "`apt-get install` also installs recommended packages: consider `--no-install-recommends`"
        if not run.editable:
            yield ctx.report(df, owner.start, f"{message} (not fixed: {run.refusal})", instruction=owner.index)
            continue
        edits = [insert_after(run, c, "--no-install-recommends", after_flags=True) for c in calls]
        yield ctx.report(df, owner.start, message, fix=Fix.unsafe(*edits), instruction=owner.index)
