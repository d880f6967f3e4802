"""How many worker processes `dockfix` starts by default (issue 16: --jobs must help, not hurt)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixer import runner
from tests.support.projects import dockerfiles


@pytest.mark.parametrize(
    ("cores", "load", "now", "workers"),
    [
        (2, 0.0, 0, 2),  # an idle machine: every core
        (2, 0.4, 0, 2),
        (2, 1.0, 1, 1),  # one core taken: a second worker would share it
        (2, 4.5, 5, 1),  # busy: one worker, never none
        (8, 3.2, 3, 5),
        (8, 0.0, 0, 8),
        (2, 1.8, 0, 2),  # the last minute was busy (hadolint just ran) but nothing else runs now
        (2, 0.1, 1, 2),  # something else is runnable this instant, but the machine has been idle
        (2, 1.8, None, 1),  # no /proc: the average decides
    ],
)
def test_default_workers_leave_busy_cores_alone(
    monkeypatch: pytest.MonkeyPatch, cores: int, load: float, now: int | None, workers: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(runner, "_others_runnable", lambda: now)
    assert runner.default_workers() == workers


def test_runnable_threads_are_read_from_proc() -> None:
    if not Path("/proc/loadavg").exists():
        pytest.skip("no /proc/loadavg")
    now = runner._others_runnable()
    assert now is not None and now >= 0


# The command line's own entry point, with a fork hook that keeps the second worker busy for a while
# (as loading CA certificates in a fork hook once did): the first worker does every file, and the pool
# ends the second one with SIGTERM while it is still inside the hook.
_SLOW_SECOND_WORKER = """
import os, sys, time
forks = [0]
os.register_at_fork(before=lambda: forks.__setitem__(0, forks[0] + 1),
                    after_in_child=lambda: time.sleep(5) if forks[0] == 2 else None)
sys.argv = ["dockfix", *sys.argv[1:]]
from fixer.cli import main
main()
"""


def test_a_worker_ended_by_the_pool_inside_a_fork_hook_does_not_hang_the_run(tmp_path: Path) -> None:
    files = dockerfiles(tmp_path, (f"FROM scratch\nCOPY app{i} /\n" for i in range(16)))
    proc = subprocess.run(
        [sys.executable, "-c", _SLOW_SECOND_WORKER, "--check", "--isolated", "--jobs", "2", *files],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Exception ignored" not in proc.stderr
