"""DF011 `interactive-install` (being written, issue 3)."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Finding
from fixer.engine.rules import RuleContext, rule
from fixer.syntax import Dockerfile


@rule("DF011", "interactive-install", hadolint=('DL3014', 'DL3030', 'DL3038', 'DL3034'))
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
