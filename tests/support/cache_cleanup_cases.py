"""Shared tests of the rules that append a cache cleanup to a RUN (DF007 yum, DF008 dnf, DF009 zypper)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.support.fixture_pairs import read, run
from tests.support.package_scripts import changed_scripts, is_subsequence, run_stubbed, syntax_ok


Cleanup = tuple[str, ...] | Callable[[str], tuple[str, ...]]


def check_cleanup_behaviour(src: Path, rule: str, cleanup: Cleanup, failing: str, tmp: Path) -> None:
    """Each changed RUN is valid shell, runs what it ran before and then the cleanup (given, or computed
    from the original script), and fails whenever it failed before with an install failing."""
    changed = changed_scripts(read(src), run(read(src), rule).output)
    assert changed
    for n, (before, after) in enumerate(changed):
        assert syntax_ok(after), after
        ok_before, ok_after = run_stubbed(before, tmp / f"{n}a"), run_stubbed(after, tmp / f"{n}b")
        assert ok_before.status == ok_after.status == 0
        assert is_subsequence(ok_before.calls, ok_after.calls)
        expected = cleanup(before) if callable(cleanup) else cleanup
        assert ok_after.calls[-len(expected) :] == expected
        bad_before = run_stubbed(before, tmp / f"{n}c", fail=failing)
        bad_after = run_stubbed(after, tmp / f"{n}d", fail=failing)
        assert bad_after.status != 0 or bad_before.status == 0
