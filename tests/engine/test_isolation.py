"""The harness keeps tests away from the user's own state (tests/conftest.py): each test has a fresh,
empty cache directory and HOME, in the test process and in every dockfix it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixer.cachedir import cache_dir
from tests.conftest import USER_CACHE_DIR, USER_HOME

WHERE = "from pathlib import Path; from fixer.cachedir import cache_dir; print(cache_dir()); print(Path.home())"


def _outside_user_state(path: Path) -> bool:
    mine = [Path(p).resolve() for p in (USER_HOME, USER_CACHE_DIR) if p]
    return not any(path.resolve().is_relative_to(p) for p in mine)


@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_has_its_own_empty_cache_and_home(turn: int, user_cache: Path) -> None:
    assert cache_dir() == user_cache and list(user_cache.iterdir()) == []
    (user_cache / "left-by-this-test").write_text(str(turn))  # the next turn must not see it
    out = subprocess.run([sys.executable, "-c", WHERE], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:2] == [str(user_cache), os.environ["HOME"]]
    assert _outside_user_state(user_cache) and _outside_user_state(Path.home())
    assert Path.home() != user_cache and Path.home().is_dir()
