"""DF008 dnf-cache-kept: fixture pairs, and what the fixed scripts do."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.engine.rules import select_rules
from tests.support.cache_cleanup_cases import check_cleanup_behaviour
from tests.support.fixture_pairs import pairs

RULE = "dnf-cache-kept"


def test_documented() -> None:
    (r,) = select_rules([RULE])
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in r.doc
    assert r.hadolint == ("DL3040",) and "DL3040" in r.doc


def _cleanup(script: str) -> tuple[str, ...]:
    words = script.split()
    return tuple(f"{t} clean all" for t in ("dnf", "microdnf", "tdnf") if t in words)


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fixed_scripts_behave(src: Path, expected: Path, tmp_path: Path) -> None:
    check_cleanup_behaviour(src, RULE, _cleanup, '*" install"*|*" group install"*', tmp_path)
