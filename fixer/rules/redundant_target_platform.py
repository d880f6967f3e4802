"""DF029 redundant-target-platform: `FROM --platform=$TARGETPLATFORM` loses the flag."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.syntax import Dockerfile

_TARGET = frozenset({"$TARGETPLATFORM", "${TARGETPLATFORM}"})
_ARG_TARGET = re.compile(r"(?:^|\s)TARGETPLATFORM(?:=|\s|$)")


@rule(
    "DF029",
    "redundant-target-platform",
    fixes=Fixes.SAFE,
    phrase="drop redundant --platform flags",
    hadolint=("DL3065",),
    buildkit=("RedundantTargetPlatform",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Removes `--platform=$TARGETPLATFORM` from `FROM`.

    ## Why is this bad?
    A stage is built for the target platform unless told otherwise, so the flag repeats the default
    and hides the flags that matter (`--platform=$BUILDPLATFORM` for cross-compiling stages). hadolint
    (DL3065) and BuildKit (`RedundantTargetPlatform`) warn.

    ## Example
    ```dockerfile
    FROM --platform=$TARGETPLATFORM alpine:3.20
    ```
    Use instead:
    ```dockerfile
    FROM alpine:3.20
    ```

    ## Fix safety
    Safe: the stage's platform is the target platform either way. Left alone (reported) when the file
    declares `ARG TARGETPLATFORM` before the first `FROM`, since a default there could make the value differ.
    """
    redefined = any(
        i.cmd == "ARG" and _ARG_TARGET.search(i.args) for i in df.instructions if i.stage is None
    )
    for instr in df.instructions:
        if instr.cmd != "FROM":
            continue
        for flag in instr.flag("platform"):
            if flag.value not in _TARGET:
                continue
            fix = None
            end = flag.end
            while end < len(df.text) and df.text[end] in " \t":
                end += 1
            if not redefined and flag.end - flag.start == len(flag.raw) and end < instr.lines[0].text_end:
                fix = Fix.safe(Edit.delete(flag.start, end))
            yield ctx.report(
                df,
                flag.start,
                f"`{flag.raw}` is the default platform of a stage",
                fix,
                instruction=instr.index,
            )
