"""DF003 apt-lists-not-removed: fixture pairs, what is only reported, and what the fixed scripts do."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.engine.rules import select_rules
from tests.support.fixture_pairs import FIXTURES, pairs, read, run
from tests.support.package_scripts import changed_scripts, is_subsequence, run_scripts, run_stubbed, syntax_ok

RULE = "apt-lists-not-removed"
CLEANUP = "rm -rf /var/lib/apt/lists/*"


@pytest.mark.parametrize(
    "case,reason",
    [
        ("backtick_escape", "backtick"),
        ("exec_form", "exec (JSON) form"),
        ("powershell", "not a POSIX shell"),
        ("comment_hides_rest", "shell comment on line 2 hides the rest"),
        ("ends_with_exit", "ends with exit"),
        ("later_exec_form_install", "RUN on line 3 installs with these lists"),
        ("update_only", "installs nothing"),
    ],
)
def test_reported_without_fix(case: str, reason: str) -> None:
    findings = run(read(FIXTURES / RULE / f"{case}.keep.Dockerfile"), RULE).findings
    assert [f.code for f in findings] == ["DF003"]
    assert findings[0].fix is None and reason in findings[0].message


@pytest.mark.parametrize("case", ["already_removed", "dist_clean", "cache_mount", "builder_stage"])
def test_silent(case: str) -> None:
    assert run(read(FIXTURES / RULE / f"{case}.keep.Dockerfile"), RULE).findings == []


def test_target_stage_ships() -> None:
    text = read(FIXTURES / RULE / "builder_stage.keep.Dockerfile")
    out = run(text, RULE, target="build").output
    assert CLEANUP in out.split("FROM scratch")[0]


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fixed_scripts_behave(src: Path, expected: Path, tmp_path: Path) -> None:
    """Every changed RUN is valid shell, still runs everything it ran, removes the lists last, and
    still fails when an install fails (the cleanup never masks an error)."""
    # the fix the code makes now, not the snapshot
    changed = changed_scripts(read(src), run(read(src), RULE).output)
    assert changed
    for n, (before, after) in enumerate(changed):
        assert syntax_ok(after), after
        ok_before = run_stubbed(before, tmp_path / f"{n}a")
        ok_after = run_stubbed(after, tmp_path / f"{n}b")
        assert ok_before.status == ok_after.status == 0
        assert is_subsequence(ok_before.calls, ok_after.calls)
        assert ok_after.calls[-1] == CLEANUP
        failing = '"apt-get install"*|"apt install"*'
        bad_before = run_stubbed(before, tmp_path / f"{n}c", fail=failing)
        bad_after = run_stubbed(after, tmp_path / f"{n}d", fail=failing)
        assert (bad_before.status != 0) == (bad_after.status != 0)


def test_later_install_gets_its_own_update() -> None:
    """The RUN that relied on the earlier lists runs `apt-get update` before it installs."""
    after = run_scripts(read(FIXTURES / RULE / "later_install_without_update.out.Dockerfile"))
    for script in after[1:]:
        assert script is not None
        assert script.index("apt-get update") < script.index("apt-get install")


def test_documented() -> None:
    (r,) = select_rules([RULE])
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in r.doc
    assert r.hadolint == ("DL3009",) and "DL3009" in r.doc
