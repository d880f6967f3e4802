"""DF030 copy-destination-not-directory: COPY/ADD of several sources into a destination without `/`."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, Service, rule
from fixer.model.context import context_of
from fixer.model.copies import destination, read_copy, workdir_after, workdir_at
from fixer.model.base_image import family as stage_family
from fixer.model.stages import lineage_before
from fixer.syntax import Dockerfile, Instruction

# directories every Linux distribution image has (not scratch or distroless, which the family excludes)
STANDARD_DIRS = frozenset(
    {"/", "/bin", "/etc", "/home", "/opt", "/root", "/srv", "/tmp", "/usr", "/usr/bin", "/usr/lib",
     "/usr/local", "/usr/local/bin", "/usr/local/lib", "/usr/local/sbin", "/usr/local/share",
     "/usr/sbin", "/usr/share", "/var", "/var/lib", "/var/tmp", "/sbin", "/lib"}
)  # fmt: skip
_DISTROS = frozenset({"debian", "alpine", "busybox", "rhel", "rhel-minimal"})


@rule(
    "DF030",
    "copy-destination-not-directory",
    fixes=Fixes.SOMETIMES,
    phrase="end multi-source COPY destinations with /",
    hadolint=("DL3021",),
    services=(Service.CONTEXT,),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Adds the trailing `/` to the destination of a `COPY` or `ADD` with more than one source.

    ## Why is this bad?
    Several sources only make sense copied into a directory. The legacy builder refuses the
    instruction; BuildKit copies each source onto the same path, so with file sources the destination
    ends up as a file holding the last one. hadolint (DL3021) reports it.

    ## Example
    ```dockerfile
    COPY package.json package-lock.json /app
    ```
    Use instead:
    ```dockerfile
    COPY package.json package-lock.json /app/
    ```

    ## Fix safety
    Sometimes safe: when the destination is already a directory, because a `WORKDIR` of the stage
    created it, it is the working directory (`.`), it is a directory every distribution image has
    (`/usr/local/bin`) and the base is a known distribution, or the build context shows every source is
    a directory. Otherwise unsafe: under BuildKit, file sources would land in the directory instead of
    overwriting each other at the destination path.
    """
    for instr in df.instructions:
        args = read_copy(df, instr)
        if args is None or len(args.sources) < 2 or args.dest.endswith("/"):
            continue
        if "\\" in args.dest or args.dest.endswith(df.escape):
            continue  # a Windows path: its separator is not `/`
        fix = None
        if args.dest_end is not None:
            edit = Edit.insert(args.dest_end, "/")
            fix = Fix.safe(edit) if _is_directory(df, instr, args.dest, args.texts, ctx) else Fix.unsafe(edit)
        yield ctx.report(
            df,
            instr.start,
            f"`{instr.keyword}` with several sources needs a destination ending in `/`: `{args.dest}/`",
            fix,
            instruction=instr.index,
        )


def _is_directory(df: Dockerfile, instr: Instruction, dest: str, sources: list[str], ctx: RuleContext) -> bool:
    if dest == ".":
        return True
    if "$" in dest:
        return False
    path = destination(df, instr)
    if path is None:
        return False
    workdirs = {workdir_after(df, i) for i in lineage_before(df, instr) if i.cmd == "WORKDIR"}
    if path == workdir_at(df, instr) or path in workdirs:
        return True
    if path in STANDARD_DIRS and stage_family(df, instr.stage).key in _DISTROS:
        return True
    return _context_dirs(instr, sources, ctx)


def _context_dirs(instr: Instruction, sources: list[str], ctx: RuleContext) -> bool:
    context = context_of(ctx.path, ctx.context_dir)
    if context is None or instr.flag("from"):
        return False
    for src in sources:
        if any(c in src for c in "*?[$\\\"'") or src.startswith("<<") or "://" in src:
            return False
        if not context.is_dir(src):
            return False
    return True
