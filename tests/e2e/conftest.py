"""Session set-up for the e2e suite: buildah, debootstrap and a local debian:12, once per run.

Off CI the suite skips, with the reason shown, where it cannot run (not root, no apt-get, no
Debian mirror). With CI=true the same problems fail the run: a green CI must mean the builds ran.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from .base import SetupError, ensure_base, ensure_tools
from .buildah import Buildah, choose_driver
from .harness import TIMINGS

# Kept between runs: the bootstrapped root as a tarball, buildah's storage with debian:12 in it,
# and downloaded wheels. DOCKFIX_E2E_CACHE moves it (e.g. to a user cache dir).
DEFAULT_CACHE = Path("/var/cache/dockfix-e2e")
RUNROOT = Path("/run/dockfix-e2e")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"e2e set-up failed on CI (where it must run): {reason}", pytrace=False)
    pytest.skip(f"e2e: {reason}")


@pytest.fixture(scope="session")
def e2e_cache() -> Path:
    path = Path(os.environ.get("DOCKFIX_E2E_CACHE", DEFAULT_CACHE))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def buildah(e2e_cache: Path) -> Buildah:
    if os.geteuid() != 0:
        _unavailable("needs root (debootstrap, buildah's chroot isolation, overlay mounts)")
    start = time.monotonic()
    try:
        installed = ensure_tools()
        driver = Buildah(e2e_cache / "storage", RUNROOT, choose_driver(e2e_cache))
        based = ensure_base(driver, e2e_cache)
    except SetupError as e:
        _unavailable(str(e))
    TIMINGS.insert(0, f"set-up {time.monotonic() - start:.1f}s (apt-get {installed:.1f}s, debian:12 base {based:.1f}s),"
                      f" storage driver {driver.driver}")
    return driver


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("e2e builds (buildah)")
        for line in TIMINGS:
            terminalreporter.write_line(line)
