"""Run dockfix as `nobody`, wherever the checkout and its virtualenv live.

A checkout inside a private folder (a home directory, mode 0700) is out of nobody's reach, and so is
its virtualenv. What the run needs — the `fixer` package, the distributions it requires and their
metadata — is linked (or copied, across file systems) into a world-readable temporary folder, and
the interpreter runs with that folder first on its path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import Distribution, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement

NOBODY = 65534
DROP = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def _runtime_distributions(root: str) -> dict[str, Distribution]:
    """`root` and what it requires to run, transitively (no extras)."""
    found: dict[str, Distribution] = {}
    todo = [root]
    while todo:
        dist = distribution(todo.pop())
        name = dist.metadata["Name"].lower()
        if name in found:
            continue
        found[name] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return found


def _place(src: str | Path, dst: str | Path) -> None:
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)  # same file system: the files themselves are world-readable already
    except OSError:
        shutil.copy2(src, dst)


def _install(site: Path) -> None:
    import fixer

    # the source tree, not an install of it: an editable install points back into the checkout
    shutil.copytree(Path(fixer.__file__).parent, site / "fixer", copy_function=_place,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name, dist in _runtime_distributions("dockfix").items():
        base = Path(str(dist.locate_file(""))).resolve()
        for entry in dist.files or []:
            path = Path(str(dist.locate_file(entry))).resolve()
            if not path.is_file() or not path.is_relative_to(base) or "__pycache__" in path.parts:
                continue  # scripts in bin/, byte code
            rel = path.relative_to(base)
            if name == "dockfix" and not rel.parts[0].endswith((".dist-info", ".egg-info")):
                continue  # an editable install lists the checkout's own files: fixer/ is above
            _place(path, site / rel)


def _reachable_by_others(folder: Path) -> bool:
    return all(p.stat().st_mode & 0o001 for p in [folder, *folder.parents])


@contextmanager
def nobody_folder() -> Iterator[Path]:
    """A fresh folder nobody can enter (and write), holding `site/` with dockfix and its dependencies."""
    if os.geteuid() != 0:
        pytest.skip("only root can run a command as nobody")
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is not installed")
    parent = Path(tempfile.gettempdir())
    if not _reachable_by_others(parent):
        parent = Path("/tmp")
    folder = Path(tempfile.mkdtemp(prefix="dockfix-nobody-", dir=parent))
    try:
        folder.chmod(0o755)
        _install(folder / "site")
        for sub in ("home", "cache"):
            (folder / sub).mkdir()
            os.chown(folder / sub, NOBODY, NOBODY)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_dockfix_as_nobody(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """`dockfix ARGS` as nobody, from inside `folder` (see `nobody_folder`)."""
    python = Path(getattr(sys, "_base_executable", sys.executable))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(folder / "site"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(folder / "home"),
        "DOCKFIX_CACHE_DIR": str(folder / "cache"),
        "LC_ALL": "C.UTF-8",
    }
    probe = subprocess.run([*DROP, str(python), "-s", "-c", "import fixer"], env=env, cwd=folder, capture_output=True)
    if probe.returncode != 0:
        # the interpreter itself lives where nobody cannot go (a pyenv under a private home)
        pytest.skip(f"nobody cannot run {python}: {probe.stderr.decode(errors='replace').strip()[-200:]}")
    return subprocess.run([*DROP, str(python), "-s", "-m", "fixer", *args], env=env, cwd=folder,
                          capture_output=True, timeout=60)
