"""The base-image tables match names as `fnmatch.fnmatchcase` does, without compiling most patterns."""

from __future__ import annotations

import fnmatch
import random

import pytest

from fixer.data.base_families import DEFAULT_ROWS, FAMILY_ROWS, VERDICT_ROWS, _glob

TABLE_PATTERNS = sorted({p for rows in (FAMILY_ROWS, VERDICT_ROWS, DEFAULT_ROWS) for row in rows for p in row[:2]})
EDGE_PATTERNS = ["*", "", "**", "a**b", "a*a", "*a*a*", "a*b*c", "ab*", "*ab", "[ab]*", "?b*"]


def _names() -> list[str]:
    rng = random.Random(16)
    names = {"".join(rng.choice("ab-/.ci0u") for _ in range(rng.randint(0, 9))) for _ in range(3000)}
    return sorted(names | {"aaa", "a", "ab", "aba", "abca", "node", "ubi9", "mcr.microsoft.com/windows/servercore",
                           "registry.access.redhat.com/ubi9/ubi-minimal", "gcr.io/distroless/static"})  # fmt: skip


@pytest.mark.parametrize("pattern", TABLE_PATTERNS + EDGE_PATTERNS)
def test_glob_agrees_with_fnmatchcase(pattern: str) -> None:
    match = _glob(pattern)
    wrong = [n for n in _names() if match(n) != fnmatch.fnmatchcase(n, pattern)]
    assert wrong == []
