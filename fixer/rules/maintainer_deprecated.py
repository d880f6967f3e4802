"""DF021 maintainer-deprecated: MAINTAINER becomes the OCI authors label."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, Option, RuleContext, rule
from fixer.model.casing import cased
from fixer.edits.quoting import double_quoted
from fixer.model.stages import lineage_before
from fixer.syntax import Dockerfile, Instruction, ParseError
from fixer.syntax.buildkit import node_of

AUTHORS = "org.opencontainers.image.authors"


@rule(
    "DF021",
    "maintainer-deprecated",
    fixes=Fixes.SOMETIMES,
    phrase="replace MAINTAINER with a label",
    hadolint=("DL4000",),
    buildkit=("MaintainerDeprecated",),
    options=(
        Option("label", str, "org.opencontainers.image.authors", "the label key MAINTAINER becomes"),
    ),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Replaces the deprecated `MAINTAINER` instruction with a label holding the same text:
    `LABEL org.opencontainers.image.authors="…"` (option `label` picks another key, e.g. `maintainer`).

    ## Why is this bad?
    `MAINTAINER` has been deprecated since Docker 1.13: it fills the image's legacy `Author` field, which
    tools no longer read. The OCI annotation `org.opencontainers.image.authors` is where registries,
    scanners and `docker inspect` users look for the image's authors.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    MAINTAINER Jane Doe <jane@example.com>
    ```
    Use instead:
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
    ```

    ## Fix safety
    Safe: the filesystem and the runtime configuration are unchanged; the text moves from the legacy
    `Author` field to the label. It is unsafe when an earlier `LABEL` of the stage (or of a stage it is
    built from) already sets that key, since the new label would replace the earlier value.
    """
    key: str = ctx.option("label", AUTHORS)
    keyword = cased(df, "LABEL")
    for instr in df.instructions:
        if instr.cmd != "MAINTAINER" or instr.stage is None:
            continue
        value = instr.args
        message = f"`MAINTAINER` is deprecated: use `LABEL {key}=…`"
        end = instr.lines[-1].text_end
        if not value or any(ln.text.lstrip().startswith("#") for ln in instr.lines[1:]):
            yield ctx.report(df, instr.start, message, instruction=instr.index)
            continue
        text = f"{keyword} {key}={double_quoted(value, df.escape)}"
        overridden = any(i.cmd == "LABEL" and _sets(df, i, key) for i in lineage_before(df, instr))
        edit = Edit(instr.file_offset(0), end, text)
        fix = Fix.unsafe(edit) if overridden else Fix.safe(edit)
        yield ctx.report(df, instr.start, message, fix, instruction=instr.index)


def _sets(df: Dockerfile, instr: Instruction, key: str) -> bool:
    try:
        node = node_of(instr, df.escape)
    except ParseError:  # a LABEL BuildKit rejects sets nothing
        return True
    return any(k.strip("\"'") == key for k, _ in node.items())
