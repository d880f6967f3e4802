"""The fix engine: non-overlapping fixes, fixed point, broken fixes dropped, pragmas, unsafe gating."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixer.engine.finding import Applicability, Edit, Finding, Fix
from fixer.engine import pipeline
from fixer.engine.pipeline import FixedPointError, fix_text, safe_only
from fixer.engine.rules import Rule, RuleContext
from fixer.prepare import RunOptions, prepare
from fixer.runner import fix_file
from fixer.syntax import Dockerfile


def make_rule(code: str, check: object, hadolint: tuple[str, ...] = ()) -> Rule:
    return Rule(code, f"rule-{code.lower()}", check, hadolint)  # type: ignore[arg-type]


def upper_run(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """Upper-cases `run` keywords, one instruction per finding."""
    for i in df.instructions:
        if i.keyword == "run":
            yield ctx.report(df, i.start, "lower-case RUN", Fix.safe(Edit(i.start, i.start + 3, "RUN")), i.index)


def test_applies_fixes_to_a_fixed_point() -> None:
    result = fix_text("FROM a\nrun x\nrun y\n", [make_rule("DF901", upper_run)])
    assert result.output == "FROM a\nRUN x\nRUN y\n"
    assert [f.fixed for f in result.findings] == [True, True]
    assert result.passes == 2  # one pass fixing, one pass finding nothing


def test_overlapping_fixes_are_applied_over_several_passes() -> None:
    def whole_line(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
        for i in df.instructions:
            if i.keyword == "run":
                yield ctx.report(df, i.start, "rewrite", Fix.safe(Edit(i.start, i.end, "RUN z\n")), i.index)

    result = fix_text("FROM a\nrun x\n", [make_rule("DF901", upper_run), make_rule("DF902", whole_line)])
    # the first rule wins the overlap; the second no longer fires on `RUN x`
    assert result.output == "FROM a\nRUN x\n"


def test_fix_that_breaks_the_file_is_dropped_and_reported() -> None:
    def breaks(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
        for i in df.instructions:
            if i.cmd == "RUN":
                yield ctx.report(df, i.start, "bad", Fix.safe(Edit.insert(i.end, "RUN <<EOF\n")), i.index)

    result = fix_text("FROM a\nrun x\n", [make_rule("DF901", upper_run), make_rule("DF902", breaks)])
    assert result.output == "FROM a\nRUN x\n"
    assert [f.code for f in result.dropped] == ["DF902"]
    assert not any(f.fixed for f in result.findings if f.code == "DF902")


def test_a_rule_that_never_settles_is_an_error_not_a_silent_stop() -> None:
    def grows(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
        end = df.instructions[-1].end
        yield ctx.report(df, end, "again", Fix.safe(Edit.insert(end, "RUN x\n")))

    with pytest.raises(FixedPointError):
        fix_text("FROM a\n", [make_rule("DF901", grows)])


def test_a_rule_that_flips_back_is_caught_as_a_cycle() -> None:
    def flip(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
        i = df.instructions[-1]
        new = "run" if i.keyword == "RUN" else "RUN"
        yield ctx.report(df, i.start, "flip", Fix.safe(Edit(i.start, i.start + 3, new)))

    with pytest.raises(FixedPointError, match="cycle"):
        fix_text("FROM a\nRUN x\n", [make_rule("DF901", flip)])


def test_unsafe_fixes_need_permission() -> None:
    def unsafe(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
        for i in df.instructions:
            if i.keyword == "run":
                yield ctx.report(df, i.start, "u", Fix.unsafe(Edit(i.start, i.start + 3, "RUN")), i.index)

    rules = [make_rule("DF901", unsafe)]
    kept = fix_text("FROM a\nrun x\n", rules, allow=safe_only)
    assert kept.output == "FROM a\nrun x\n" and kept.remaining[0].applicability == "unsafe"
    done = fix_text("FROM a\nrun x\n", rules, allow=lambda f: f.fix is not None)
    assert done.output == "FROM a\nRUN x\n"
    assert done.findings[0].fix is not None and done.findings[0].fix.applicability is Applicability.UNSAFE


@pytest.mark.parametrize(
    "text,changed",
    [
        ("FROM a\n# dockfix: ignore=DF901\nrun x\nrun y\n", "FROM a\n# dockfix: ignore=DF901\nrun x\nRUN y\n"),
        ("FROM a\n# dockfix: ignore=rule-df901\nrun x\n", "FROM a\n# dockfix: ignore=rule-df901\nrun x\n"),
        ("FROM a\n# dockfix: ignore\nrun x\n", "FROM a\n# dockfix: ignore\nrun x\n"),
        ("FROM a\n# dockfix: ignore=DF002\nrun x\n", "FROM a\n# dockfix: ignore=DF002\nRUN x\n"),
        ("# dockfix: global ignore=DF901\n\nFROM a\nrun x\n", "# dockfix: global ignore=DF901\n\nFROM a\nrun x\n"),
        ("FROM a\n# hadolint ignore=DL9999\nrun x\n", "FROM a\n# hadolint ignore=DL9999\nrun x\n"),
        ("FROM a\n# hadolint ignore=DL3000\nrun x\n", "FROM a\n# hadolint ignore=DL3000\nRUN x\n"),
        ("# hadolint global ignore=DL9999\nFROM a\nrun x\n", "# hadolint global ignore=DL9999\nFROM a\nrun x\n"),
        # a pragma separated by a blank line is not "directly above"
        ("FROM a\n# dockfix: ignore=DF901\n\nrun x\n", "FROM a\n# dockfix: ignore=DF901\n\nRUN x\n"),
    ],
)
def test_suppression_pragmas(text: str, changed: str) -> None:
    rule = make_rule("DF901", upper_run, hadolint=("DL9999",))
    assert fix_text(text, [rule]).output == changed


def test_fix_that_silently_changes_an_untouched_instruction_is_dropped() -> None:
    """Appending after a continuation at end of file joins the new text to the instruction above."""

    def append_user(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
        if not any(i.cmd == "USER" for i in df.instructions):
            end = len(df.text)
            yield ctx.report(df, end, "no user", Fix.safe(Edit.insert(end, "\nUSER 1\n")))

    text = "FROM a\nRUN echo one \\"
    result = fix_text(text, [make_rule("DF901", append_user)])
    assert result.output == text
    assert [f.code for f in result.dropped] == ["DF901"]
    # the same fix on a file that ends cleanly is fine
    assert fix_text("FROM a\nRUN echo one\n", [make_rule("DF901", append_user)]).output == "FROM a\nRUN echo one\n\nUSER 1\n"


def test_show_unused_pragmas_runs_no_rule_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the pragmas' use is read from the first pass's findings: the rules run once per pass, no more
    asked: list[int] = []
    real = pipeline._raw
    monkeypatch.setattr(pipeline, "_raw", lambda df, rules, ctx: asked.append(1) or real(df, rules, ctx))
    run = prepare(tmp_path, RunOptions(isolated=True, registry=False))
    text = (
        "FROM debian:12\n# dockfix: ignore=DF020\nRUN echo hi\n"
        "# dockfix: ignore=DF003\nRUN apt-get update\nRUN apt-get install -y curl\n"
    )
    done = fix_file(text, tmp_path / "Dockerfile", run, unused=True)
    assert done.result.changed, "a fix was made, so the rules ran a second pass"
    assert len(asked) == done.result.passes
    assert [line for line, _ in done.unused_pragmas] == [2]
