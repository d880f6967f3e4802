"""DF012 apt-install-recommends: an unsafe fix, applied only when asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.engine.rules import select_rules
from tests.fixture_pairs import FIXTURES, check_keep, check_pair, keeps, pairs, read, run

RULE = "apt-install-recommends"


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fixes(src: Path, expected: Path) -> None:
    check_pair(src, expected, RULE)


@pytest.mark.parametrize("src", keeps(RULE))
def test_keeps(src: Path) -> None:
    check_keep(src, RULE)


def test_fix_is_unsafe() -> None:
    (finding,) = run(read(FIXTURES / RULE / "safe_only.keep.Dockerfile"), RULE).findings
    assert finding.applicability == "unsafe"


def test_documented() -> None:
    (r,) = select_rules([RULE])
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in r.doc
    assert r.hadolint == ("DL3015",) and "DL3015" in r.doc
