"""Every finding `dockfix --diff` prints on the shared corpus and repositories is at a line of the user's file.

Findings of later passes were once printed at lines of the fixed text (issue 14 §6): 208 of 3648 were on
no instruction of the original file. Positions are now mapped back through each pass's edits.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fixer.engine.pipeline import fix_text
from fixer.engine.rules import FileContext, all_rules
from fixer.runner import allow_policy
from fixer.syntax import ParseError, parse
from tests.support import corpus

REPOS = corpus.SHARED / "repos"


def _files() -> list[Path]:
    found = [p for p in (corpus.SHARED / "corpus").rglob("*") if p.is_file() and corpus.is_dockerfile(p)]
    found += [p for p in REPOS.rglob("*") if p.is_file() and "dockerfile" in p.name.lower()]
    return sorted(found)


@pytest.mark.skipif(not corpus.available(), reason=corpus.MISSING)
def test_every_finding_is_on_an_instruction_line_of_the_original(tmp_path: Path) -> None:
    from fixer.images.resolve import make_resolver

    resolver = make_resolver({"offline": True, "cache_dir": str(tmp_path / "cache")})
    ctx = FileContext(resolver=resolver, options={"DF001": {"offline": True}})
    rules, allow = all_rules(), allow_policy(None)
    checked = off = 0
    for path in _files():
        try:
            text = path.read_bytes().decode("utf-8")
            result = fix_text(text, rules, replace(ctx, path=path), allow=allow)
        except (UnicodeDecodeError, ParseError):
            continue
        lines = {n for i in parse(text).instructions for n in range(i.start_line, i.end_line + 1)}
        for f in result.findings:
            checked += 1
            if f.line not in lines:
                off += 1
        keys = [(f.code, f.line, f.column, f.message, f.fixed) for f in result.findings]
        assert len(keys) == len(set(keys)), f"a finding printed twice in {path}"
    resolver.close()
    assert checked > 1000
    assert off == 0, f"{off} of {checked} findings are not on an instruction line of the user's file"
