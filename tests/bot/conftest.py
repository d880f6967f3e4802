"""Real git for the bot's tests: a bare repository on disk as `origin` and a working clone of it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TOKEN = "ghp_T0ken-that-must-never-show-up-anywhere"
# real rules with fixed outcomes and no network: merge RUNs, non-root user (unsafe), EXPOSE casing
RULES = ["--select", "DF002,DF005,DF020"]

FILES = {
    "Dockerfile": 'FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\nEXPOSE 8080/TCP\nCMD ["curl"]\n',
    "services/dns/Dockerfile": "FROM alpine:3.20\nEXPOSE 53/UDP\nUSER 10001:10001\n",
    "services/ok/Dockerfile": "FROM alpine:3.20\nUSER 10001:10001\nEXPOSE 8080/tcp\n",
    "README.md": "# fleet\n",
}
CHANGED = ["Dockerfile", "services/dns/Dockerfile"]
IDENTITY = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.invalid",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.invalid",
}
# variables of the CI the tests may run in, which would steer the bot
CI_VARS = ("GITHUB_", "GITLAB_", "CI_", "GIT_")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(CI_VARS)}
    env["HOME"] = extra.pop("HOME", env.get("HOME", "/tmp"))
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env.update(extra)
    return env


def git(cwd: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    p = subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, text=True, env={**clean_env(**IDENTITY), **(env or {})}, timeout=60
    )
    assert p.returncode == 0, f"git {' '.join(args)}: {p.stderr}"
    return p.stdout


@dataclass
class Repo:
    bare: Path
    work: Path
    home: Path

    def remote_sha(self, branch: str) -> str | None:
        p = subprocess.run(
            ["git", "--git-dir", str(self.bare), "rev-parse", "-q", "--verify", f"refs/heads/{branch}"], capture_output=True, text=True
        )
        return p.stdout.strip() or None

    def pushes(self) -> list[str]:
        """Ref updates the remote accepted, one line each, as its pre-receive hook saw them."""
        log = self.bare / "push.log"
        return log.read_text().splitlines() if log.exists() else []

    def show(self, rev: str, path: str) -> str:
        return git(self.bare, "show", f"{rev}:{path}")

    def commit_to_main(self, files: dict[str, str], message: str) -> str:
        """Another developer's change, pushed to main from a second clone."""
        other = self.bare.parent / f"other-{len(list(self.bare.parent.glob('other-*')))}"
        git(self.bare.parent, "clone", "-q", str(self.bare), str(other))
        for name, text in files.items():
            (other / name).parent.mkdir(parents=True, exist_ok=True)
            (other / name).write_text(text)
        git(other, "add", "-A")
        git(other, "commit", "-q", "-m", message)
        git(other, "push", "-q", "origin", "HEAD:main")
        return git(other, "rev-parse", "HEAD").strip()

    def push_from_elsewhere(self, branch: str, message: str = "someone else's commit") -> str:
        other = self.bare.parent / f"other-{len(list(self.bare.parent.glob('other-*')))}"
        git(self.bare.parent, "clone", "-q", str(self.bare), str(other))
        git(other, "commit", "-q", "--allow-empty", "-m", message)
        git(other, "push", "-q", "--force", "origin", f"HEAD:refs/heads/{branch}")
        return git(other, "rev-parse", "HEAD").strip()


def make_repo(root: Path, files: dict[str, str]) -> Repo:
    bare, work, home = root / "origin.git", root / "work", root / "home"
    home.mkdir()
    git(root, "init", "-q", "--bare", "-b", "main", str(bare))
    hook = bare / "hooks" / "pre-receive"
    hook.write_text('#!/bin/sh\ncat >> "$GIT_DIR/push.log"\n')
    hook.chmod(0o755)
    git(root, "clone", "-q", str(bare), str(work))
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "initial")
    git(work, "push", "-q", "origin", "HEAD:main")
    (bare / "push.log").unlink()  # count only the bot's pushes
    return Repo(bare, work, home)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path, FILES)


def run_bot(
    repo: Repo, *args: str, token: str | None = TOKEN, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    extra = {"HOME": str(repo.home), "XDG_CACHE_HOME": str(repo.home / ".cache")}
    if token is not None:
        extra["GITHUB_TOKEN"] = token
        extra["GITLAB_TOKEN"] = token
    p = subprocess.run(
        [sys.executable, "-c", "from fixer.bot.cli import main; main()", *args],
        cwd=repo.work,
        capture_output=True,
        text=True,
        env={**clean_env(**extra), **(env or {})},
        timeout=timeout,
    )
    assert "Traceback" not in p.stderr, p.stderr
    if token:
        assert token not in p.stdout + p.stderr
    return p


@pytest.fixture
def untouched(repo: Repo) -> Iterator[None]:
    """The checkout the bot runs in keeps its HEAD, index, files and branches."""
    before = (git(repo.work, "rev-parse", "HEAD"), git(repo.work, "status", "--porcelain"), git(repo.work, "branch", "--list"))
    files = {p: p.read_bytes() for p in repo.work.rglob("*") if p.is_file() and ".git" not in p.parts}
    yield
    after = (git(repo.work, "rev-parse", "HEAD"), git(repo.work, "status", "--porcelain"), git(repo.work, "branch", "--list"))
    assert after == before
    assert {p: p.read_bytes() for p in repo.work.rglob("*") if p.is_file() and ".git" not in p.parts} == files
