"""DF023 inconsistent-instruction-casing: every keyword in the casing most of the file's keywords use."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.casing import as_word, keyword_span, majority_lower
from fixer.syntax import Dockerfile


@rule(
    "DF023",
    "inconsistent-instruction-casing",
    fixes=Fixes.SAFE,
    phrase="use one casing for instruction keywords",
    buildkit=("ConsistentInstructionCasing",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Re-cases instruction keywords that differ from the casing most keywords of the file use (upper-case
    on a tie), and mixed-case keywords like `Run`. A re-cased `FROM` takes its `AS` along.

    ## Why is this bad?
    Docker reads keywords case-insensitively, so `run`, `RUN` and `Run` all work, but a file that mixes
    them is harder to read and to search. BuildKit's `ConsistentInstructionCasing` check warns about it.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    run apk add --no-cache curl
    Copy . /app
    ```
    Use instead:
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl
    COPY . /app
    ```

    ## Fix safety
    Safe: keywords are case-insensitive. The trigger of an `ONBUILD` is left alone, as BuildKit's check does.
    """
    lower = majority_lower(df)
    for instr in df.instructions:
        kw = instr.keyword
        want = kw.lower() if lower else kw.upper()
        if kw == want:
            continue
        sp = keyword_span(instr)
        edits = [Edit(sp[0], sp[1], want)] if sp else []
        found = as_word(instr) if edits else None
        if found is not None and found[2] is not None and found[0] != ("as" if lower else "AS"):
            edits.append(Edit(found[2][0], found[2][1], "as" if lower else "AS"))
        how = "lower-case" if lower else "upper-case"
        yield ctx.report(
            df,
            instr.start,
            f"`{kw}` should be {how} like the file's other instructions",
            Fix.safe(*edits) if edits else None,
            instruction=instr.index,
        )
