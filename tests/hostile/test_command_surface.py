"""What a newcomer types first (issue 17, "A newcomer's machine"): `--version`, `--help`, `make run`."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from tests.hostile.run import ROOT, dockfix, env_for


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    r = dockfix(tmp_path, "--version")
    assert (r.returncode, r.stdout, r.stderr) == (0, f"dockfix {version('dockfix')}\n", "")


def test_help_shows_defaults_without_a_stray_backslash(tmp_path: Path) -> None:
    r = dockfix(tmp_path, "--help")
    assert r.returncode == 0, r.stderr
    assert "[default: text]" in r.stdout
    assert "\\[" not in r.stdout
    assert "--version" in r.stdout


def test_make_run_installs_only_what_running_needs(tmp_path: Path) -> None:
    # -n prints the recipes without running them; -B as on a machine where nothing was installed yet
    r = subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), "run", f"VENV={tmp_path / 'venv'}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    installs = [ln for ln in r.stdout.splitlines() if "pip install" in ln and "--upgrade pip" not in ln]
    assert installs, r.stdout
    assert all("[test]" not in ln for ln in installs), installs
    assert any("-e ." in ln for ln in installs), installs


def test_bot_help_shows_defaults_without_a_stray_backslash(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv = ['dockfix-bot', '--help']; from fixer.bot.cli import main; main()"],
        cwd=tmp_path,
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "[default: " in r.stdout and "\\[" not in r.stdout
