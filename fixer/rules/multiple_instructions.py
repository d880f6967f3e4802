"""DF028 multiple-instructions: of several CMD / ENTRYPOINT / HEALTHCHECK in a stage, keep the last."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.edits.instruction import remove
from fixer.syntax import Dockerfile

_ONCE = ("CMD", "ENTRYPOINT", "HEALTHCHECK")


@rule(
    "DF028",
    "multiple-instructions",
    fixes=Fixes.SAFE,
    phrase="drop overridden CMD, ENTRYPOINT and HEALTHCHECK",
    hadolint=("DL4003", "DL4004", "DL3012"),
    buildkit=("MultipleInstructionsDisallowed",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Deletes every `CMD`, `ENTRYPOINT` and `HEALTHCHECK` of a stage that a later one of the same kind
    in that stage overrides. Comment lines above a deleted one are kept.

    ## Why is this bad?
    Only the last of each takes effect; the earlier ones are dead code that misleads the reader about
    what the container runs. hadolint (DL4003, DL4004, DL3012) and BuildKit
    (`MultipleInstructionsDisallowed`) warn.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD ["python", "-m", "http.server"]
    COPY app.py /app.py
    CMD ["python", "/app.py"]
    ```
    Use instead:
    ```dockerfile
    FROM python:3.12-slim
    COPY app.py /app.py
    CMD ["python", "/app.py"]
    ```

    ## Fix safety
    Safe: none of the three affects the instructions after it, and the image keeps the last one. An
    `ENTRYPOINT` clears an inherited `CMD` only when the stage sets no `CMD` of its own, which removing
    an earlier `CMD` that a later one overrides does not change. `ONBUILD` triggers are not counted.
    """
    for stage in df.stages:
        for kind in _ONCE:
            same = [i for i in stage.instructions if i.cmd == kind]
            for instr in same[:-1]:
                yield ctx.report(
                    df,
                    instr.start,
                    f"`{instr.keyword}` is overridden by the `{kind}` on line {same[-1].start_line}",
                    Fix.safe(remove(df, instr)),
                    instruction=instr.index,
                )
