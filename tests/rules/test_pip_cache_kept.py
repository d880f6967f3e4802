"""DF010 pip-cache-kept: fixture pairs, the unsafe case, and what the fixed scripts do."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.engine.rules import select_rules
from tests.support.fixture_pairs import FIXTURES, pairs, read, run
from tests.support.package_scripts import changed_scripts, run_stubbed, syntax_ok

RULE = "pip-cache-kept"


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fixed_scripts_behave(src: Path, expected: Path, tmp_path: Path) -> None:
    """The same commands run; every pip install now carries --no-cache-dir, nothing else changed."""
    changed = changed_scripts(read(src), run(read(src), RULE).output)
    assert changed
    for n, (before, after) in enumerate(changed):
        assert syntax_ok(after), after
        calls_before = run_stubbed(before, tmp_path / f"{n}a").calls
        calls_after = run_stubbed(after, tmp_path / f"{n}b").calls
        assert tuple(c.replace(" --no-cache-dir", "") for c in calls_after) == calls_before
        installs = [c for c in calls_after if " install" in c and c.split()[0].startswith(("pip", "python"))]
        assert installs and all("--no-cache-dir" in c.split() for c in installs)


def test_old_pip_base_is_unsafe() -> None:
    text = read(FIXTURES / RULE / "old_pip_base.keep.Dockerfile")
    (finding,) = run(text, RULE).findings
    assert finding.applicability == "unsafe"
    assert "pip install --no-cache-dir requests" in run(text, RULE, unsafe=True).output


def test_non_posix_shell_is_reported() -> None:
    (finding,) = run(read(FIXTURES / RULE / "windows.keep.Dockerfile"), RULE).findings
    assert finding.fix is None and "cmd" in finding.message


def test_documented() -> None:
    (r,) = select_rules([RULE])
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in r.doc
    assert r.hadolint == ("DL3042",) and "DL3042" in r.doc
