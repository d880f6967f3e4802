"""DF035 add-instead-of-copy: ADD of local files that are not archives becomes COPY."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, Service, rule
from fixer.model.casing import keyword_span
from fixer.model.context import context_of
from fixer.model.copies import read_copy
from fixer.syntax import Dockerfile

# flags COPY has too; any other (--checksum, --keep-git-dir, --unpack) is ADD's own
SHARED_FLAGS = frozenset({"chown", "chmod", "link", "exclude"})
ARCHIVE_NAME = re.compile(r"\.(?:tar|tgz|tbz2?|txz|tzst|gz|bz2|xz|zst|lz|lzma|z)$", re.IGNORECASE)
# what BuildKit sniffs before unpacking: gzip, bzip2, xz, zstd; a bare tar has `ustar` at offset 257
_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")


def is_archive(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(512)
    return head.startswith(_MAGIC) or head[257:262] == b"ustar"


@rule(
    "DF035",
    "add-instead-of-copy",
    fixes=Fixes.SOMETIMES,
    phrase="use COPY instead of ADD",
    hadolint=("DL3020",),
    services=(Service.CONTEXT,),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Turns `ADD` into `COPY` when every source is a local file or folder that is not an archive.

    ## Why is this bad?
    `ADD` also downloads URLs and unpacks local tar archives. Using it for plain files hides which of
    those a reader should expect, and a file that happens to be an archive gets unpacked. `COPY` does
    only the copy. hadolint (DL3020) reports it.

    ## Example
    ```dockerfile
    ADD requirements.txt /app/
    ```
    Use instead:
    ```dockerfile
    COPY requirements.txt /app/
    ```

    ## Fix safety
    Sometimes safe: when the build context (`--context`, else the Dockerfile's folder) shows every
    source, wildcards expanded, is a folder or a file that is not a tar archive (compressed or not),
    or the sources are here-documents. Without that proof the fix is unsafe, since ADD unpacks an
    archive whatever its name. Sources with variables are only reported; URLs, names of archives and
    ADD-only flags (`--checksum`, `--keep-git-dir`, `--unpack`) are legitimate uses of ADD.
    """
    for instr in df.instructions:
        if instr.cmd != "ADD" or any(f.name not in SHARED_FLAGS for f in instr.flags):
            continue
        args = read_copy(df, instr)
        if args is None:
            continue
        if any(s.kind == "remote" or ARCHIVE_NAME.search(s.text.rstrip("/")) for s in args.sources):
            continue
        sources = args.texts
        sp = keyword_span(instr)
        fix = None
        if sp is not None and not any("$" in s for s in sources):
            word = "copy" if instr.keyword.islower() else "COPY"
            edit = Edit(sp[0], sp[1], word)
            verdict = _context_verdict(sources, ctx)
            if verdict == "archive":
                continue  # ADD unpacks it: that is what ADD is for
            fix = Fix.safe(edit) if verdict == "plain" else Fix.unsafe(edit)
        yield ctx.report(df, instr.start, "Use `COPY` for local files and folders, not `ADD`", fix, instruction=instr.index)


def _context_verdict(sources: list[str], ctx: RuleContext) -> str:
    """"plain" when the build context shows no source is an archive, "archive" when one is, else "unknown"."""
    if all(s.startswith("<<") for s in sources):
        return "plain"
    context = context_of(ctx.path, ctx.context_dir)
    if context is None:
        return "unknown"
    for src in sources:
        if src.startswith("<<"):
            continue
        if any(c in src for c in "\"'\\"):
            return "unknown"
        matches = context.expand(src)
        if not matches:
            return "unknown"
        for m in matches:
            path = context.path(m)
            if path is None:
                return "unknown"
            if path.is_file() and is_archive(path):
                return "archive"
    return "plain"
