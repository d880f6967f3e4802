"""DF004: a COPY of the build context placed before steps that do not need it."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from fixer.layering.moves import Replacement, last_word_span, move_after
from fixer.layering.plan import Plan
from fixer.layering.plan import plan as make_plan
from fixer.model.state import states
from fixer.engine.finding import Finding, Fix
from fixer.model.context import BuildContext, context_of
from fixer.model.copies import PLAIN_FLAGS
from fixer.engine.rules import Fixes, RuleContext, Service, rule
from fixer.syntax import Dockerfile


def build_context(ctx: RuleContext) -> BuildContext | None:
    """The build context folder: `--context`, else the Dockerfile's folder; None when unknown."""
    return context_of(ctx.path, ctx.context_dir)


def _summary(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _keyword(original: str) -> str:
    return "copy" if original.islower() else "COPY"


def _manifest_lines(df: Dockerfile, plan: Plan, context: BuildContext | None) -> str | None:
    """The COPY lines for a split's manifests, grouped by folder; None when a path cannot be written."""
    assert plan.split is not None
    copy = plan.copy
    flags = "".join(f.raw + " " for f in copy.instr.flags if f.name in PLAIN_FLAGS)
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
            # several sources need a destination ending in a slash; a lone file keeps the `COPY x .` idiom
            dst = base if base.endswith("/") or (base == "." and len(sources) == 1) else base + "/"
        else:
            dst = base.rstrip("/") + "/" + folder + "/"
        lines.append(f"{_keyword(copy.instr.keyword)} {flags}{' '.join(sources)} {dst}{df.newline}")
    return "".join(lines)


@rule(
    "DF004",
    "copy-before-dependencies",
    fixes=Fixes.SOMETIMES,
    phrase="copy the build context later",
    services=(Service.CONTEXT,),
)
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
    microdnf or zypper; `pip install`, `npm install -g` and `gem install --remote` of named packages;
    user and group creation; `mkdir`, `chmod`, `chown`, `rm -rf`, `ln -s`, `touch` of absolute paths;
    downloads with `curl`/`wget` to absolute paths, `tar -x -C /abs`, `gpg --dearmor -o /abs`,
    `python -m venv /abs`; cache cleanup) and that touch neither the destination nor a folder the
    COPY creates above it. Distribution packages are trusted to stay out of /usr/local; the base
    image's own PATH and WORKDIR are not known, so a relative destination needs a WORKDIR. It never
    passes a VOLUME, a RUN it does not recognise, a RUN that names the destination, a relative path
    or a variable that is not a literal ENV, or a WORKDIR inside the destination. It passes a WORKDIR
    of the destination (`COPY . /app` then `WORKDIR /app`) only when that WORKDIR runs as root and the
    COPY has no flags, so that the folder comes out the same (root, 0755) whichever creates it; past
    another WORKDIR the relative destination is written out as the absolute path it had. Adjacent
    COPYs that land at the same place move together, in their order. A COPY moves only past at
    least one RUN: passing metadata alone gains nothing.

    A dependency install the split keeps in its own layer is a cache boundary for DF002 too: it is
    never merged with the build step after it.

    The split is safe when the build context (the Dockerfile's folder, or `--context`) proves it:
    every manifest exists and is not excluded by `.dockerignore` (files the manifests name, such as
    nested `-r` files or a `--find-links ./wheels` folder, are copied too), the manifests name nothing
    else in the project, the install leaves its lock file alone (`npm ci`, `--frozen-lockfile`, `--locked`,
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
        plans: list[Plan | None] = [
            make_plan(df, stage, pos, context, before) if instr.cmd in ("COPY", "ADD") else None
            for pos, instr in enumerate(stage.instructions)
        ]
        pos = 0
        while pos < len(plans):
            p = plans[pos]
            if p is None:
                pos += 1
                continue
            # adjacent copies that land at the same place move as one block, in their order
            end = pos
            while _joins(p, plans[end + 1] if end + 1 < len(plans) else None):
                end += 1
            finding = _finding(df, ctx, p, context, plans[end] if end > pos else None, end - pos)
            if finding is not None:
                yield finding
            pos = end + 1


def _movable(p: Plan | None) -> bool:
    return p is not None and p.after is not None and p.split is None and p.rewrite is None


def _joins(p: Plan, q: Plan | None) -> bool:
    return _movable(p) and _movable(q) and q is not None and q.after is p.after


def _finding(
    df: Dockerfile, ctx: RuleContext, p: Plan, context: BuildContext | None, last: Plan | None, more: int
) -> Finding | None:
    instr = p.copy.instr
    what = _summary(instr.logical)
    group = f" (and the {more} COPY/ADD after it)" if more else ""
    if p.after is None:
        if p.abort is None:
            return None
        install, why = p.abort
        return ctx.report(
            df,
            instr.start,
            f"`{what}` copies the whole project before the install on line {install.start_line}, "
            f"which cannot be split off: {why}",
            instruction=instr.index,
        )
    replace = None
    if p.rewrite is not None:
        span = last_word_span(instr)
        if span is None:
            return None
        replace = Replacement(span[0], span[1], p.rewrite)
    if p.split is not None:
        lines = _manifest_lines(df, p, context)
        if lines is None:
            return None
        edits = move_after(df, instr, p.after, replace=replace, insert_before_after=lines)
        files = ", ".join(p.split.files)
        installs = ", ".join(f"`{c}`" for c in dict.fromkeys(p.split.commands))
        message = (
            f"`{what}` copies the whole project before {installs} on line {p.after.start_line}, "
            f"which needs only {files}: every source edit re-runs the install. Copy the manifests "
            f"first and the project after the install"
        )
        if p.split.unsafe:
            return ctx.report(
                df, instr.start, message + f" (unsafe: {p.split.unsafe[0]})", fix=Fix.unsafe(*edits), instruction=instr.index
            )
        return ctx.report(df, instr.start, message, fix=Fix.safe(*edits), instruction=instr.index)
    edits = move_after(df, instr, p.after, last=last.copy.instr if last else None, replace=replace)
    steps = f"{p.runs_passed} RUN step that does" if p.runs_passed == 1 else f"{p.runs_passed} RUN steps that do"
    message = (
        f"`{what}`{group} comes before {steps} not use the copied files, so every change to "
        f"them re-runs {'it' if p.runs_passed == 1 else 'them'}: moved after line {p.after.start_line}"
    )
    if p.rewrite is not None:
        message += f", with its destination written out as {p.rewrite} since it now follows a WORKDIR"
    return ctx.report(df, instr.start, message, fix=Fix.safe(*edits), instruction=instr.index)
