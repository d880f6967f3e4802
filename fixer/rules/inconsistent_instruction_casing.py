"""DF023 inconsistent-instruction-casing: every keyword in the casing most of the file's keywords use."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import RuleContext, rule
from fixer.instructions.casing import keyword_span, majority_lower
from fixer.instructions.edits import args_span
from fixer.syntax import Dockerfile

_FROM_AS = re.compile(r"^\S+\s+(?P<as>[aA][sS])\s+\S+\s*$")


@rule("DF023", "inconsistent-instruction-casing", buildkit=("ConsistentInstructionCasing",))
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
        if edits and instr.cmd == "FROM":
            m = _FROM_AS.match(instr.args)
            as_sp = args_span(instr, m.start("as"), m.end("as")) if m else None
            if m and as_sp and m.group("as") != (m.group("as").lower() if lower else m.group("as").upper()):
                edits.append(Edit(as_sp[0], as_sp[1], "as" if lower else "AS"))
        how = "lower-case" if lower else "upper-case"
        yield ctx.report(
            df,
            instr.start,
            f"`{kw}` should be {how} like the file's other instructions",
            Fix.safe(*edits) if edits else None,
            instruction=instr.index,
        )
