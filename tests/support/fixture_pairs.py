"""Fixture pairs shared by every rule's tests (the pyupgrade way: input → expected, plus must-not-change).

A rule's folder `fixtures/<rule-name>/` holds `CASE.in.Dockerfile` with `CASE.out.Dockerfile` (what the
fix must produce, byte for byte) and `CASE.keep.Dockerfile` (must come out unchanged). An optional
`CASE.args` holds extra options as `key=value` lines (e.g. `unsafe=true`); a `CASE.context/` folder is
the build context for rules that read it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fixer.engine.finding import Applicability, Finding
from fixer.engine.pipeline import Result, fix_text
from fixer.engine.rules import RuleContext, select_rules

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def case_options(path: Path) -> dict[str, str]:
    args = path.with_name(path.name.split(".")[0] + ".args")
    if not args.exists():
        return {}
    return dict(ln.split("=", 1) for ln in read(args).splitlines() if "=" in ln)


def run(
    text: str,
    select: str,
    *,
    unsafe: bool = False,
    path: Path | None = None,
    context_dir: Path | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    resolver: Any = None,
    target: str | None = None,
) -> Result:
    """Fix `text` with the selected rules through the real pipeline."""
    rules = select_rules(select.split(","))
    ctx = RuleContext(path=path, context_dir=context_dir, options=options or {}, resolver=resolver, target=target)

    def allow(f: Finding) -> bool:
        return f.fix is not None and (unsafe or f.fix.applicability is Applicability.SAFE)

    return fix_text(text, rules, ctx, allow=allow)


def pairs(rule_dir: str) -> list[Any]:
    """(input path, expected path) parameters for every `*.in.Dockerfile` of the rule's folder."""
    folder = FIXTURES / rule_dir
    found = [
        pytest.param(p, p.with_name(p.name.replace(".in.", ".out.")), id=p.name.split(".")[0])
        for p in sorted(folder.glob("*.in.Dockerfile"))
    ]
    assert found, f"no fixture pairs in {folder}"
    return found


def keeps(rule_dir: str) -> list[Any]:
    """Paths of every `*.keep.Dockerfile` of the rule's folder."""
    folder = FIXTURES / rule_dir
    found = [pytest.param(p, id=p.name.split(".")[0]) for p in sorted(folder.glob("*.keep.Dockerfile"))]
    assert found, f"no must-not-change fixtures in {folder}"
    return found


def context_for(path: Path) -> Path | None:
    ctx = path.with_name(path.name.split(".")[0] + ".context")
    return ctx if ctx.is_dir() else None


def check_pair(src: Path, expected: Path, select: str, **kw: Any) -> None:
    """The fix gives the expected text, and running again on it changes nothing."""
    opts = case_options(src)
    unsafe = opts.get("unsafe") == "true" or kw.pop("unsafe", False)
    kw.setdefault("context_dir", context_for(src))
    out = run(read(src), select, unsafe=unsafe, path=src, **kw).output
    assert out == read(expected)
    again = run(out, select, unsafe=unsafe, path=src, **kw).output
    assert again == out, "a second run changed the output"


def check_keep(src: Path, select: str, **kw: Any) -> None:
    opts = case_options(src)
    unsafe = opts.get("unsafe") == "true" or kw.pop("unsafe", False)
    kw.setdefault("context_dir", context_for(src))
    text = read(src)
    assert run(text, select, unsafe=unsafe, path=src, **kw).output == text
