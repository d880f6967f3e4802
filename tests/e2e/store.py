"""The e2e suite's buildah store, ready to build: the tools, a debian:12 base, and an apt cache in front.

Used by the e2e fixture (tests/e2e/conftest.py) and by `make bench-build` (tests/scripts/bench_build.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .aptcache import AptCache
from .base import apt_http_hosts, ensure_base, ensure_tools
from .buildah import Buildah, choose_driver

# Kept between runs: the bootstrapped root as a tarball, buildah's storage with debian:12 in it,
# downloaded wheels, and the apt cache's packages and indexes (set DOCKFIX_E2E_APT_CACHE=0 to
# let builds reach the archive directly). DOCKFIX_E2E_CACHE moves it (e.g. to a user cache dir).
DEFAULT_CACHE = Path("/var/cache/dockfix-e2e")
RUNROOT = Path("/run/dockfix-e2e")


def cache_dir() -> Path:
    path = Path(os.environ.get("DOCKFIX_E2E_CACHE", DEFAULT_CACHE))
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def ready_buildah(cache: Path, timings: list[str] | None = None) -> Iterator[Buildah]:
    """buildah on the store in `cache`, with debian:12 in it; raises SetupError where that cannot be.
    `timings` gets a line for the set-up and, at the end, one for the apt cache."""
    start = time.monotonic()
    installed = ensure_tools()
    # the run root holds a store's locks and mount counts: one per store, never shared
    runroot = RUNROOT / hashlib.sha256(str(cache.resolve()).encode()).hexdigest()[:12]
    buildah = Buildah(cache / "storage", runroot, choose_driver(cache))
    based = ensure_base(buildah, cache)
    if timings is not None:
        timings.insert(0, f"set-up {time.monotonic() - start:.1f}s (apt-get {installed:.1f}s, debian:12 base {based:.1f}s),"
                          f" storage driver {buildah.driver}")
    hosts = apt_http_hosts()
    if not hosts or os.environ.get("DOCKFIX_E2E_APT_CACHE") == "0":
        yield buildah
        return
    with AptCache(cache / "apt", hosts) as apt:
        buildah.env = dict(os.environ, http_proxy=apt.url)
        yield buildah
        if timings is not None:
            timings.insert(1, f"apt cache: {apt.stats}")
