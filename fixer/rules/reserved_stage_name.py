"""DF025 reserved-stage-name: a stage named `scratch` or `context` gets a name of its own."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.stage_names import name_span, references
from fixer.syntax import Dockerfile

RESERVED = frozenset({"scratch", "context"})


@rule(
    "DF025",
    "reserved-stage-name",
    fixes=Fixes.UNSAFE,
    phrase="rename reserved stage names",
    hadolint=("DL3063",),
    buildkit=("ReservedStageName",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Renames a stage called `scratch` or `context` to `scratch-stage` / `context-stage` (a number is
    added if that name is taken) and renames the later references to it: `FROM`, `COPY --from`,
    `RUN --mount=…,from=`.

    ## Why is this bad?
    `scratch` is the empty image and `context` the name of the build context: a stage that takes either
    name makes `FROM scratch` or `COPY --from=context` mean something other than what a reader expects,
    depending on where in the file they stand. hadolint (DL3063) and BuildKit (`ReservedStageName`) warn.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS scratch
    RUN echo hi > /hi
    FROM alpine:3.20
    COPY --from=scratch /hi /hi
    ```
    Use instead:
    ```dockerfile
    FROM alpine:3.20 AS scratch-stage
    RUN echo hi > /hi
    FROM alpine:3.20
    COPY --from=scratch-stage /hi /hi
    ```

    ## Fix safety
    Unsafe: the build of the file is the same, but a build that selects the stage by name from outside
    (`docker build --target scratch`, a bake file, a CI script) must be updated by hand. Without a fix
    (report only) when a reference is written through a variable or split by a line continuation.
    """
    taken = {st.name.lower() for st in df.stages if st.name}
    for stage in df.stages:
        if stage.name is None or stage.name.lower() not in RESERVED:
            continue
        new = f"{stage.name.lower()}-stage"
        n = 2
        while new in taken:
            new = f"{stage.name.lower()}-stage{n}"
            n += 1
        sp = name_span(stage)
        refs, unclear = references(df, stage)
        fix = None
        if sp is not None and not unclear:
            fix = Fix.unsafe(Edit(sp[0], sp[1], new), *(Edit(r.start, r.end, new) for r in refs))
        yield ctx.report(
            df,
            sp[0] if sp else stage.from_.start,
            f"`{stage.name}` is a reserved name: rename the stage (e.g. `{new}`)",
            fix,
            instruction=stage.from_.index,
        )
