"""DF012 apt-install-recommends: an unsafe fix, applied only when asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.engine.rules import select_rules
from tests.support.fixture_pairs import FIXTURES, read, run

RULE = "apt-install-recommends"


def test_fix_is_unsafe_and_applied_only_when_asked_for() -> None:
    text = read(FIXTURES / RULE / "safe_only.keep.Dockerfile")
    default = run(text, RULE)
    (finding,) = default.findings
    assert finding.applicability == "unsafe"
    assert default.output == text
    fixed = run(text, RULE, unsafe=True).output
    assert fixed == text.replace("apt-get install -y curl", "apt-get install -y --no-install-recommends curl")


def test_documented() -> None:
    (r,) = select_rules([RULE])
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in r.doc
    assert r.hadolint == ("DL3015",) and "DL3015" in r.doc
