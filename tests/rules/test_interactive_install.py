"""DF011 interactive-install: fixture pairs, and what the fixed scripts do."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.engine.rules import select_rules
from tests.support.fixture_pairs import pairs, read, run
from tests.support.package_scripts import changed_scripts, run_stubbed, syntax_ok

RULE = "interactive-install"
FLAGS = (" -y", " --non-interactive")


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fixed_scripts_behave(src: Path, expected: Path, tmp_path: Path) -> None:
    """The same commands run in the same order; the changed ones differ by one flag word only."""
    changed = changed_scripts(read(src), run(read(src), RULE).output)
    assert changed
    for n, (before, after) in enumerate(changed):
        assert syntax_ok(after), after
        calls_before = run_stubbed(before, tmp_path / f"{n}a").calls
        calls_after = run_stubbed(after, tmp_path / f"{n}b").calls
        assert len(calls_before) == len(calls_after)
        for b, a in zip(calls_before, calls_after):
            assert a == b or (len(a.split()) == len(b.split()) + 1 and any(a.replace(f, "", 1) == b for f in FLAGS))


def test_documented() -> None:
    (r,) = select_rules([RULE])
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in r.doc
    assert r.hadolint == ("DL3014", "DL3030", "DL3038", "DL3034")
    assert all(code in r.doc for code in r.hadolint)
