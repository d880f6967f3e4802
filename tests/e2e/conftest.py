"""Session set-up for the e2e suite: buildah, debootstrap and a local debian:12, once per run.

Off CI the suite skips, with the reason shown, where it cannot run (not root, no apt-get, no
Debian mirror). With CI=true the same problems fail the run: a green CI must mean the builds ran.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .aptcache import AptCache
from .base import SetupError, apt_http_hosts, ensure_base, ensure_tools
from .buildah import Buildah, choose_driver
from .harness import TIMINGS

# Kept between runs: the bootstrapped root as a tarball, buildah's storage with debian:12 in it,
# downloaded wheels, and the apt cache's packages and indexes (set DOCKFIX_E2E_APT_CACHE=0 to
# let builds reach the archive directly). DOCKFIX_E2E_CACHE moves it (e.g. to a user cache dir).
DEFAULT_CACHE = Path("/var/cache/dockfix-e2e")
RUNROOT = Path("/run/dockfix-e2e")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"e2e set-up failed on CI (where it must run): {reason}", pytrace=False)
    pytest.skip(f"e2e: {reason}")


@pytest.fixture(scope="session")
def e2e_cache() -> Path:
    if os.geteuid() != 0:
        _unavailable("needs root (debootstrap, buildah's chroot isolation, overlay mounts)")
    path = Path(os.environ.get("DOCKFIX_E2E_CACHE", DEFAULT_CACHE))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def buildah(e2e_cache: Path) -> Iterator[Buildah]:
    start = time.monotonic()
    try:
        installed = ensure_tools()
        # the run root holds a store's locks and mount counts: one per store, never shared
        runroot = RUNROOT / hashlib.sha256(str(e2e_cache.resolve()).encode()).hexdigest()[:12]
        driver = Buildah(e2e_cache / "storage", runroot, choose_driver(e2e_cache))
        based = ensure_base(driver, e2e_cache)
    except SetupError as e:
        _unavailable(str(e))
    TIMINGS.insert(0, f"set-up {time.monotonic() - start:.1f}s (apt-get {installed:.1f}s, debian:12 base {based:.1f}s),"
                      f" storage driver {driver.driver}")
    hosts = apt_http_hosts()
    if not hosts or os.environ.get("DOCKFIX_E2E_APT_CACHE") == "0":
        yield driver
        return
    with AptCache(e2e_cache / "apt", hosts) as cache:
        driver.env = dict(os.environ, http_proxy=cache.url)
        yield driver
        TIMINGS.insert(1, f"apt cache: {cache.stats}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("e2e builds (buildah)")
        for line in TIMINGS:
            terminalreporter.write_line(line)
