"""How far a COPY of the build context can move down its stage, and whether to split out the manifests.

The walk starts after the COPY and passes instructions that provably neither read what it copied nor
change where or how it copies: metadata, ENV/ARG it does not expand, COPYs to other places,
WORKDIRs away from its destination (its relative destination is then written out) or of the folder
it creates itself (`COPY . /app` then `WORKDIR /app`, run as root), and RUNs whose
every command is recognised (see `fixer.layering.effects`) and touches nothing the COPY writes. The walk
stops at anything else. A `COPY . <dst>` that stops at a dependency install needing only manifests
is split: the manifests are copied just before the install and the full copy lands after it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from fixer.layering import effects, installs
from fixer.model.paths import Tree, overlaps, within
from fixer.model.state import State, states, step
from fixer.model.commands import program_name, read_commands
from fixer.model.context import BuildContext
from fixer.model.copies import PLAIN_FLAGS, CopyStep, copy_step
from fixer.model.state import shell_at
from fixer.model.users import runs_as_root
from fixer.shell.analysis import walk
from fixer.shell.lexer import LexError
from fixer.shell.model import Simple
from fixer.shell.parse import ShellParseError, parse
from fixer.syntax import Dockerfile, Instruction, Stage
from fixer.syntax.buildkit import node_of

# instructions a COPY never depends on and that never touch the file system
METADATA = frozenset({"LABEL", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT", "MAINTAINER", "USER"})
# commands that take no time worth caching: a COPY moved past RUNs of only these gains nothing
QUICK = frozenset(
    """useradd adduser groupadd addgroup usermod groupmod mkdir chmod chown chgrp ln touch rm echo printf
    true : set export cd umask""".split()
)
# more context files than this and the exact list of what a copy writes is not worth computing
MAX_CONTEXT_FILES = 20000


@dataclass
class Split:
    install: Instruction
    files: list[str]  # context paths of the manifests, in copy order
    commands: list[str]  # the installs, for the message
    unsafe: list[str] = field(default_factory=list)


@dataclass
class Plan:
    copy: CopyStep
    after: Instruction | None = None  # where the copy lands; None: it stays
    runs_passed: int = 0
    rewrite: str | None = None  # the absolute destination written out, when it passes a WORKDIR
    split: Split | None = None
    abort: tuple[Instruction, str] | None = None  # an install that reads the project: report only
    stop: str = ""  # why the walk ended (for the corpus statistics)
    stop_at: Instruction | None = None


def declared_names(instr: Instruction, escape: str) -> set[str]:
    if instr.cmd == "ARG":
        return {w.split("=", 1)[0] for w in instr.args.split()}
    try:
        return {k for k, _ in node_of(instr, escape).items()}
    except Exception:  # noqa: BLE001 - unreadable ENV: assume it declares everything
        return {"*"}


def _context_files(copy: CopyStep, context: BuildContext | None) -> list[str] | None:
    """Image paths a `COPY . <dst>` writes, when the context is known and small enough."""
    if context is None or copy.dst is None:
        return None
    out: list[str] = []
    for i, f in enumerate(context.files_under(".")):
        if i >= MAX_CONTEXT_FILES:
            return None
        out.append(posixpath.join(copy.dst, f))
    return out


def _owner(copy: CopyStep) -> str:
    """Who owns the folders a COPY creates: its --chown, else root."""
    return next((f.value or "" for f in copy.instr.flags if f.name == "chown"), "")


def _blocks(copy: CopyStep, effect: effects.Effect, workdir: str | None) -> str | None:
    """Why a recognised step cannot be passed, or None."""
    if effect.conflicts(copy.writes + copy.creates, copy.reads):
        return "touches the destination"
    if effect.cwd and (
        workdir is None
        or "*" in effect.cwd
        and any(overlaps(workdir, w) for w in copy.writes)
        or any(t.touches(posixpath.join(workdir, n)) for n in effect.cwd for t in map(Tree, copy.writes))
    ):
        return "reads the working directory"
    return None


def plan(df: Dockerfile, stage: Stage, pos: int, context: BuildContext | None, before: tuple[State, ...] | None = None) -> Plan | None:
    """The plan for the COPY/ADD at `stage.instructions[pos]`; None when it is no build-context copy."""
    sts = before if before is not None else states(df, stage)
    instrs = stage.instructions
    copy = copy_step(df, instrs[pos], sts[pos], context)
    if copy is None or not copy.from_context:
        return None
    result = Plan(copy)
    passed_workdir = False
    last_run: int | None = None
    for j in range(pos + 1, len(instrs)):
        x, st = instrs[j], sts[j]
        kind = x.cmd
        reason: str | None = None
        if kind in METADATA:
            continue
        if kind in ("ENV", "ARG"):
            names = declared_names(x, df.escape)
            if names & copy.refs or "*" in names:
                reason = f"{kind} sets a variable the COPY uses"
        elif kind == "WORKDIR":
            after = step(df, st, x)
            if copy.dst is None or after.workdir is None:
                reason = "WORKDIR (destination or new directory unknown)"
            elif _creates_destination(df, copy, x, after.workdir):
                passed_workdir = True
            elif any(overlaps(after.workdir, w) for w in copy.writes + copy.creates):
                reason = "WORKDIR of the destination"
            elif copy.instr.json:
                reason = "WORKDIR (exec-form COPY not rewritten)"
            else:
                passed_workdir = True
        elif kind in ("COPY", "ADD"):
            other = copy_step(df, x, st, context)
            if other is None or other.dst is None or copy.dst is None:
                reason = f"{kind} with an unknown destination"
            elif effects.Effect(tuple(Tree(r) for r in other.reads), tuple(Tree(w) for w in other.writes)).conflicts(
                copy.writes + (copy.creates if _owner(other) != _owner(copy) else []), copy.reads
            ):
                reason = f"{kind} to an overlapping destination"
        elif kind == "RUN":
            if copy.dst is None:
                reason = "destination unknown"
            else:
                analysis = effects.analyse(x, st)
                if analysis.recognised:
                    reason = _blocks(copy, analysis.effect, st.workdir)
                    if reason is None:
                        last_run = j
                        continue
                    reason = f"RUN {reason}"
                else:
                    reason = analysis.reason or "RUN not recognised"
                    if _try_split(df, result, x, st, context):
                        last_run = j
                        break
                    reason = result.stop or reason
        else:
            reason = kind
        if reason is not None:
            result.stop, result.stop_at = reason, x
            break
    else:
        result.stop = "end of stage"
    # land after the last RUN worth passing: passing only user creation, mkdir, chmod … (or metadata)
    # saves no build time and reorders a file its authors laid out
    if last_run is None:
        return result
    if result.split is None:
        paying = [j for j in range(pos + 1, last_run + 1) if instrs[j].cmd == "RUN" and pays(df, instrs[j])]
        if not paying:
            result.stop = "passes only quick steps"
            return result
        last_run = paying[-1]
    result.after = instrs[last_run]
    result.runs_passed = sum(1 for i in instrs[pos + 1 : last_run + 1] if i.cmd == "RUN")
    # a relative destination is written out when the COPY lands under another WORKDIR than its own
    moved_workdir = sts[last_run].workdir != sts[pos].workdir
    if passed_workdir and moved_workdir and copy.dst is not None:
        value = copy.dst_text
        if not value.startswith("/"):
            result.rewrite = copy.dst.rstrip("/") + "/" if copy.dst_is_dir else copy.dst
    return result


def _creates_destination(df: Dockerfile, copy: CopyStep, workdir: Instruction, path: str) -> bool:
    """Whether the COPY can move past a WORKDIR of its own destination (or of a folder above it).

    `COPY . /app` then `WORKDIR /app` leaves the same tree either way round: the folder exists, owned
    by root with mode 0755, whoever creates it. That holds when the copy writes a folder of its own
    making (not a file named like the WORKDIR, not a source folder's metadata), sets no owner or mode
    (`--chown`, `--chmod` and friends would apply to the folder it creates), and the WORKDIR runs as
    root (BuildKit creates it as the USER).
    """
    if copy.dst is None or copy.instr.flags or copy.instr.json:
        return False
    # BuildKit makes a destination ending in `/` with MkdirAll(0755), as it makes a WORKDIR; `COPY . /app`
    # makes /app from the context's root, which the context transfer does not carry (fsutil skips it)
    if not (copy.copies_everything or copy.dst_text.endswith("/")) or not within(copy.dst, path):
        return False
    return runs_as_root(df, workdir)


def _try_split(df: Dockerfile, result: Plan, x: Instruction, st: State, context: BuildContext | None) -> bool:
    """Whether the RUN `x` is an install the `COPY . <dst>` can be split for (sets result.split/abort)."""
    copy = result.copy
    if not copy.copies_everything or copy.dst is None or st.workdir is None or not within(st.workdir, copy.dst):
        return False
    if any(f.name not in PLAIN_FLAGS for f in copy.instr.flags) or not st.posix or x.json or x.heredocs:
        return False
    try:
        simple = effects.flatten([parse(x.args).body])
    except (ShellParseError, effects.Unrecognised):
        return False
    found: list[installs.Install] = []
    effect = effects.Effect(reads=effects.BASE_READS)
    try:
        effect = effect | effects.mount_effect(x, st) | effects.redirecting_env(st)
        known = effects.known_env(st, effects.assigned_names(simple))
        for cmd in simple:
            inst = installs.recognise(cmd)
            if inst is not None:
                found.append(inst)
            else:
                effect = effect | effects.simple_effect(cmd, st, known)
    except effects.Unrecognised as e:
        if found:
            result.stop = f"install RUN also runs: {e}"
        return False
    if not found:
        return False
    # the other commands of the RUN now run before the project is copied
    files = _context_files(copy, context) or copy.writes
    if any(t.touches(copy.dst) for t in effect.writes) or any(t.touches(f) for t in effect.reads for f in files):
        result.stop = "install RUN also touches the destination"
        return False
    project = posixpath.relpath(st.workdir, copy.dst)
    split = Split(x, [], [i.command for i in found])
    for inst in found:
        need = installs.needs(inst, context, project, st, copy.dst)
        if need.abort is not None:
            result.abort = (x, need.abort)
            result.stop = "install reads the project"
            return False
        split.files.extend(f for f in need.files if f not in split.files)
        split.unsafe.extend(need.unsafe)
    # what the other commands read in the project must be copied first, or be absent from the context
    for name in sorted(effect.cwd):
        path = posixpath.normpath(posixpath.join(project, name))
        if name == "*" or context is None:
            result.stop = "install RUN also reads the working directory"
            return False
        if path not in split.files and context.present(path):
            split.files.append(path)
    if not split.files:
        return False
    result.split = split
    return True


def dependency_install(df: Dockerfile, run: Instruction) -> str | None:
    """The dependency install a RUN runs that needs only the project's manifests (`npm ci`,
    `pip install -r …`, `go mod download` …, as `installs.recognise` reads them), or None.

    Such a RUN is a cache boundary: DF004 copies the manifests before it and the project after it, so
    that a source edit does not re-run the install; DF002 therefore never merges it with a neighbour.
    """
    if run.cmd != "RUN" or run.json or run.heredocs or not shell_at(df, run).posix:
        return None
    try:
        script = parse(run.args)
    except (ShellParseError, LexError):
        return None
    for cmd in walk([script.body]):
        if not isinstance(cmd, Simple):
            continue
        try:
            inst = installs.recognise(cmd)
        except effects.Unrecognised:
            continue
        if inst is not None and inst.abort is None:
            return inst.command
    return None


def pays(df: Dockerfile, run: Instruction) -> bool:
    """Whether a RUN does work worth keeping cached (installs, downloads, builds): any command that is
    not a quick file or account tweak (`QUICK`, looked up behind wrappers such as `sudo`); unreadable
    scripts count as work."""
    if run.json or run.heredocs:
        return True
    cmds = read_commands(run.args)
    if cmds.error is not None or not cmds.commands:
        return True
    names = [program_name(c.words[c.program].value) if c.program < len(c.words) else c.name for c in cmds.commands]
    return any(n not in QUICK for n in names)
