"""`dockfix --diff .` at the root of whole public repositories gives exactly the reviewed diff.

Every hunk in `expected/<repo>.diff` was read as that repository's maintainer would read a pull request;
`expected/<repo>.md` says why each is one they merge. A change of output is a change of what users are
offered: review it hunk by hunk before regenerating (`python -m tests.repos.whole_repos`).
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from tests.repos.whole_repos import EXPECTED, dockfix, repositories

REPOS = repositories()
pytestmark = pytest.mark.skipif(not REPOS, reason="../shared/repos is not beside the checkout")


@pytest.mark.parametrize("repo", REPOS, ids=[r.name for r in REPOS])
def test_diff_at_repository_root_is_the_reviewed_one(repo: Path) -> None:
    r = dockfix(repo, "--diff")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (EXPECTED / f"{repo.name}.diff").read_text()


@pytest.mark.parametrize("repo", REPOS, ids=[r.name for r in REPOS])
def test_every_proposed_hunk_is_reviewed(repo: Path) -> None:
    """Each file the diff touches has a review note."""
    diff = (EXPECTED / f"{repo.name}.diff").read_text()
    notes = (EXPECTED / f"{repo.name}.md").read_text()
    touched = [line[len("+++ b/") :] for line in diff.splitlines() if line.startswith("+++ b/")]
    assert [f for f in touched if f"`{f}`" not in notes] == []


@pytest.mark.parametrize("repo", REPOS, ids=[r.name for r in REPOS])
def test_written_repository_is_stable(repo: Path, tmp_path: Path) -> None:
    """`--write` then `--check` on a copy: the written files are what --diff showed, and settle."""
    copy = tmp_path / repo.name
    shutil.copytree(repo, copy, symlinks=True)
    for path in [copy, *copy.rglob("*")]:  # ../shared is laid out read-only; a user's checkout is not
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert dockfix(copy, "--write").returncode == 0
    again = dockfix(copy, "--check")
    assert again.returncode == 0, again.stdout + again.stderr
