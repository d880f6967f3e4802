"""Running dockfix as a user would: a real subprocess, with the user cache in the test's own folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# the real thing: a run that hangs is a failure, not a stuck test suite
TIMEOUT = 60


def env_for(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKFIX_", "PYTHON"))}
    return {**env, "DOCKFIX_CACHE_DIR": str(cache), "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}


def dockfix(cwd: Path, *args: str, cache: Path | None = None, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    cache = cache if cache is not None else cwd / ".cache-dockfix"
    return subprocess.run(
        [sys.executable, "-m", "fixer", *args],
        cwd=cwd,
        env=env_for(cache),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def dockfix_patched(cwd: Path, patch: str, *args: str) -> subprocess.CompletedProcess[str]:
    """dockfix with `patch` (Python source) run first in the same process: to stop it at a chosen moment."""
    script = f"import sys\nsys.argv = ['dockfix', *{list(args)!r}]\n{patch}\nfrom fixer.cli import main\nmain()\n"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=env_for(cwd / ".cache-dockfix"),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def one_error_line(stderr: str) -> str:
    """The promise for bad input: exactly one line, an error, no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.startswith("dockfix: error:")]
    assert len(lines) == 1, stderr
    return lines[0]
