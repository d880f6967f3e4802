"""How many worker processes `dockfix` starts by default (issue 16: --jobs must help, not hurt)."""

from __future__ import annotations

import os

import pytest

from fixer import runner


@pytest.mark.parametrize(
    ("cores", "load", "workers"),
    [
        (2, 0.0, 2),  # an idle machine: every core
        (2, 0.4, 2),
        (2, 1.0, 1),  # one core taken: a second worker would share it
        (2, 4.5, 1),  # busy: one worker, never none
        (8, 3.2, 5),
        (8, 0.0, 8),
    ],
)
def test_default_workers_leave_busy_cores_alone(monkeypatch: pytest.MonkeyPatch, cores: int, load: float, workers: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert runner.default_workers() == workers

