"""DF008 `dnf-cache-kept` (being written, issue 3)."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Finding
from fixer.engine.rules import RuleContext, rule
from fixer.syntax import Dockerfile


@rule("DF008", "dnf-cache-kept", hadolint=('DL3040',))
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Placeholder while the rule is written.

    ## Why is this bad?
    -

    ## Example
    -

    ## Fix safety
    -
    """
    return iter(())
