"""The shared check of the rules that append a cache cleanup (yum, dnf, zypper): an install with no
cleanup after it in the same RUN gets the cleanup appended as the RUN's last step."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fixer.engine.finding import Finding, Fix
from fixer.engine.rules import RuleContext
from fixer.model.commands import ToolCall, runs
from fixer.edits.script import append_commands
from fixer.model.mounts import cache_mounted
from fixer.syntax import Dockerfile


@dataclass(frozen=True)
class CacheCleanup:
    tools: tuple[str, ...]  # canonical tool names (see `fixer.model.commands.ToolCall.tool`)
    fills: frozenset[str]  # actions that download metadata or packages into the cache
    cleans: Callable[[ToolCall, str], bool]  # (call, tool): the call is a command that empties that tool's cache
    # a cache/tmpfs mount on one of these keeps the cache out of the layer, and an `rm` of one cleans it
    cache_dirs: tuple[str, ...]
    commands: Callable[[str], list[str]]  # what to append for a tool


def removes_dir(call: ToolCall, *dirs: str) -> bool:
    """`rm -rf DIR`, `DIR/*` or something under DIR (the author takes care of that cache)."""
    if call.tool != "rm":
        return False
    return any(op.rstrip("*").rstrip("/").startswith(d) for op in call.operands() for d in dirs)


def _cleans(spec: CacheCleanup, call: ToolCall, tool: str) -> bool:
    return spec.cleans(call, tool) or removes_dir(call, *spec.cache_dirs)


def check_cleanup(df: Dockerfile, ctx: RuleContext, spec: CacheCleanup) -> Iterator[Finding]:
    for run in runs(df):
        owner, cmds = run.owner, run.commands
        if any(cache_mounted(run.instr, d) for d in spec.cache_dirs):
            continue
        missing: list[str] = []
        for tool in spec.tools:
            fills = [k for k, c in enumerate(cmds.calls) if c.tool == tool and c.action in spec.fills]
            if fills and not any(_cleans(spec, c, tool) for c in cmds.calls[fills[-1] + 1 :]):
                missing.append(tool)
        if not missing:
            continue
        new = [c for tool in missing for c in spec.commands(tool)]
        edits = append_commands(run, cmds, new)
        names = " and ".join(f"`{t}`" for t in missing)
        verb = "leaves" if len(missing) == 1 else "leave"
        message = f"{names} {verb} its package cache in the image: end the RUN with `{' && '.join(new)}`"
        if isinstance(edits, str):
            yield ctx.report(df, owner.start, f"{message} (not fixed: {edits})", instruction=owner.index)
        else:
            yield ctx.report(df, owner.start, message, fix=Fix.safe(*edits), instruction=owner.index)
