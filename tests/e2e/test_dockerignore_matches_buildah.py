"""DF004 reads `.dockerignore` to decide which manifests a build sends: check that reading against what
buildah (the same moby pattern matcher as BuildKit) really copies, pattern set by pattern set."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from fixer.model.context import BuildContext

from .buildah import Buildah

pytestmark = pytest.mark.e2e

FILES = [
    "node_modules/a/b.js", "src/node_modules/x.js", "node_modules.txt", "CHANGES.md", "README.md", "docs/x.md",
    "docs/a.txt", "docs/keep.txt", "a.pyc", "pkg/sub/b.pyc", "a.py", "build/out.bin", "src/build/y",
    "requirements.txt", ".venv/pyvenv.cfg", "sub/.venv/z", "b.txt", "ab.txt", "d1/a.log", "d1/d2/a.log", "a.log",
    "q/r/s/t.txt", "# not a comment",
]  # fmt: skip
PATTERNS = [
    "node_modules\n",
    "*.md\n!README.md\n",
    "**/*.pyc\n",
    "/build/\n# comment\n",
    "docs\n!docs/keep.txt\n",
    "*\n!requirements.txt\n",
    "**/.venv\n",
    "docs/\n",
    "./build\n",
    "node_modules/\n!node_modules/a/b.js\n",
    # BuildKit's walker enters an excluded folder only for a `!` pattern that starts with its path
    "*\n!**/*.txt\n",
    "**/*.log\n!d1/d2\n",
    "d1/**\n!d1/d2/**\n",
    "[^a]*.txt\n",
    "q/**/t.txt\n",
    "  # not a comment\n",
    # Not here: `**foo`, `a+b`, `x^y`. Debian's buildah 1.28 vendors the matcher from before moby's
    # patternmatcher gained its exact/prefix/suffix fast paths and escaped `+`; BuildKit (and dockfix)
    # exclude `barfoo` for `**foo` and the file `a+b` for `a+b`.
]


@pytest.mark.parametrize("patterns", PATTERNS)
def test_dockerignore_reading_matches_buildah(patterns: str, buildah: Buildah, tmp_path: Path) -> None:
    root = tmp_path / "context"
    for f in FILES:
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        (root / f).write_text(f)
    (root / ".dockerignore").write_text(patterns)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\nCOPY . /ctx/\n")
    tag = f"localhost/dockfix-ignore-{uuid.uuid4().hex[:12]}"
    result = buildah.build(dockerfile, root, tag)
    assert result.ok, result.log
    try:
        with buildah.mounted(tag) as (_container, mount):
            sent = sorted(p.relative_to(mount / "ctx").as_posix() for p in (mount / "ctx").rglob("*") if p.is_file())
    finally:
        buildah.remove_image(tag)
    ctx = BuildContext(root)
    assert sorted(f for f in [*FILES, ".dockerignore"] if not ctx.ignored(f)) == sent
