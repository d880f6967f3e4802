"""bashlex's parser tables come from dockfix's cache after the first import, and a bad cache is rebuilt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = (
    "from fixer.shell.bashlex_tables import load; b = load(); "
    "print([n.kind for n in b.parse('cd /x && (a || b); echo \"$(c)\" | d')])"
)


def run(cache: Path) -> str:
    env = {**os.environ, "DOCKFIX_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True).stdout


def test_tables_are_cached_and_a_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    first = run(tmp_path)
    (table,) = tmp_path.glob("bashlex-tables-*.pickle")
    assert run(tmp_path) == first, "a parser from the cache parses like a freshly built one"
    table.write_bytes(b"not a pickle")
    assert run(tmp_path) == first
    assert table.read_bytes() != b"not a pickle", "the bad cache file was replaced"


def test_unwritable_cache_still_parses(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    assert "list" in run(blocked / "sub")
