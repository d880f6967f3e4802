"""Rules declare options, services, fix safety and a commit phrase as data; the context holds them to it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.pipeline import fix_text
from fixer.engine.rules import FileContext, Fixes, Option, Rule, RuleContext, Service, ServiceNotDeclared, all_rules
from fixer.prepare import RunOptions, SetupError, prepare
from fixer.report import fix_safety, rules_table
from fixer.syntax import Dockerfile
from tests.support.fixture_pairs import FIXTURES, read


def _doc_word(r: Rule) -> str:
    m = re.search(r"## Fix safety\s+(\w+)", r.doc)
    return (m.group(1).lower() if m else "none").rstrip(":")


@pytest.mark.parametrize("r", all_rules(), ids=lambda r: r.code)
def test_declared_fix_safety_agrees_with_the_rule_docs(r: Rule) -> None:
    word = _doc_word(r)
    if word in ("safe", "unsafe"):
        # the docs may start with the rule's usual case and go on to the exceptions: then "sometimes"
        assert r.fixes.value in (word, "sometimes")
    elif word in ("none", "no", "report", "reported", "there"):
        assert r.fixes is Fixes.NONE
    else:
        assert r.fixes is Fixes.SOMETIMES, f"the docs say {word!r}"
    assert fix_safety(r) == r.fixes.value
    assert r.phrase and r.phrase[0].islower()


def test_fixes_on_the_fixtures_are_what_each_rule_declares() -> None:
    """A rule declared SAFE never offers an unsafe fix on its fixtures, nor an UNSAFE one a safe fix."""
    seen = 0
    for r in all_rules():
        folder = FIXTURES / r.name
        for src in sorted(folder.glob("*.Dockerfile"))[:40]:
            ctx = FileContext(path=src)
            for f in fix_text(read(src), [r], ctx, allow=lambda f: False).findings:
                if f.fix is None:
                    continue
                seen += 1
                if r.fixes is Fixes.SAFE:
                    assert f.applicability == "safe", (r.code, src.name)
                elif r.fixes is Fixes.UNSAFE:
                    assert f.applicability == "unsafe", (r.code, src.name)
                else:
                    assert r.fixes is not Fixes.NONE, (r.code, src.name)
    assert seen > 100


def _rule(check: object, **kw: object) -> Rule:
    return Rule("DF901", "test-rule", check, **kw)  # type: ignore[arg-type]


def test_a_service_a_rule_did_not_declare_is_refused() -> None:
    def reads_target(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
        yield ctx.report(df, 0, f"target {ctx.target}")

    with pytest.raises(ServiceNotDeclared):
        fix_text("FROM a\n", [_rule(reads_target)], FileContext(target="x"))
    out = fix_text("FROM a\n", [_rule(reads_target, services=frozenset({Service.TARGET}))], FileContext(target="x"))
    assert [f.message for f in out.findings] == ["target x"]


def test_options_come_from_the_declaration_the_config_and_the_call() -> None:
    r = _rule(None, options=(Option("n", int, 3, "a number"),))
    assert FileContext().for_rule(r).option("n") == 3
    assert FileContext().for_rule(r).option("n", 5) == 5  # the caller's default wins over the declared one
    assert FileContext(options={"DF901": {"n": 7}}).for_rule(r).option("n", 5) == 7
    with pytest.raises(KeyError):
        FileContext().for_rule(r).option("undeclared", 1)


def test_the_context_is_frozen_and_each_rule_sees_its_own_view() -> None:
    ctx = FileContext(path=Path("Dockerfile"))
    with pytest.raises(AttributeError):
        ctx.path = None  # type: ignore[misc]
    a, b = all_rules()[:2]
    assert ctx.for_rule(a).rule is a and ctx.for_rule(b).rule is b and ctx.for_rule(a).path == Path("Dockerfile")


def test_prepare_checks_rule_options_against_the_declarations(tmp_path: Path) -> None:
    run = prepare(tmp_path, RunOptions(isolated=True, rule_options={"DF005": {"uid": 2000}}, registry=False))
    assert run.ctx.options["DF005"]["uid"] == 2000 and run.ctx.options["DF005"]["name"] == "app"
    with pytest.raises(SetupError, match="no option 'colour'"):
        prepare(tmp_path, RunOptions(isolated=True, rule_options={"DF005": {"colour": "red"}}, registry=False))
    cfg = tmp_path / ".dockfix.toml"
    cfg.write_text('[rules.root-user]\nuid = "x"\n')
    with pytest.raises(SetupError, match=r"rules\.root-user\.uid` must be of type int"):
        prepare(tmp_path, RunOptions(config_file=cfg, registry=False))
    cfg.write_text("[rules.DF005]\nuid = 4242\n")
    assert prepare(tmp_path, RunOptions(config_file=cfg, registry=False)).ctx.options["DF005"]["uid"] == 4242


def test_a_resolver_is_made_only_for_rules_that_declare_the_registry(tmp_path: Path) -> None:
    assert prepare(tmp_path, RunOptions(select=["DF002"], isolated=True)).ctx.resolver is None
    run = prepare(tmp_path, RunOptions(select=["DF001"], isolated=True, rule_options={"DF001": {"offline": True}}))
    try:
        assert run.ctx.resolver is not None and not run.networked
    finally:
        run.close()


def test_list_rules_shows_the_declared_safety() -> None:
    table = rules_table(all_rules())
    assert re.search(r"^DF005\s+root-user\s+sometimes\b", table, re.M)
    assert re.search(r"^DF012\s+apt-install-recommends\s+unsafe\b", table, re.M)
