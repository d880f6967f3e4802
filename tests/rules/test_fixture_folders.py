"""Every rule's fixture folder, found by the rule's name: a new rule is one module plus one folder.

For `fixtures/<rule-name>/`: each `CASE.in.Dockerfile` becomes `CASE.out.Dockerfile` (and a second run
changes nothing), BuildKit's own parser accepts the output, and each `CASE.keep.Dockerfile` stays as it
is (named `*-safe-only` it must still be reported with an unsafe fix; `*-report-only`, with none).
Rules with set-up of their own run their folders in their own test modules (listed in OWN_RUNNER).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dockerfile
import pytest

from fixer.engine.rules import all_rules
from tests.support.fixture_pairs import FIXTURES, check_keep, check_pair, read
from tests.support.reported_cases import check_reported

# folders that need a registry (DF001), a "no build context" switch (DF004) or unsafe fixes on (DF005):
# tested by their own modules
OWN_RUNNER = {"unpinned-base-image", "copy-before-dependencies", "root-user"}
NOT_RULES = {"demo", "e2e"}


def _folders() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name not in NOT_RULES | OWN_RUNNER)


def _pairs() -> list[Any]:
    return [
        pytest.param(name, p, p.with_name(p.name.replace(".in.", ".out.")), id=f"{name}/{p.name.split('.')[0]}")
        for name in _folders()
        for p in sorted((FIXTURES / name).glob("*.in.Dockerfile"))
    ]


def _keeps() -> list[Any]:
    return [
        pytest.param(name, p, id=f"{name}/{p.name.split('.')[0]}")
        for name in _folders()
        for p in sorted((FIXTURES / name).glob("*.keep.Dockerfile"))
    ]


@pytest.mark.parametrize("rule,src,expected", _pairs())
def test_fix(rule: str, src: Path, expected: Path) -> None:
    check_pair(src, expected, rule)
    dockerfile.parse_string(read(expected))  # BuildKit's parser accepts the fixed file


@pytest.mark.parametrize("rule,src", _keeps())
def test_keep(rule: str, src: Path) -> None:
    check_keep(src, rule)
    check_reported(src, rule)


def test_every_rule_has_a_fixture_folder_with_pairs_and_keeps() -> None:
    for r in all_rules():
        folder = FIXTURES / r.name
        assert folder.is_dir(), f"{r.code} {r.name}: no fixtures/{r.name}/"
        assert list(folder.glob("*.in.Dockerfile")), f"{r.code}: no fixture pairs"
        assert list(folder.glob("*.keep.Dockerfile")), f"{r.code}: no must-not-change fixtures"


def test_every_fixture_folder_names_a_rule() -> None:
    names = {r.name for r in all_rules()}
    stray = [n for n in _folders() if n not in names]
    assert not stray, f"fixture folders without a rule: {stray}"
