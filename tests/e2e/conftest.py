"""Session set-up for the e2e suite: buildah, debootstrap and a local debian:12, once per run.

Off CI the suite skips, with the reason shown, where it cannot run (not root, no apt-get, no
Debian mirror). With CI=true the same problems fail the run: a green CI must mean the builds ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .base import SetupError
from .buildah import Buildah
from .harness import TIMINGS
from .store import cache_dir, ready_buildah


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"e2e set-up failed on CI (where it must run): {reason}", pytrace=False)
    pytest.skip(f"e2e: {reason}")


@pytest.fixture(scope="session")
def e2e_cache() -> Path:
    if os.geteuid() != 0:
        _unavailable("needs root (debootstrap, buildah's chroot isolation, overlay mounts)")
    return cache_dir()


@pytest.fixture(scope="session")
def buildah(e2e_cache: Path) -> Iterator[Buildah]:
    try:
        with ready_buildah(e2e_cache, TIMINGS) as driver:
            yield driver
    except SetupError as e:
        _unavailable(str(e))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("e2e builds (buildah)")
        for line in TIMINGS:
            terminalreporter.write_line(line)
