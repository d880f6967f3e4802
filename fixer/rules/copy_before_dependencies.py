"""DF004: a COPY of the build context placed before steps that do not need it."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

from fixer.deps.context import BuildContext
from fixer.deps.copies import CARRIED_FLAGS
from fixer.deps.moves import Replacement, last_word_span, move_after
from fixer.deps.plan import Plan
from fixer.deps.plan import plan as make_plan
from fixer.deps.stage import states
from fixer.engine.finding import Finding, Fix
from fixer.engine.rules import RuleContext, rule
from fixer.syntax import Dockerfile


def build_context(ctx: RuleContext) -> BuildContext | None:
    """The build context folder: `--context`, else the Dockerfile's folder; None when unknown."""
    root: Path | None = ctx.context_dir
    if root is None and ctx.path is not None:
        root = ctx.path.resolve().parent
    if root is None or not root.is_dir():
        return None
    return BuildContext(root, ctx.path)


def _summary(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _keyword(original: str) -> str:
    return "copy" if original.islower() else "COPY"


def _manifest_lines(df: Dockerfile, plan: Plan, context: BuildContext | None) -> str | None:
    """The COPY lines for a split's manifests, grouped by folder; None when a path cannot be written."""
    assert plan.split is not None
    copy = plan.copy
    flags = "".join(f.raw + " " for f in copy.instr.flags if f.name in CARRIED_FLAGS)
    groups: dict[str, list[str]] = {}
    for f in plan.split.files:
        if f.startswith("../") or any(c in f for c in " \t\"'$\\`"):
            return None
        is_dir = context is not None and context.is_dir(f)
        groups.setdefault(f if is_dir else posixpath.dirname(f) or ".", []).append(f)
    base = copy.dst_text
    lines = []
    for folder, sources in groups.items():
        if folder == ".":
            dst = base if base.endswith("/") or base == "." else base + "/"
        else:
            dst = base.rstrip("/") + "/" + folder + "/"
        lines.append(f"{_keyword(copy.instr.keyword)} {flags}{' '.join(sources)} {dst}{df.newline}")
    return "".join(lines)


@rule("DF004", "copy-before-dependencies")
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds a `COPY` or `ADD` of the build context that comes before steps which do not use what it
    copies, and moves it after them. A `COPY . <dst>` followed by a dependency install that needs only
    the manifests (`requirements.txt`, `package.json` and its lock file, `go.mod`, `Gemfile` …) is
    split: the manifests are copied first, then the install runs, then the rest of the project is copied.

    ## Why is this bad?
    Docker reuses a cached layer only while every earlier layer is unchanged. A `COPY . /app` early in
    a stage changes on every source edit, so every later step runs again: `apt-get install`,
    `pip install`, `npm ci`, on each build. Putting the often-changing files last ("frequently modified
    layers go last") keeps the slow steps cached. No hadolint rule covers this (hadolint has no
    code for it); it is dockfix's own.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY . .
    RUN apt-get update && apt-get install -y --no-install-recommends gcc
    RUN pip install --no-cache-dir -r requirements.txt
    CMD ["python", "app.py"]
    ```

    Use instead:
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    RUN apt-get update && apt-get install -y --no-install-recommends gcc
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    COPY . .
    CMD ["python", "app.py"]
    ```

    ## Fix safety
    Moving the copy is safe: it passes only instructions that provably neither read what it copies
    nor touch where it copies to — LABEL, EXPOSE, USER, CMD, ENTRYPOINT, HEALTHCHECK, STOPSIGNAL, ENV
    and ARG it does not use, COPYs to other places, and RUNs whose every command is recognised as
    leaving the build context alone (package installs of literal names with apt-get, apk, yum, dnf,
    microdnf or zypper; `pip install`, `npm install -g` and `gem install` of named packages; user and
    group creation; `mkdir`, `chmod`, `chown`, `rm -rf`, `ln -s` of absolute paths away from the
    destination; cache cleanup). It never passes a VOLUME, a RUN it does not recognise, a RUN that
    names the destination, a relative path or a variable, or a WORKDIR of the destination; past
    another WORKDIR the relative destination is written out as the absolute path it had.

    The split is safe when the build context (the Dockerfile's folder, or `--context`) proves it:
    every manifest exists and is not excluded by `.dockerignore`, the manifests name nothing else
    in the project, the install leaves its lock file alone (`npm ci`, `--frozen-lockfile`, `--locked`,
    `--deploy`), and the context holds nothing the install writes (`node_modules`, `.venv`, `vendor`).
    Otherwise, or without a readable build context, the split is offered as an unsafe fix. Installs
    that read the project itself are reported and left alone: `pip install .` or `-e .`, `poetry
    install` without `--no-root`, `uv sync` without `--no-install-project`, npm/yarn lifecycle scripts
    (`preinstall`, `install`, `postinstall`, `prepare`) or a `binding.gyp`, `file:`/`link:`/workspace
    dependencies, a local `replace` in go.mod, a `gemspec` line in the Gemfile, composer scripts.
    Assumed, not proven: that a dependency's own install scripts do not read the project, and that
    `go mod download` finds go.sum complete.
    """
    context = build_context(ctx)
    for stage in df.stages:
        before = states(df, stage)
        for pos, instr in enumerate(stage.instructions):
            if instr.cmd not in ("COPY", "ADD"):
                continue
            p = make_plan(df, stage, pos, context, before)
            if p is None:
                continue
            what = _summary(instr.logical)
            if p.after is None:
                if p.abort is not None:
                    install, why = p.abort
                    yield ctx.report(
                        df,
                        instr.start,
                        f"`{what}` copies the whole project before the install on line {install.start_line}, "
                        f"which cannot be split off: {why}",
                        instruction=instr.index,
                    )
                continue
            replace = None
            if p.rewrite is not None:
                span = last_word_span(instr)
                if span is None:
                    continue
                replace = Replacement(span[0], span[1], p.rewrite)
            if p.split is not None:
                lines = _manifest_lines(df, p, context)
                if lines is None:
                    continue
                edits = move_after(df, instr, p.after, replace=replace, insert_before_after=lines)
                files = ", ".join(p.split.files)
                installs = ", ".join(f"`{c}`" for c in dict.fromkeys(p.split.commands))
                message = (
                    f"`{what}` copies the whole project before {installs} on line {p.after.start_line}, "
                    f"which needs only {files}: every source edit re-runs the install. Copy the manifests "
                    f"first and the project after the install"
                )
                if p.split.unsafe:
                    message += f" (unsafe: {p.split.unsafe[0]})"
                    fix = Fix.unsafe(*edits)
                else:
                    fix = Fix.safe(*edits)
            else:
                edits = move_after(df, instr, p.after, replace=replace)
                steps = f"{p.runs_passed} RUN step{'s' if p.runs_passed != 1 else ''}"
                message = (
                    f"`{what}` comes before {steps} that do not use the copied files, so every change to "
                    f"them re-runs those steps: moved after line {p.after.start_line}"
                )
                if p.rewrite is not None:
                    message += f", with its destination written out as {p.rewrite} since it now follows a WORKDIR"
                fix = Fix.safe(*edits)
            yield ctx.report(df, instr.start, message, fix=fix, instruction=instr.index)
