"""DF007 yum-cache-kept: fixture pairs, and what the fixed scripts do."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.engine.rules import select_rules
from tests.support.cache_cleanup_cases import check_cleanup_behaviour
from tests.support.fixture_pairs import pairs

RULE = "yum-cache-kept"


def test_documented() -> None:
    (r,) = select_rules([RULE])
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in r.doc
    assert r.hadolint == ("DL3032",) and "DL3032" in r.doc


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fixed_scripts_behave(src: Path, expected: Path, tmp_path: Path) -> None:
    cleanup = ("yum clean all", "rm -rf /var/cache/yum")
    check_cleanup_behaviour(src, RULE, cleanup, '"yum "*install*|"yum "*update*', tmp_path)
