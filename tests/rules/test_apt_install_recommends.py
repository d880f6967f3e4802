"""DF012 apt-install-recommends: an unsafe fix, applied only when asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.engine.rules import select_rules
from tests.support.fixture_pairs import FIXTURES, read, run

RULE = "apt-install-recommends"


def test_fix_is_unsafe() -> None:
    (finding,) = run(read(FIXTURES / RULE / "safe_only.keep.Dockerfile"), RULE).findings
    assert finding.applicability == "unsafe"


def test_documented() -> None:
    (r,) = select_rules([RULE])
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in r.doc
    assert r.hadolint == ("DL3015",) and "DL3015" in r.doc
