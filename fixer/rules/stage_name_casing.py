"""DF024 stage-name-casing: stage names in lower case, with every reference renamed along."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.stage_names import name_span, references
from fixer.syntax import Dockerfile


@rule(
    "DF024",
    "stage-name-casing",
    fixes=Fixes.SAFE,
    phrase="lower-case stage names",
    buildkit=("StageNameCasing",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Lower-cases a stage name (`FROM golang AS Builder`) and every place the file names that stage:
    `FROM Builder`, `COPY --from=Builder`, `RUN --mount=…,from=Builder`.

    ## Why is this bad?
    BuildKit lower-cases stage names when it reads them, so `Builder` and `builder` are the same stage;
    writing them in capitals suggests a distinction that does not exist. BuildKit's `StageNameCasing`
    check warns about it.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS Builder
    RUN go build -o /app .
    FROM alpine:3.20
    COPY --from=Builder /app /app
    ```
    Use instead:
    ```dockerfile
    FROM golang:1.22 AS builder
    RUN go build -o /app .
    FROM alpine:3.20
    COPY --from=builder /app /app
    ```

    ## Fix safety
    Safe: BuildKit matches stage names case-insensitively everywhere, `--target` on the command line
    included, so references the fix cannot see (a `--from=$STAGE`) keep working.
    """
    for stage in df.stages:
        name = stage.name
        if name is None or name == name.lower():
            continue
        sp = name_span(stage)
        fix = None
        if sp is not None:
            refs, _unclear = references(df, stage)
            edits = [Edit(sp[0], sp[1], name.lower())]
            edits += [Edit(r.start, r.end, df.text[r.start : r.end].lower()) for r in refs]
            fix = Fix.safe(*edits)
        yield ctx.report(
            df,
            sp[0] if sp else stage.from_.start,
            f"Stage name `{name}` should be lower-case",
            fix,
            instruction=stage.from_.index,
        )
