"""DF027 empty-continuation-line: blank lines inside a continued instruction are removed."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.syntax import Dockerfile, Instruction, Line


@rule(
    "DF027",
    "empty-continuation-line",
    fixes=Fixes.SAFE,
    phrase="remove empty continuation lines",
    buildkit=("NoEmptyContinuation",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Deletes empty lines that sit inside an instruction continued with `\\`.

    ## Why is this bad?
    BuildKit skips such a line and keeps joining, so the instruction goes on past what looks like its
    end: a forgotten `\\` on the last line makes the next instruction part of this one. The legacy
    builder stopped at the empty line, and BuildKit's `NoEmptyContinuation` check warns that this form
    will become an error.

    ## Example
    ```dockerfile
    RUN apk add --no-cache \\

        curl
    ```
    Use instead:
    ```dockerfile
    RUN apk add --no-cache \\
        curl
    ```

    ## Fix safety
    Safe: BuildKit already ignores the lines; here-document bodies, where empty lines are content, are
    never touched.
    """
    for instr in df.instructions:
        blanks = _empty_continuations(instr)
        if not blanks:
            continue
        yield ctx.report(
            df,
            blanks[0].start,
            "Empty line inside a continued instruction",
            Fix.safe(*(Edit.delete(ln.start, ln.end) for ln in blanks)),
            instruction=instr.index,
        )


def _empty_continuations(instr: Instruction) -> list[Line]:
    bodies = [(d.body_start, d.terminator.end) for d in instr.heredocs]
    if instr.sub is not None:
        bodies += [(d.body_start, d.terminator.end) for d in instr.sub.heredocs]
    return [
        ln
        for ln in instr.lines[1:]
        if not ln.text.strip(" \t\r\f\v") and ln.eol and not any(a <= ln.start < b for a, b in bodies)
    ]
