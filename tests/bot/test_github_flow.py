"""dockfix-bot end to end against real git and a GitHub API that checks every exchange against GitHub's OpenAPI description."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.conftest import CHANGED, RULES, TOKEN, Repo, git, make_repo, run_bot
from tests.bot.fake_github import FakeGitHub
from tests.bot.http_fake import Fault

REPO = "octo/fleet"


@pytest.fixture
def gh(repo: Repo) -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN, REPO, repo.bare) as server:
        yield server
        assert server.violations == []


def bot(repo: Repo, gh: FakeGitHub, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return run_bot(repo, "--repo", REPO, "--api-url", gh.url, *RULES, *args, **kw)  # type: ignore[arg-type]


def dockfix_write(repo: Repo, tmp: Path) -> dict[str, str]:
    """What `dockfix --write` makes of the same files, with the same rules."""
    copy = tmp / "copy"
    shutil.copytree(repo.work, copy, ignore=shutil.ignore_patterns(".git"))
    subprocess.run([sys.executable, "-m", "fixer", "--write", *RULES, "."], cwd=copy, capture_output=True, timeout=120)
    return {name: (copy / name).read_text() for name in CHANGED}


@pytest.fixture
def scratch(repo: Repo) -> None:
    """An untracked Dockerfile in the checkout: not the repository's, never committed."""
    (repo.work / "scratch").mkdir()
    (repo.work / "scratch" / "Dockerfile").write_text("FROM alpine\nEXPOSE 1/TCP\n")


def test_opens_one_pull_request_with_the_fixes(repo: Repo, gh: FakeGitHub, scratch: None, untouched: None, tmp_path: Path) -> None:
    expected = dockfix_write(repo, tmp_path)
    main = repo.remote_sha("main")

    r = bot(repo, gh)

    assert r.returncode == 0, r.stderr
    sha = repo.remote_sha("dockfix/fixes")
    assert sha is not None
    # one commit on top of main, changing exactly the files dockfix changes, to what dockfix --write writes
    assert git(repo.bare, "rev-list", "--parents", "-n1", sha).split() == [sha, main]
    assert git(repo.bare, "diff", "--name-only", f"{main}..{sha}").split() == sorted(CHANGED)
    for name, text in expected.items():
        assert repo.show(sha, name) == text
    assert git(repo.bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>", sha).strip() == (
        "dockfix[bot] <dockfix[bot]@users.noreply.github.com>|dockfix[bot] <dockfix[bot]@users.noreply.github.com>"
    )
    message = git(repo.bare, "log", "-1", "--format=%B", sha)
    assert message.startswith("dockfix: merge RUN instructions, run as a non-root user and 1 more\n")
    assert "- DF020 expose-proto-casing: Dockerfile, services/dns/Dockerfile" in message
    # the push created the branch from nothing: exactly one ref update, from the zero id
    assert repo.pushes() == [f"{'0' * 40} {sha} refs/heads/dockfix/fixes"]

    (pr,) = gh.pulls.values()
    assert (pr["head"], pr["base"], pr["state"]) == ("dockfix/fixes", "main", "open")
    assert pr["title"] == message.splitlines()[0]
    assert "| `services/dns/Dockerfile` | **DF020** `expose-proto-casing` | line 2: Protocol `UDP` should be lower-case |" in pr["body"]
    assert "-EXPOSE 53/UDP\n+EXPOSE 53/udp\n" in pr["body"]
    assert "#1: https://github.com/octo/fleet/pull/1" in r.stdout
    assert [(e.request.method, e.status) for e in gh.exchanges] == [("GET", 200), ("POST", 201)]


def test_second_run_pushes_nothing_and_edits_nothing(repo: Repo, gh: FakeGitHub, untouched: None) -> None:
    assert bot(repo, gh).returncode == 0
    sha, pushes, seen = repo.remote_sha("dockfix/fixes"), repo.pushes(), len(gh.exchanges)

    r = bot(repo, gh)

    assert r.returncode == 0, r.stderr
    assert repo.remote_sha("dockfix/fixes") == sha
    assert repo.pushes() == pushes
    assert [e.request.method for e in gh.exchanges[seen:]] == ["GET"]
    assert len(gh.pulls) == 1
    assert "nothing to push" in r.stdout and "up to date" in r.stdout


def test_new_base_resets_the_branch_with_a_lease_and_updates_the_same_pull_request(repo: Repo, gh: FakeGitHub) -> None:
    assert bot(repo, gh).returncode == 0
    first = repo.remote_sha("dockfix/fixes")
    new_main = repo.commit_to_main({"web/Dockerfile": "FROM nginx:1.27\nEXPOSE 443/TCP\n"}, "add web")
    seen = len(gh.exchanges)

    r = bot(repo, gh)

    assert r.returncode == 0, r.stderr
    second = repo.remote_sha("dockfix/fixes")
    assert second != first
    assert git(repo.bare, "rev-list", "--parents", "-n1", second).split() == [second, new_main]
    # not a fast-forward of the old branch: a forced update, from exactly the commit the bot had read
    assert subprocess.run(["git", "--git-dir", str(repo.bare), "merge-base", "--is-ancestor", str(first), str(second)]).returncode == 1
    assert repo.pushes()[-1] == f"{first} {second} refs/heads/dockfix/fixes"
    assert "EXPOSE 443/tcp" in repo.show(second, "web/Dockerfile")
    assert [(e.request.method, e.request.path) for e in gh.exchanges[seen:]] == [
        ("GET", "/repos/octo/fleet/pulls"),
        ("PATCH", "/repos/octo/fleet/pulls/1"),
    ]
    assert len(gh.pulls) == 1 and "web/Dockerfile" in gh.pulls[1]["body"]


def test_nothing_to_fix_makes_no_branch_commit_or_pull_request(tmp_path: Path) -> None:
    clean = make_repo(tmp_path, {"Dockerfile": "FROM alpine:3.20\nUSER 10001:10001\n"})
    with FakeGitHub(TOKEN, REPO, clean.bare) as server:
        r = bot(clean, server)
        assert server.violations == []
    assert r.returncode == 0, r.stderr
    assert "nothing to fix" in r.stdout
    assert clean.remote_sha("dockfix/fixes") is None and clean.pushes() == []
    assert [e.request.method for e in server.exchanges] == ["GET"]


def test_open_pull_request_is_closed_once_the_base_has_the_fixes(repo: Repo, gh: FakeGitHub) -> None:
    assert bot(repo, gh).returncode == 0
    git(repo.bare, "update-ref", "refs/heads/main", repo.remote_sha("dockfix/fixes") or "")  # "merged"

    kept = bot(repo, gh, "--keep-stale")
    assert kept.returncode == 0 and gh.pulls[1]["state"] == "open" and "left open" in kept.stdout

    r = bot(repo, gh)
    assert r.returncode == 0, r.stderr
    assert gh.pulls[1]["state"] == "closed"
    assert gh.comments and gh.comments[0][0] == 1 and "nothing left to fix on `main`" in gh.comments[0][1]


def test_labels_and_reviewers(repo: Repo, gh: FakeGitHub) -> None:
    r = bot(repo, gh, "--label", "dependencies,docker", "--reviewer", "alice", "--reviewer", "octo/infra")
    assert r.returncode == 0, r.stderr
    pr = gh.pulls[1]
    assert pr["labels"] == ["dependencies", "docker"]
    assert (pr["reviewers"], pr["teams"]) == (["alice"], ["infra"])
    # a second run adds no label twice and asks for no review again
    seen = len(gh.exchanges)
    assert bot(repo, gh, "--label", "dependencies,docker", "--reviewer", "alice").returncode == 0
    assert [e.request.method for e in gh.exchanges[seen:]] == ["GET"]


def test_custom_branch_and_identity(repo: Repo, gh: FakeGitHub) -> None:
    r = bot(repo, gh, "--branch", "bots/docker", "--author", "Fixer <fixer@example.invalid>", "--committer", "CI <ci@example.invalid>")
    assert r.returncode == 0, r.stderr
    sha = repo.remote_sha("bots/docker")
    assert sha and repo.remote_sha("dockfix/fixes") is None
    assert git(repo.bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>", sha).strip() == "Fixer <fixer@example.invalid>|CI <ci@example.invalid>"
    assert gh.pulls[1]["head"] == "bots/docker"


def test_dry_run_needs_no_token_and_changes_nothing(repo: Repo, gh: FakeGitHub, untouched: None) -> None:
    r = bot(repo, gh, "--dry-run", token=None)
    assert r.returncode == 0, r.stderr
    assert "branch: dockfix/fixes (from main at" in r.stdout
    assert "commit message:\n    dockfix: merge RUN instructions" in r.stdout
    assert "pull request title: dockfix: merge RUN instructions" in r.stdout
    assert "| `Dockerfile` | **DF005** `root-user` ⚠️ unsafe |" in r.stdout
    assert gh.exchanges == [] and repo.pushes() == [] and repo.remote_sha("dockfix/fixes") is None


def test_no_token_is_a_usage_error(repo: Repo, gh: FakeGitHub) -> None:
    r = bot(repo, gh, token=None)
    assert r.returncode == 2
    assert "no token: set $GITHUB_TOKEN" in r.stderr
    assert gh.exchanges == []


def test_repository_from_the_environment_and_a_named_token_variable(repo: Repo, gh: FakeGitHub) -> None:
    r = run_bot(
        repo, "--api-url", gh.url, "--token-env", "FLEET_BOT_TOKEN", *RULES, token=None,
        env={"GITHUB_REPOSITORY": REPO, "FLEET_BOT_TOKEN": TOKEN},
    )
    assert r.returncode == 0, r.stderr
    assert TOKEN not in r.stdout + r.stderr
    assert len(gh.pulls) == 1


# -- faults: a clear message, exit 1, and nothing left half done --------------------------------------


def test_bad_token(repo: Repo, gh: FakeGitHub) -> None:
    r = bot(repo, gh, token="ghp_wrong-token-value")
    assert r.returncode == 1
    assert "GitHub rejected the token (401 Bad credentials)" in r.stderr and "$GITHUB_TOKEN" in r.stderr
    assert "ghp_wrong-token-value" not in r.stderr
    assert repo.pushes() == [] and repo.remote_sha("dockfix/fixes") is None


def _rate_limited() -> Fault:
    reset = int(time.time()) + 17 * 60
    return Fault(
        "GET", r"/pulls$", 403,
        {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000", "x-ratelimit-reset": str(reset)},
        {"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api", "status": "403"},
    )


def test_rate_limit_before_anything_is_pushed(repo: Repo, gh: FakeGitHub) -> None:
    fault = _rate_limited()
    gh.faults.append(fault)
    r = bot(repo, gh)
    assert r.returncode == 1
    reset = time.strftime("%Y-%m-%d %H:%M", time.gmtime(int(fault.headers["x-ratelimit-reset"])))
    assert f"GitHub API rate limit exceeded (5000 of 5000 requests used); it resets at {reset} UTC (in 1" in r.stderr
    assert repo.pushes() == [] and gh.pulls == {}


def test_rate_limit_when_opening_undoes_the_push(repo: Repo, gh: FakeGitHub) -> None:
    fault = _rate_limited()
    fault.method, fault.path = "POST", r"/pulls$"
    gh.faults.append(fault)
    r = bot(repo, gh)
    assert r.returncode == 1
    assert "rate limit exceeded" in r.stderr and "Branch dockfix/fixes was deleted again" in r.stderr
    assert repo.remote_sha("dockfix/fixes") is None
    assert len(repo.pushes()) == 2 and repo.pushes()[1].endswith(f"{'0' * 40} refs/heads/dockfix/fixes")
    assert gh.pulls == {}


def test_pull_request_already_exists(repo: Repo, gh: FakeGitHub) -> None:
    assert bot(repo, gh).returncode == 0
    before = repo.remote_sha("dockfix/fixes")
    repo.commit_to_main({"web/Dockerfile": "FROM nginx:1.27\nEXPOSE 443/TCP\n"}, "add web")
    # the open pull request is invisible to the list call (as when it was opened from a fork), so the bot creates
    gh.faults.append(Fault("GET", r"/pulls$", 200, {}, []))
    r = bot(repo, gh)
    assert r.returncode == 1
    assert "a pull request for this branch already exists (Validation Failed; A pull request already exists for octo:dockfix/fixes.)" in r.stderr
    assert before is not None and f"Branch dockfix/fixes was restored to {before[:12]}" in r.stderr
    assert repo.remote_sha("dockfix/fixes") == before
    assert len(gh.pulls) == 1


def test_timeout_before_anything_is_pushed(repo: Repo, gh: FakeGitHub) -> None:
    gh.faults.append(Fault("GET", r"/pulls$", hang=10))
    started = time.monotonic()
    r = bot(repo, gh, "--api-timeout", "1")
    assert r.returncode == 1
    assert time.monotonic() - started < 9
    assert "GitHub: GET repos/octo/fleet/pulls timed out after 1s" in r.stderr
    assert repo.pushes() == []


def test_timeout_when_opening_keeps_the_branch_and_says_so_then_a_rerun_finishes(repo: Repo, gh: FakeGitHub) -> None:
    gh.faults.append(Fault("POST", r"/pulls$", hang=10))
    r = bot(repo, gh, "--api-timeout", "1")
    assert r.returncode == 1
    assert "timed out after 1s" in r.stderr and "it is unknown whether the forge acted" in r.stderr
    sha = repo.remote_sha("dockfix/fixes")
    assert sha is not None and gh.pulls == {}

    again = bot(repo, gh)
    assert again.returncode == 0, again.stderr
    assert repo.remote_sha("dockfix/fixes") == sha and len(repo.pushes()) == 1
    assert len(gh.pulls) == 1


def test_push_rejected_when_someone_else_pushed_meanwhile(repo: Repo, gh: FakeGitHub) -> None:
    assert bot(repo, gh).returncode == 0
    repo.commit_to_main({"web/Dockerfile": "FROM nginx:1.27\nEXPOSE 443/TCP\n"}, "add web")
    theirs: list[str] = []
    # between the bot reading the remote and pushing, another client pushes to the fix branch
    gh.faults.append(Fault("GET", r"/pulls$", before=lambda: theirs.append(repo.push_from_elsewhere("dockfix/fixes"))))
    seen = len(gh.exchanges)

    r = bot(repo, gh)

    assert r.returncode == 1
    assert "push rejected: branch 'dockfix/fixes' on the remote changed since the bot read it" in r.stderr
    assert repo.remote_sha("dockfix/fixes") == theirs[0]
    assert [e.request.method for e in gh.exchanges[seen:]] == ["GET"]


def test_shallow_checkout_as_actions_checkout_makes_it(tmp_path: Path, repo: Repo, gh: FakeGitHub) -> None:
    assert bot(repo, gh).returncode == 0
    repo.commit_to_main({"web/Dockerfile": "FROM nginx:1.27\nEXPOSE 443/TCP\n"}, "add web")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo.bare}", str(shallow))
    ci = Repo(repo.bare, shallow, repo.home)
    for _ in range(2):  # the second run finds the branch it pushed and changes nothing
        r = bot(ci, gh)
        assert r.returncode == 0, r.stderr
    sha = repo.remote_sha("dockfix/fixes")
    assert sha and git(repo.bare, "rev-list", "--parents", "-n1", sha).split()[1] == repo.remote_sha("main")
    assert [p.split()[2] for p in repo.pushes()] == ["refs/heads/dockfix/fixes", "refs/heads/main", "refs/heads/dockfix/fixes"]
    assert len(gh.pulls) == 1


def test_importing_the_dockfix_command_does_not_load_the_bot() -> None:
    code = "import sys, fixer.cli; print(sorted(m for m in sys.modules if m.startswith(('fixer.bot', 'httpx'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "[]"
