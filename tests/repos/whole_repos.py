"""Run dockfix at the root of each shared repository, as a user would: `dockfix --diff .`.

Offline, with the test's own empty cache: what needs a registry (DF001's pins, DF005's look-up of a base
image's user) is reported, never guessed, so the output depends on the repository alone.
`python -m tests.repos.whole_repos` rewrites the expectations after a reviewed change; the review notes
beside them (`expected/<repo>.md`) say why each kept hunk is one the maintainer merges.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPOS = Path(__file__).resolve().parents[2].parent / "shared" / "repos"
EXPECTED = Path(__file__).resolve().parent / "expected"


def repositories() -> list[Path]:
    return sorted(p for p in REPOS.iterdir() if p.is_dir()) if REPOS.is_dir() else []


def dockfix(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fixer", "--offline", "--color", "never", *args, "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["DOCKFIX_CACHE_DIR"] = cache
        for repo in repositories():
            r = dockfix(repo, "--diff")
            (EXPECTED / f"{repo.name}.diff").write_text(r.stdout)
            print(f"{repo.name}: {r.stdout.count(chr(10) + '@@') + r.stdout.startswith('@@')} hunks")


if __name__ == "__main__":
    main()
