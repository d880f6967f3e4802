"""Usage errors exit 2 with one line, before any network or git write."""

from __future__ import annotations

import subprocess

from tests.bot.conftest import Repo, git, run_bot


def test_not_a_checkout(repo: Repo) -> None:
    r = run_bot(repo, "--dry-run", "-C", str(repo.home))
    assert r.returncode == 2 and "is not inside a git checkout" in r.stderr


def test_unknown_rule(repo: Repo) -> None:
    r = run_bot(repo, "--dry-run", "--repo", "o/r", "--select", "DF777")
    assert r.returncode == 2 and "unknown rule 'DF777'" in r.stderr


def test_bad_identity_and_branch(repo: Repo) -> None:
    r = run_bot(repo, "--dry-run", "--repo", "o/r", "--author", "no email here")
    assert r.returncode == 2 and "expected 'Name <email>'" in r.stderr
    r = run_bot(repo, "--dry-run", "--repo", "o/r", "--branch", "bad..name")
    assert r.returncode == 2 and "'bad..name' is not a valid branch name" in r.stderr


def test_bad_repository_config_is_a_usage_error(repo: Repo) -> None:
    (repo.work / ".dockfix.toml").write_text("selekt = ['DF020']\n")
    git(repo.work, "add", ".dockfix.toml")
    git(repo.work, "commit", "-q", "-m", "config")
    git(repo.work, "push", "-q", "origin", "HEAD:main")
    r = run_bot(repo, "--dry-run", "--repo", "o/r")
    assert r.returncode == 2 and "unknown key `selekt`" in r.stderr and str(repo.work) not in r.stderr


def test_repository_config_is_honoured(repo: Repo) -> None:
    (repo.work / ".dockfix.toml").write_text("select = ['DF020']\n")
    git(repo.work, "add", ".dockfix.toml")
    git(repo.work, "commit", "-q", "-m", "config")
    git(repo.work, "push", "-q", "origin", "HEAD:main")
    r = run_bot(repo, "--dry-run", "--repo", "o/r")
    assert r.returncode == 0, r.stderr
    assert "DF020" in r.stdout and "DF002" not in r.stdout and "DF005" not in r.stdout


def test_dry_run_from_another_branch_fixes_the_base_not_the_checkout(repo: Repo) -> None:
    git(repo.work, "checkout", "-q", "-b", "feature")
    (repo.work / "Dockerfile").write_text("FROM alpine:3.20\nEXPOSE 9/TCP\n")
    git(repo.work, "commit", "-q", "-am", "feature work")
    (repo.work / "services" / "dns" / "Dockerfile").write_text("FROM alpine:3.20\n")  # uncommitted edit
    r = run_bot(repo, "--dry-run", "--repo", "o/r", "--select", "DF020")
    assert r.returncode == 0, r.stderr
    assert "from main at" in r.stdout
    assert "-EXPOSE 8080/TCP" in r.stdout and "EXPOSE 9/TCP" not in r.stdout and "-EXPOSE 53/UDP" in r.stdout
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=repo.work, capture_output=True, text=True).stdout
    assert len(worktrees.splitlines()) == 1  # the temporary checkout of main is gone
