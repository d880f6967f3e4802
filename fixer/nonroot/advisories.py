"""Findings without fixes about what a non-root user cannot do in the final image.

A directory created by WORKDIR, or files copied without `--chown`, stay owned by root. That matters only
where the app writes, and most of what a Dockerfile copies (binaries, code) must not be writable by the
runtime user. So those two advisories are reported only where the file shows the app writes: a VOLUME,
a chown or chmod of the path, or a path the CMD/ENTRYPOINT writes to.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fixer.model.copies import destination, read_copy, workdir_after, workdir_at
from fixer.model.state import state_before
from fixer.model.variables import expand
from fixer.nonroot.lineage import Lineage
from fixer.nonroot.run_commands import Unread, run_commands, run_text
from fixer.shell.lexer import LexError, tokenize, unquote
from fixer.syntax import Dockerfile, Instruction
from fixer.syntax.buildkit import node_of, parse_json

if TYPE_CHECKING:
    from fixer.engine.finding import Finding
    from fixer.engine.rules import RuleContext

# options whose value is a file or folder a program writes (`--log-file=/var/log/app.log`, `--pidfile x`)
_WRITES_OPTION = re.compile(
    r"--?[\w-]*(?:log-?file|log-?dir|pid-?file|data-?dir|db-?path|output|out-?dir|upload[\w-]*|cache-?dir|tmp-?dir|state-?dir)",
    re.I,
)


def _chmod_shows_writes(mode: str) -> bool:
    """A chmod that makes a path writable for its owner or group (`775`, `g+w`, `g=u`) shows the app
    writes there; one that makes it world-writable leaves nothing to fix; `755` or `+x` is about reading."""
    if mode.isdigit():
        digits = mode[-3:].rjust(3, "0")
        other, group = int(digits[2]), int(digits[1])
        return not other & 2 and bool(group & 2)
    clauses = mode.split(",")
    if any(re.match(r"^[ao]*[+=][rwxXst]*w", c) or re.match(r"^[+=][rwxXst]*w", c) for c in clauses):
        return False
    return any(re.match(r"^[ug]+[+=](?:[rwxXst]*w|[ugo])", c) for c in clauses)


@dataclass(frozen=True)
class Written:
    path: str  # a folder the app writes into (normalised, absolute)
    why: str  # what in the file shows it


def _ports(instr: Instruction) -> Iterator[int]:
    for word in instr.args.split():
        spec = word.split("/", 1)[0]
        first = spec.split("-", 1)[0]
        if first.isdigit():
            yield int(first)


def _argv(instr: Instruction) -> list[str]:
    if instr.json:
        return parse_json(instr.args) or []
    try:
        return [unquote(t.text) if t.kind == "word" else t.text for t in tokenize(instr.args)]
    except LexError:
        return instr.args.split()


def _volumes(df: Dockerfile, instr: Instruction) -> list[str]:
    """A VOLUME's paths as BuildKit reads them: JSON or words, quotes removed, variables expanded where
    the file fixes them (an unknown one is left out)."""
    try:
        words = node_of(instr, df.escape).words()
    except Exception:  # noqa: BLE001 - BuildKit would reject it; not ours to judge
        return []
    env = state_before(df, instr).env
    return [v for v in (expand(w, env, df.escape) for w in words) if v]


def _join(cwd: str | None, path: str) -> str | None:
    """`path` made absolute against the working directory `cwd` (None: unknown, so only an absolute
    path is known)."""
    if not path or "$" in path or path == "-" or "://" in path:
        return None
    if not path.startswith("/") and cwd is None:
        return None
    return posixpath.normpath(posixpath.join(cwd or "/", path))


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _owner_is(owner: str, user: str | None) -> bool:
    if user is None:
        return False
    return owner.split(":", 1)[0].split(".", 1)[0] == user.split(":", 1)[0]


def _ownership_commands(df: Dockerfile, instr: Instruction) -> Iterator[tuple[str, str, bool, list[str]]]:
    """Each chown/chmod a RUN runs: (program, owner or mode, recursive, absolute paths), the paths'
    variables expanded with what the file fixes (`chown -R app $HOME`)."""
    if instr.cmd == "RUN" and re.search(r"\bch(?:own|mod)\b", run_text(instr)):
        try:
            commands = run_commands(df, instr)
        except Unread:
            return
        cwd = workdir_at(df, instr)
        env = state_before(df, instr).env
        for found, _ in commands:
            words = [w.value for w in found]
            if not words or posixpath.basename(words[0]) not in ("chown", "chmod"):
                continue
            operands = [w for w in words[1:] if not w.startswith("-")]
            if len(operands) < 2:
                continue
            recursive = any(w in ("-R", "--recursive") or (w.startswith("-") and not w.startswith("--") and "R" in w) for w in words[1:])
            paths = [_join(cwd, expand(p, env, df.escape) or p if "$" in p else p) for p in operands[1:]]
            yield posixpath.basename(words[0]), operands[0], recursive, [p for p in paths if p is not None and p != "/"]


def owned_paths(df: Dockerfile, lin: Lineage, user: str | None) -> list[tuple[str, bool]]:
    """Paths a RUN chowns to `user` (with whether recursively): a WORKDIR of one of them is the user's."""
    return [
        (path, recursive)
        for instr in lin.instructions()
        for program, first, recursive, paths in _ownership_commands(df, instr)
        if program == "chown" and _owner_is(first, user)
        for path in paths
    ]


def written_paths(df: Dockerfile, lin: Lineage, user: str | None) -> list[Written]:
    """Folders the file shows the app writes into, that `user` may not own."""
    out: list[Written] = []
    last_run: dict[str, tuple[Instruction, str | None]] = {}
    for instr in lin.instructions():
        cwd = workdir_at(df, instr) if instr.cmd in ("VOLUME", "RUN", "CMD", "ENTRYPOINT") else None
        if instr.cmd == "VOLUME":
            for p in _volumes(df, instr):
                path = _join(cwd, p)
                if path is not None:
                    out.append(Written(path, f"VOLUME {path}"))
        elif instr.cmd in ("CMD", "ENTRYPOINT"):
            last_run[instr.cmd] = (instr, cwd)
        for program, first, _, paths in _ownership_commands(df, instr):
            if program == "chown" and _owner_is(first, user):
                continue
            if program == "chmod" and not _chmod_shows_writes(first):
                continue
            out.extend(Written(path, f"a RUN runs `{program} {first}` on it") for path in paths)
    for instr, at in last_run.values():
        argv = _argv(instr)
        for i, word in enumerate(argv):
            target: str | None = None
            if word in (">", ">>", "1>", "2>", "&>") and i + 1 < len(argv):
                target = argv[i + 1]
            elif _WRITES_OPTION.fullmatch(word.split("=", 1)[0]):
                target = word.split("=", 1)[1] if "=" in word else (argv[i + 1] if i + 1 < len(argv) else None)
            path = _join(at, target) if target else None
            if path is not None and not path.startswith("/dev/"):
                folder = posixpath.dirname(path) if posixpath.splitext(path)[1] else path
                out.append(Written(folder, f"its {instr.cmd} writes {path}"))
    return out


def privileged_ports(lin: Lineage) -> list[int]:
    """Ports below 1024 the image exposes (earlier stages of the lineage included)."""
    return sorted({p for instr in lin.instructions() if instr.cmd == "EXPOSE" for p in _ports(instr) if p < 1024})


def advisories(
    df: Dockerfile, lin: Lineage, user_at: int, user: str | None, ctx: RuleContext
) -> Iterator[Finding]:
    """Findings without fixes for what breaks when the image runs as a non-root user."""
    for instr in lin.instructions():
        if instr.cmd == "EXPOSE":  # ports exposed by earlier stages of the lineage are the image's too
            low = sorted({p for p in _ports(instr) if p < 1024})
            if low:
                yield ctx.report(
                    df,
                    instr.start,
                    f"EXPOSE {', '.join(map(str, low))}: a non-root user cannot bind ports below 1024 on Kubernetes "
                    "or rootless runtimes (Docker 20.10+ allows it); listen on a port of 1024 or above",
                    instruction=instr.index,
                )
    written = written_paths(df, lin, user)
    if not written:
        return
    st = lin.final
    workdir_instr = next((i for i in reversed(list(lin.instructions())) if i.cmd == "WORKDIR"), None)
    workdir = workdir_after(df, workdir_instr) if workdir_instr is not None else None
    hit = next((w for w in written if w.path == workdir), None)
    # a folder a RUN already made the user's: WORKDIR changes the owner of a folder it creates, not of one that exists
    owned = workdir is not None and any(
        workdir == path or (recursive and _under(workdir, path)) for path, recursive in owned_paths(df, lin, user)
    )
    if hit is not None and not owned and workdir_instr is not None and workdir_instr.stage is st and workdir_instr.start < user_at:
        yield ctx.report(
            df,
            workdir_instr.start,
            f"WORKDIR {workdir} is created as root, but the app writes there ({hit.why}): "
            "chown it to the non-root user",
            instruction=workdir_instr.index,
        )
    for instr in st.instructions:
        copy = read_copy(df, instr)
        if copy is None or copy.chown:
            continue
        target = destination(df, instr)
        if target is None:
            continue
        # files copied into a folder the app writes in stay root's; a folder below the copy is the copy's business
        hit = next((w for w in written if _under(target, w.path)), None)
        if hit is not None and hit.path != "/":
            yield ctx.report(
                df,
                instr.start,
                f"{instr.cmd} into {target} without --chown: the files stay owned by root, but the app writes "
                f"there ({hit.why}): add --chown",
                instruction=instr.index,
            )
