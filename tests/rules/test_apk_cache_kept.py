"""DF006 apk-cache-kept: fixture pairs, and what the fixed scripts do."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.engine.rules import select_rules
from tests.support.fixture_pairs import FIXTURES, pairs, read, run
from tests.support.package_scripts import changed_scripts, is_subsequence, run_stubbed, syntax_ok

RULE = "apk-cache-kept"


def _dropped(call: str) -> bool:
    return call == "apk update" or call.startswith("rm -rf /var/cache/apk")


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fixed_scripts_behave(src: Path, expected: Path, tmp_path: Path) -> None:
    """Every `apk add` runs with --no-cache; apart from that and the dropped `apk update` / cache `rm`,
    the same commands run in the same order."""
    changed = changed_scripts(read(src), run(read(src), RULE).output)
    assert changed
    for n, (before, after) in enumerate(changed):
        assert syntax_ok(after), after
        calls_before = run_stubbed(before, tmp_path / f"{n}a").calls
        calls_after = run_stubbed(after, tmp_path / f"{n}b").calls
        adds = [c for c in calls_after if {"apk", "add"} <= set(c.split())]
        assert adds and all("--no-cache" in c.split() for c in adds)
        strip = tuple(c.replace(" --no-cache", "") for c in calls_after)
        assert strip == tuple(c for c in calls_before if c in strip or not _dropped(c))


def test_drops_update_and_rm_together() -> None:
    out = run(read(FIXTURES / RULE / "update_and_rm_dropped.in.Dockerfile"), RULE).output
    assert "apk update" not in out and "/var/cache/apk" not in out


@pytest.mark.parametrize(
    "text",
    [
        # a later RUN reads the index the update fetched
        "FROM alpine\nRUN apk update && apk add curl\nRUN apk search curl\n",
        # the later RUN's add stays as written (suppressed), so it needs the index
        "FROM alpine\nRUN apk update && apk add curl\n# dockfix: ignore=DF006\nRUN apk add git\n",
        # a stage built FROM this one upgrades on that index
        "FROM alpine AS base\nRUN apk update && apk add curl\nFROM base\nRUN apk upgrade\n",
    ],
)
def test_update_kept_when_a_later_run_reads_the_index(text: str) -> None:
    out = run(text, RULE).output
    assert "RUN apk update && apk add --no-cache curl\n" in out


def test_documented() -> None:
    (r,) = select_rules([RULE])
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in r.doc
    assert r.hadolint == ("DL3019",) and "DL3019" in r.doc
