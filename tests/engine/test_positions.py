"""Positions of findings are the user's file's; text a fix inserted can be final for the other rules."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.pipeline import fix_text
from fixer.engine.rules import FileContext, Rule, RuleContext
from fixer.engine.trace import back, forward
from fixer.syntax import Dockerfile


def make_rule(code: str, check: object) -> Rule:
    return Rule(code, f"rule-{code.lower()}", check)  # type: ignore[arg-type]


def test_back_and_forward_through_edits() -> None:
    edits = [Edit(2, 4, "XYZ"), Edit.insert(6, "ab")]  # "0123456789" -> "01XYZ45ab6789"
    assert back(0, edits) == 0 and back(1, edits) == 1
    assert back(3, edits) == 2  # inside inserted text: the place of the edit
    assert back(5, edits) == 4 and back(7, edits) == 6 and back(9, edits) == 6 and back(10, edits) == 7
    assert forward(1, edits, right=False) == 1 and forward(4, edits, right=False) == 5
    assert forward(6, edits, right=False) == 7 and forward(6, edits, right=True) == 9


def _back_by_scan(offset: int, edits: list[Edit]) -> int:
    """What `back` means, one edit after another (the obvious reading, kept as the oracle)."""
    shift = 0
    for e in edits:
        new_start = e.start + shift
        if offset < new_start:
            break
        if offset < new_start + len(e.text):
            return e.start
        shift += len(e.text) - (e.end - e.start)
    return offset - shift


@pytest.mark.parametrize("seed", range(20))
def test_back_bisects_to_the_same_offsets_as_a_scan(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        pos, edits = 0, []
        for _ in range(rng.randint(0, 6)):  # deletions, insertions, replacements, some adjacent
            start = pos + rng.randint(0, 3)
            pos = start + rng.randint(0, 3)
            edits.append(Edit(start, pos, "x" * rng.randint(0, 4)))
        after = pos + sum(len(e.text) - (e.end - e.start) for e in edits) + 3
        assert [back(k, edits) for k in range(after)] == [_back_by_scan(k, edits) for k in range(after)]


def insert_header(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """Inserts three comment lines above the first FROM (so every later line moves down by three)."""
    if not df.text.startswith("# header"):
        yield ctx.report(df, 0, "no header", Fix.safe(Edit.insert(0, "# header\n# more\n# more\n")))


def report_runs(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    for i in df.instructions:
        if i.cmd == "RUN":
            yield ctx.report(df, i.start, "a RUN", instruction=i.index)


def test_a_finding_of_a_later_pass_points_at_the_users_line() -> None:
    text = "FROM a\nRUN one\nRUN two\n"
    result = fix_text(text, [make_rule("DF901", insert_header), make_rule("DF902", report_runs)])
    assert result.output.startswith("# header")
    runs = [(f.line, f.pass_no) for f in result.findings if f.code == "DF902"]
    assert runs == [(2, 2), (3, 2)]  # found on the fixed text (lines 5 and 6), printed at the user's lines


def append_user(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    if not any(i.cmd == "USER" for i in df.instructions):
        cmd = next(i for i in df.instructions if i.cmd == "CMD")
        yield ctx.report(df, cmd.start, "root", Fix.unsafe(Edit.insert(cmd.start, "RUN useradd app\nUSER app\n")))


def merge_runs(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """Merges a RUN into the RUN right above it (a small DF002)."""
    ins = df.instructions
    for a, b in zip(ins, ins[1:]):
        if a.cmd == b.cmd == "RUN":
            body = df.text[b.start + len(b.keyword) : b.end]
            fix = Fix.safe(Edit(a.end - 1, b.end - 1, " &&" + body.rstrip("\n")))
            yield ctx.report(df, b.start, "merge", fix, b.index)
            return


TEXT = "FROM a\nRUN apt-get install -y curl\nCMD [\"curl\"]\n"


def _run(final: bool) -> tuple[str, list[Finding]]:
    rules = [make_rule("DF905", append_user), make_rule("DF902", merge_runs)]
    result = fix_text(TEXT, rules, FileContext(), allow=lambda f: f.fix is not None, final_inserts=final)
    return result.output, result.findings


def test_inserted_text_is_final_for_the_other_rules() -> None:
    out, findings = _run(final=True)
    assert out == "FROM a\nRUN apt-get install -y curl\nRUN useradd app\nUSER app\nCMD [\"curl\"]\n"
    assert [(f.code, f.line, f.fixed) for f in findings] == [("DF905", 3, True)]  # reported once, at the CMD it goes before


def test_without_finality_the_inserted_run_is_merged_and_reported_twice() -> None:
    out, findings = _run(final=False)
    assert "curl && useradd app" in out
    assert sorted(f.code for f in findings if f.fixed) == ["DF902", "DF905"]
    assert all(1 <= f.line <= 3 for f in findings)  # every position is a line of the user's 3-line file


def move_copy(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """Moves the first COPY to just before CMD (a small DF004): moved text is not new text."""
    ins = df.instructions
    cp = next((i for i in ins if i.cmd == "COPY"), None)
    cmd = next(i for i in ins if i.cmd == "CMD")
    if cp is not None and cp.index + 1 < cmd.index:
        text = df.text[cp.start : cp.end]
        yield ctx.report(df, cp.start, "later", Fix.safe(Edit.delete(cp.start, cp.end), Edit.insert(cmd.start, text)))


def upper_copy(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    for i in df.instructions:
        if i.cmd == "COPY" and i.keyword == "copy":
            yield ctx.report(df, i.start, "casing", Fix.safe(Edit(i.start, i.start + 4, "COPY")))


def test_text_a_fix_moves_stays_open_to_the_other_rules() -> None:
    text = "FROM a\ncopy . /app\nRUN make\nCMD x\n"
    rules = [make_rule("DF904", move_copy), make_rule("DF906", upper_copy)]
    out = fix_text(text, rules, FileContext(), final_inserts=True).output
    assert out == "FROM a\nRUN make\nCOPY . /app\nCMD x\n"


def test_a_fix_moving_text_across_another_rules_insertion_is_dropped() -> None:
    text = "FROM a\nCOPY . /app\nCMD x\n"
    rules = [make_rule("DF905", append_user), make_rule("DF904", move_copy)]
    allow = lambda f: f.fix is not None  # noqa: E731
    final = fix_text(text, rules, FileContext(), allow=allow, final_inserts=True)
    assert final.output == "FROM a\nCOPY . /app\nRUN useradd app\nUSER app\nCMD x\n"
    assert [f.code for f in final.findings] == ["DF905"]
    moved = fix_text(text, rules, FileContext(), allow=allow, final_inserts=False)
    assert "USER app\nCOPY . /app\nCMD x" in moved.output


@pytest.mark.parametrize("final", [True, False])
def test_nothing_is_printed_twice(final: bool) -> None:
    _, findings = _run(final)
    keys = [(f.code, f.line, f.column, f.message, f.fixed) for f in findings]
    assert len(keys) == len(set(keys))


def report_copy(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    for i in df.instructions:
        if i.cmd == "COPY":
            yield ctx.report(df, i.start, "about the user's COPY", instruction=i.index)


def test_a_users_instruction_another_fix_only_edited_is_still_the_users() -> None:
    text = "FROM a\ncopy . /app\nCMD x\n"
    rules = [make_rule("DF906", upper_copy), make_rule("DF907", report_copy)]
    result = fix_text(text, rules, FileContext(), final_inserts=True)
    assert result.output == "FROM a\nCOPY . /app\nCMD x\n"
    assert [(f.code, f.line) for f in result.findings] == [("DF906", 2), ("DF907", 2)]


def report_runs_of_others(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    for i in df.instructions:
        if i.cmd == "RUN" and "useradd" in df.text[i.start : i.end]:
            yield ctx.report(df, i.start, "about the inserted RUN", instruction=i.index)


def test_a_report_about_another_rules_inserted_instruction_is_dropped() -> None:
    rules = [make_rule("DF905", append_user), make_rule("DF908", report_runs_of_others)]
    allow = lambda f: f.fix is not None  # noqa: E731
    on = fix_text(TEXT, rules, FileContext(), allow=allow, final_inserts=True)
    assert [f.code for f in on.findings] == ["DF905"]
    off = fix_text(TEXT, rules, FileContext(), allow=allow, final_inserts=False)
    assert sorted(f.code for f in off.findings) == ["DF905", "DF908"]


def flag_both_installs(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """One fix with two edits, one at each `install` of a RUN (a small DF012)."""
    for i in df.instructions:
        text = df.text[i.start : i.end]
        at = [i.start + m.end() for m in re.finditer(r"install", text)]
        if i.cmd == "RUN" and len(at) == 2 and "--quiet" not in text:
            yield ctx.report(df, i.start, "quiet", Fix.safe(*(Edit.insert(a, " --quiet") for a in at)), i.index)


def test_a_fix_with_edits_on_both_sides_of_inserted_text_moves_nothing() -> None:
    text = "FROM a\nRUN apt-get install x\nRUN apt-get install y\nCMD z\n"
    rules = [make_rule("DF902", merge_runs), make_rule("DF909", flag_both_installs)]
    result = fix_text(text, rules, FileContext(), final_inserts=True)
    assert result.output == "FROM a\nRUN apt-get install --quiet x && apt-get install --quiet y\nCMD z\n"
    assert sorted(f.code for f in result.findings if f.fixed) == ["DF902", "DF909"]


def exec_form(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """Rewrites `HEALTHCHECK CMD a b` in place to exec form (a small DF036)."""
    for i in df.instructions:
        if i.cmd == "HEALTHCHECK" and i.args == "CMD a b":
            yield ctx.report(df, i.start, "exec", Fix.safe(Edit(i.args_offset + 4, i.args_offset + 7, '["a", "b"]')), i.index)


def drop_overridden(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """Deletes every HEALTHCHECK but the last (a small DF028)."""
    checks = [i for i in df.instructions if i.cmd == "HEALTHCHECK"]
    for i in checks[:-1]:
        yield ctx.report(df, i.start, "overridden", Fix.safe(Edit.delete(i.start, i.end)), i.index)


def test_text_rewritten_inside_a_users_instruction_stays_open_to_the_other_rules() -> None:
    # only whole instructions a fix adds are final: had the exec-form rewrite been final, the deletion
    # would wait for a second run, and dockfix's output would change when run on itself
    text = "FROM a\nHEALTHCHECK CMD a b\nHEALTHCHECK CMD [\"c\"]\n"
    rules = [make_rule("DF936", exec_form), make_rule("DF928", drop_overridden)]
    once = fix_text(text, rules, FileContext(), final_inserts=True)
    assert once.output == "FROM a\nHEALTHCHECK CMD [\"c\"]\n"
    assert fix_text(once.output, rules, FileContext(), final_inserts=True).output == once.output
