"""DF006 `apk-cache-kept`: `apk add` without `--no-cache`."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.commands import RunScript, ScriptCommands, ToolCall, read_commands, runs, script_of
from fixer.edits.script import drop_command, insert_after
from fixer.model.stages import children, runs_in, stage_of
from fixer.model.mounts import cache_mounted
from fixer.syntax import Dockerfile, Instruction, Stage

CACHE = "/var/cache/apk"
# apk actions that neither read the index a dropped `apk update` would have fetched nor write the cache
_INDEX_FREE = frozenset({"add", "del", "update"})


def needs_no_cache(call: ToolCall) -> bool:
    return call.tool == "apk" and call.subcommand == "add" and not call.has_long("--no-cache")


def _cache_rm(call: ToolCall) -> bool:
    ops = call.operands()
    return call.tool == "rm" and bool(ops) and all(_in_cache(op) for op in ops)


def _in_cache(op: str) -> bool:
    return op.rstrip("*").rstrip("/").startswith(CACHE)


def _later_reads_index(df: Dockerfile, instr: Instruction, ctx: RuleContext) -> bool:
    """A later RUN (stage, ONBUILD triggers, stages built FROM it) runs apk on the index this RUN
    fetched, before any `apk update` of its own."""

    def use(later: Instruction) -> str | None:
        run = script_of(df, later)
        if run is None:
            return None
        silenced = ctx.silenced(df, later.index)
        fixed = run.editable and not silenced  # its adds get --no-cache too
        for call in run.commands.calls:
            if (call.tool == "apk" and call.subcommand == "update") or _cache_rm(call):
                return "refresh"
            if call.tool != "apk" or call.subcommand == "del" or (call.subcommand == "add" and fixed):
                continue
            return "reads"
        return None

    def walk(stage: Stage, after: int) -> bool:
        for later in runs_in(stage, after):
            verdict = use(later)
            if verdict is not None:
                return verdict == "reads"
        return any(walk(c, -1) for c in children(df, stage))

    stage = stage_of(df, instr)
    return stage is not None and walk(stage, instr.index)


def _drops(df: Dockerfile, run: RunScript, cmds: ScriptCommands, ctx: RuleContext) -> list[Edit]:
    """Delete `apk update` and `rm -rf /var/cache/apk/*` when `--no-cache` leaves them nothing to do."""
    apk = cmds.of("apk")
    if any(c.subcommand not in _INDEX_FREE for c in apk):
        return []
    updates = [c for c in apk if c.subcommand == "update"]
    rms = [c for c in cmds.of("rm") if _cache_rm(c)]
    if updates and not rms and _later_reads_index(df, run.instr, ctx):
        return []
    edits: list[Edit] = []
    for c in updates:
        e = drop_command(run, cmds, c.cmd)
        if isinstance(e, str):
            return []  # an update that stays fills the cache: the rm must stay too
        edits.append(e)
    for c in rms:
        e = drop_command(run, cmds, c.cmd)
        if isinstance(e, Edit):
            edits.append(e)
    return edits


@rule(
    "DF006",
    "apk-cache-kept",
    fixes=Fixes.SAFE,
    phrase="drop the apk cache",
    hadolint=("DL3019",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `apk add` without `--no-cache` and adds the option after `add`. In the same RUN, an
    `apk update` and an `rm -rf /var/cache/apk/*` that only served the cache are then removed. Answers
    hadolint's DL3019.

    ## Why is this bad?
    Without `--no-cache`, apk stores the package index (and with a cache directory, the packages) under
    `/var/cache/apk` in the layer. `apk add --no-cache` fetches a fresh index for the command and keeps
    nothing, which also makes `apk update` and a cleanup `rm` unnecessary.

    ## Example
    ```dockerfile
    RUN apk update && apk add curl && rm -rf /var/cache/apk/*
    ```
    Use instead:
    ```dockerfile
    RUN apk add --no-cache curl
    ```

    ## Fix safety
    Safe: `--no-cache` only changes where apk keeps the index, not what it installs. `apk update` is
    removed only when every apk command of the RUN is `add`/`del` and no later RUN of the stage (or of a
    stage built FROM it) runs apk on the index it fetched; the `rm` only when the update goes too. A
    command joined by `||`, inside `if`/loops, or next to a comment is kept. Skipped when the RUN mounts
    a cache or tmpfs on `/var/cache/apk` or `/etc/apk/cache`. Reported without a fix in exec-form RUNs,
    under a non-POSIX SHELL and with the backtick escape.
    """
    for run in runs(df):
        owner, cmds = run.owner, run.commands
        adds = [c for c in cmds.calls if needs_no_cache(c)]
        if not adds or cache_mounted(run.instr, CACHE) or cache_mounted(run.instr, "/etc/apk/cache"):
            continue
        message = "`apk add` without `--no-cache` keeps the package index in the image"
        if not run.editable:
            yield ctx.report(df, owner.start, f"{message} (not fixed: {run.refusal})", instruction=owner.index)
            continue
        edits = [insert_after(run, c, "--no-cache") for c in adds] + _drops(df, run, cmds, ctx)
        yield ctx.report(df, owner.start, message, fix=Fix.safe(*edits), instruction=owner.index)

