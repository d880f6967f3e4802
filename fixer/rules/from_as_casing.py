"""DF022 from-as-casing: `FROM image as name` → `AS` written in the casing of `FROM`."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.casing import as_word
from fixer.syntax import Dockerfile


@rule(
    "DF022",
    "from-as-casing",
    fixes=Fixes.SAFE,
    phrase="match the casing of AS",
    buildkit=("FromAsCasing",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Writes the `AS` of `FROM image AS name` in the same casing as the `FROM` keyword.

    ## Why is this bad?
    `FROM alpine as build` mixes an upper-case keyword with a lower-case `as`; BuildKit's
    `FromAsCasing` check warns about it. A file that reads the same way everywhere is easier to scan
    and to search (`grep 'AS build'`).

    ## Example
    ```dockerfile
    FROM golang:1.22 as build
    from alpine:3.20 AS runtime
    ```
    Use instead:
    ```dockerfile
    FROM golang:1.22 AS build
    from alpine:3.20 as runtime
    ```

    ## Fix safety
    Safe: BuildKit reads `AS` case-insensitively.
    """
    for instr in df.instructions:
        if instr.cmd != "FROM":
            continue
        kw = instr.keyword
        if kw == kw.lower():
            want = "as"
        elif kw == kw.upper():
            want = "AS"
        else:
            continue  # a mixed-case keyword is the casing rule's finding, not this one's
        found = as_word(instr)
        if found is None or found[0] == want:
            continue
        written, at, sp = found
        fix = Fix.safe(Edit(sp[0], sp[1], want)) if sp else None
        yield ctx.report(
            df,
            instr.file_offset(at),
            f"`{written}` does not match the casing of `{kw}`: write `{want}`",
            fix,
            instruction=instr.index,
        )
