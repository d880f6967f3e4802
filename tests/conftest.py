"""Every test runs with its own user cache directory and its own HOME; `network` tests skip without an index.

dockfix keeps registry answers in the user cache (fixer/cachedir.py): a test reading the real
~/.cache/dockfix depends on what earlier runs left there, and one writing it changes the user's next
real run. HOME goes too: registry credentials (~/.docker/config.json), git's identity and the XDG
folders are read from it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.network import unreachable_reason

_RUN = Path(tempfile.mkdtemp(prefix="dockfix-tests-"))
# what the user's own runs would use, for tests/engine/test_isolation.py to prove no test does
USER_HOME = os.environ.get("HOME", "")
USER_CACHE_DIR = os.environ.get("DOCKFIX_CACHE_DIR", "")


def _user_pip_config() -> str | None:
    """The user's own pip configuration (a mirror, a certificate), which a temporary HOME would hide."""
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.environ.get("HOME", "/"), ".config")
    for candidate in (Path(config_home) / "pip" / "pip.conf", Path(os.environ.get("HOME", "/")) / ".pip" / "pip.conf"):
        if candidate.is_file():
            return str(candidate)
    return None


def _isolated(cache: Path, home: Path) -> dict[str, str]:
    return {
        "DOCKFIX_CACHE_DIR": str(cache),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
    }


# Set at import, before any test module imports fixer: code run while collecting (parametrize over a
# rule's fixes) and session fixtures see a temporary cache too, never the real one.
if "PIP_CONFIG_FILE" not in os.environ and (_pip_config := _user_pip_config()):
    os.environ["PIP_CONFIG_FILE"] = _pip_config
(_RUN / "home").mkdir()
os.environ.update(_isolated(_RUN / "cache", _RUN / "home"))
# the user's DOCKER_CONFIG would point past the temporary HOME; unset, ~/.docker is the temporary one.
# Not pointed at an empty folder instead: buildah then demands a config.json there and every e2e build fails
os.environ.pop("DOCKER_CONFIG", None)


@pytest.fixture(autouse=True)
def user_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's own DOCKFIX_CACHE_DIR (empty) and HOME, removed afterwards."""
    base = Path(tempfile.mkdtemp(dir=_RUN, prefix="test-"))
    cache, home = base / "cache", base / "home"
    cache.mkdir()
    home.mkdir()
    for key, value in _isolated(cache, home).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    yield cache
    shutil.rmtree(base, ignore_errors=True)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("network") and (reason := unreachable_reason()):
        pytest.skip(reason)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_RUN, ignore_errors=True)
