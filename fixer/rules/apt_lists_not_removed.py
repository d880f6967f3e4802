"""DF003 `apt-lists-not-removed`: `apt-get update` lists left in the layer that downloaded them."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, Service, rule
from fixer.model.commands import RunScript, ScriptCommands, ToolCall, read_commands, runs, script_of
from fixer.edits.script import append_commands, insert_before
from fixer.model.stages import children, runs_in, shipped, stage_of
from fixer.model.mounts import cache_mounted
from fixer.syntax import Dockerfile, Instruction, Stage

LISTS = "/var/lib/apt/lists"
CLEANUP = "rm -rf /var/lib/apt/lists/*"
APT = ("apt-get", "apt")
# actions that download packages with the lists (the RUN that fills the lists)
INSTALLS = frozenset({"install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "satisfy"})
# actions of a later RUN that read the lists: without them they fail or silently do nothing
READS = INSTALLS | {"source", "download", "changelog"}


def updates(call: ToolCall) -> bool:
    return call.tool in APT and call.subcommand == "update"


def installs(call: ToolCall) -> bool:
    return call.tool in APT and call.subcommand in INSTALLS


def reads_lists(call: ToolCall) -> bool:
    return (call.tool in APT and call.subcommand in READS) or (call.tool == "apt-cache" and call.sub is not None)


def removes_lists(call: ToolCall) -> bool:
    """`rm -rf /var/lib/apt/lists/*` (or the directory, or a directory above it), `apt-get dist-clean`."""
    if call.tool in APT and call.subcommand == "dist-clean":
        return True
    if call.tool != "rm":
        return False
    for op in call.operands():
        path = op.rstrip("*").rstrip("/") if op.endswith(("/*", "/")) else op
        path = posixpath.normpath(path) if path else "/"
        if path.startswith(LISTS) or (path != "/" and LISTS.startswith(path + "/")):
            return True
    return False


@dataclass
class _Dependent:
    instr: Instruction
    run: RunScript
    cmds: ScriptCommands
    call: ToolCall


def _lists_use(df: Dockerfile, instr: Instruction) -> tuple[str, _Dependent | None] | None:
    """How a later RUN meets the lists: "refresh" (updates or removes them), "reads" (needs ours), None."""
    if cache_mounted(instr, LISTS):
        return None
    run = script_of(df, instr)
    if run is None:
        return None
    cmds = run.commands
    for call in cmds.calls:
        if updates(call) or removes_lists(call):
            return "refresh", None
        if reads_lists(call):
            return "reads", _Dependent(instr, run, cmds, call)
    return None


def dependents(df: Dockerfile, instr: Instruction) -> list[_Dependent]:
    """Later RUNs (this stage, its ONBUILD triggers, stages built FROM it) that read this RUN's lists."""
    out: list[_Dependent] = []

    def walk(stage: Stage, after: int) -> None:
        for later in runs_in(stage, after):
            use = _lists_use(df, later)
            if use is None:
                continue
            if use[1] is not None:
                out.append(use[1])
            return  # from here on the lists are that RUN's business
        for child in children(df, stage):
            walk(child, -1)

    stage = stage_of(df, instr)
    if stage is None:
        return out
    if instr.stage is None:  # an ONBUILD trigger: only the triggers after it run later
        for later in runs_in(stage):
            if later.stage is None and later.index > instr.index:
                use = _lists_use(df, later)
                if use is not None:
                    if use[1] is not None:
                        out.append(use[1])
                    break
        return out
    walk(stage, instr.index)
    return out


def _fix(df: Dockerfile, run: RunScript, cmds: ScriptCommands, instr: Instruction) -> Fix | str:
    edits = append_commands(run, cmds, [CLEANUP])
    if isinstance(edits, str):
        return edits
    extra: list[Edit] = []
    for dep in dependents(df, instr):
        edit = insert_before(dep.run, dep.cmds, dep.call.cmd, "apt-get update && ")
        if isinstance(edit, str):
            return f"the RUN on line {dep.instr.start_line} installs with these lists and cannot get its own update ({edit})"
        extra.append(edit)
    return Fix.safe(*edits, *extra)


@rule(
    "DF003",
    "apt-lists-not-removed",
    fixes=Fixes.SAFE,
    phrase="remove apt package lists",
    hadolint=("DL3009",),
    services=(Service.TARGET,),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds RUN instructions that run `apt-get update` (or `apt update`) and install packages without
    removing the package lists in the same RUN, and appends `&& rm -rf /var/lib/apt/lists/*` after the
    last command, as a new continuation line in the RUN's own style. Answers hadolint's DL3009.

    ## Why is this bad?
    `apt-get update` downloads 20-40 MB of package lists into `/var/lib/apt/lists`. A layer keeps every
    file it creates: removing them in a later RUN hides them but the image still carries them.

    A later RUN of the same stage (or of a stage built FROM it, or an ONBUILD trigger) that installs
    without its own `apt-get update` relies on those lists. The fix then also puts `apt-get update &&`
    in front of that install; where it cannot, the RUN is only reported.

    Skipped: RUNs that already remove the lists (`rm -rf /var/lib/apt/lists/*`, the directory or a parent,
    `apt-get dist-clean`, which hadolint does not know), RUNs with a cache or tmpfs mount on the lists
    (or a directory above them), and stages whose files never reach an image (neither the final stage nor
    the base of another stage), as in hadolint.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y curl
    ```
    Use instead:
    ```dockerfile
    RUN apt-get update && apt-get install -y curl \\
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    Safe: the lists are only read by apt, and every later RUN that reads them gets its own update. The
    cleanup is joined with `&&` (or with `;` under `set -e`), so a failing install still fails the build;
    in a heredoc RUN it is the body's last line, and without `set -e` the old last line ends in `&&`.
    Not fixed, only reported: `apt-get update` in a RUN that installs nothing (merge it with the RUN that
    installs, see DF002), exec-form RUNs, a SHELL that is not a POSIX shell, files whose escape is the
    backtick, a script ending in `exit`, `&` or a shell comment that hides the following lines. dockfix
    reads the Dockerfile only: a script the build copies in and runs is not looked into.
    """
    for run in runs(df):
        owner, cmds = run.owner, run.commands
        instr = run.instr
        if not shipped(df, owner.stage, ctx.target) or cache_mounted(instr, LISTS):
            continue
        if not any(updates(c) for c in cmds.calls) or any(removes_lists(c) for c in cmds.calls):
            continue
        if not any(installs(c) for c in cmds.calls):
            yield ctx.report(
                df,
                owner.start,
                "`apt-get update` in a RUN that installs nothing: its lists stay in this layer "
                "(run the update in the RUN that installs, see DF002)",
                instruction=owner.index,
            )
            continue
        fix = _fix(df, run, cmds, instr)
        message = "package lists from `apt-get update` are left in the image: remove them in the same RUN"
        if isinstance(fix, str):
            yield ctx.report(df, owner.start, f"{message} (not fixed: {fix})", instruction=owner.index)
        else:
            yield ctx.report(df, owner.start, message, fix=fix, instruction=owner.index)
