"""dockfix-bot against real git and a GitLab merge request API checked against its documented fields."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.bot.conftest import RULES, TOKEN, Repo, git, run_bot
from tests.bot.fake_gitlab import FakeGitLab
from tests.bot.http_fake import Fault

PROJECT = "platform/containers/fleet"


@pytest.fixture
def gl(repo: Repo) -> Iterator[FakeGitLab]:
    with FakeGitLab(TOKEN, PROJECT, repo.bare) as server:
        yield server
        assert server.violations == []


def bot(repo: Repo, gl: FakeGitLab, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return run_bot(repo, "--forge", "gitlab", "--repo", PROJECT, "--api-url", gl.url + "/api/v4", *RULES, *args, **kw)  # type: ignore[arg-type]


def test_opens_one_merge_request_then_a_second_run_changes_nothing(repo: Repo, gl: FakeGitLab, untouched: None) -> None:
    r = bot(repo, gl, "--label", "docker", "--reviewer", "alice")
    assert r.returncode == 0, r.stderr
    sha = repo.remote_sha("dockfix/fixes")
    assert sha and git(repo.bare, "rev-list", "--parents", "-n1", sha).split()[1] == repo.remote_sha("main")
    (mr,) = gl.mrs.values()
    assert (mr["source"], mr["target"], mr["state"], mr["labels"], mr["reviewers"]) == ("dockfix/fixes", "main", "opened", ["docker"], [41])
    assert mr["title"] == git(repo.bare, "log", "-1", "--format=%s", sha).strip()
    assert "opened merge request #1: https://gitlab.invalid/platform/containers/fleet/-/merge_requests/1" in r.stdout
    assert "| `services/dns/Dockerfile` | **DF020** `expose-proto-casing` |" in mr["description"]

    seen, pushes = len(gl.exchanges), repo.pushes()
    again = bot(repo, gl, "--label", "docker", "--reviewer", "alice")
    assert again.returncode == 0, again.stderr
    assert repo.pushes() == pushes and repo.remote_sha("dockfix/fixes") == sha
    assert [e.request.method for e in gl.exchanges[seen:]] == ["GET"]


def test_settings_from_gitlab_ci_variables(repo: Repo, gl: FakeGitLab) -> None:
    r = run_bot(
        repo, *RULES, env={"GITLAB_CI": "true", "CI_PROJECT_PATH": PROJECT, "CI_API_V4_URL": gl.url + "/api/v4"}
    )
    assert r.returncode == 0, r.stderr
    assert len(gl.mrs) == 1
    assert all(e.request.headers.get("private-token") == TOKEN for e in gl.exchanges)


def test_closes_the_merge_request_once_the_base_has_the_fixes(repo: Repo, gl: FakeGitLab) -> None:
    assert bot(repo, gl).returncode == 0
    git(repo.bare, "update-ref", "refs/heads/main", repo.remote_sha("dockfix/fixes") or "")
    r = bot(repo, gl)
    assert r.returncode == 0, r.stderr
    assert gl.mrs[1]["state"] == "closed"
    assert gl.notes and "Closing this merge request" in gl.notes[0][1]


def test_updates_the_merge_request_when_the_base_moves(repo: Repo, gl: FakeGitLab) -> None:
    assert bot(repo, gl).returncode == 0
    repo.commit_to_main({"web/Dockerfile": "FROM nginx:1.27\nEXPOSE 443/TCP\n"}, "add web")
    seen = len(gl.exchanges)
    assert bot(repo, gl).returncode == 0
    assert [e.request.method for e in gl.exchanges[seen:]] == ["GET", "PUT"]
    assert "web/Dockerfile" in gl.mrs[1]["description"] and len(gl.mrs) == 1


def test_bad_token(repo: Repo, gl: FakeGitLab) -> None:
    r = bot(repo, gl, token="glpat-wrong-wrong-wrong")
    assert r.returncode == 1
    assert "GitLab rejected the token (401 Unauthorized)" in r.stderr and "$GITLAB_TOKEN" in r.stderr
    assert "glpat-wrong" not in r.stderr
    assert repo.pushes() == []


def test_rate_limited(repo: Repo, gl: FakeGitLab) -> None:
    reset = int(time.time()) + 120
    gl.faults.append(
        Fault("GET", r"/merge_requests$", 429, {"RateLimit-Remaining": "0", "RateLimit-Reset": str(reset), "Retry-After": "120"}, b"Retry later\n")
    )
    r = bot(repo, gl)
    assert r.returncode == 1
    assert f"GitLab API rate limit exceeded on GET projects/{PROJECT.replace('/', '%2F')}/merge_requests; it resets at" in r.stderr
    assert repo.pushes() == []


def test_merge_request_already_exists_restores_the_branch(repo: Repo, gl: FakeGitLab) -> None:
    gl.faults.append(Fault("GET", r"/merge_requests$", 200, {}, []))
    assert bot(repo, gl).returncode == 0
    # the list hides the open one again: the create call meets GitLab's 409
    gl.faults.append(Fault("GET", r"/merge_requests$", 200, {}, []))
    repo.commit_to_main({"web/Dockerfile": "FROM nginx:1.27\nEXPOSE 443/TCP\n"}, "add web")
    before = repo.remote_sha("dockfix/fixes")
    r = bot(repo, gl)
    assert r.returncode == 1
    assert "Another open merge request already exists for this source branch: !1" in r.stderr
    assert before and f"restored to {before[:12]}" in r.stderr
    assert repo.remote_sha("dockfix/fixes") == before and len(gl.mrs) == 1


def test_dry_run_is_titled_for_gitlab(repo: Repo, gl: FakeGitLab) -> None:
    r = bot(repo, gl, "--dry-run", token=None)
    assert r.returncode == 0, r.stderr
    assert "merge request title: dockfix:" in r.stdout and "merge request body:" in r.stdout
    assert gl.exchanges == []
