"""fixer.bot.git against real repositories: leases, plumbing commits, and the token over smart HTTP."""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from fixer.bot.errors import BotError
from fixer.bot.git import Git, Identity, PushRejected
from fixer.bot.secrets import Secret, redact
from tests.bot.conftest import TOKEN, Repo, git, make_repo

BOT = Identity("dockfix[bot]", "bot@example.invalid")


def test_commit_tree_changes_only_the_given_files_and_touches_no_checkout(repo: Repo) -> None:
    (repo.work / "run.sh").write_text("#!/bin/sh\n")
    (repo.work / "run.sh").chmod(0o755)
    git(repo.work, "add", "run.sh")
    git(repo.work, "commit", "-q", "-m", "script")
    g = Git(repo.work)
    head = g.rev("HEAD")
    assert head
    status = git(repo.work, "status", "--porcelain")
    blob = g.hash_blob("run.sh", b"#!/bin/sh\nexit 0\n")

    sha = g.commit_tree(head, {"run.sh": ("100755", blob)}, "fix\n", BOT, Identity("CI", "ci@example.invalid"))

    assert g.rev("HEAD") == head and git(repo.work, "status", "--porcelain") == status
    assert git(repo.work, "diff", "--name-only", head, sha).split() == ["run.sh"]
    assert git(repo.work, "ls-tree", sha, "run.sh").split()[0] == "100755"
    assert git(repo.work, "log", "-1", "--format=%an|%cn|%B", sha).strip() == "dockfix[bot]|CI|fix"
    assert g.commit_info(sha)[1] == [head]


def test_lease_protects_a_branch_that_moved(repo: Repo) -> None:
    g = Git(repo.work)
    head = g.rev("HEAD")
    assert head
    sha = g.commit_tree(head, {}, "one\n", BOT, BOT)
    g.push(sha, "dockfix/fixes", expected=None)
    read = g.remote_heads("dockfix/fixes")["dockfix/fixes"]
    assert read == sha
    theirs = repo.push_from_elsewhere("dockfix/fixes")

    again = g.commit_tree(head, {}, "two\n", BOT, BOT)
    with pytest.raises(PushRejected, match="changed since the bot read it .it was at " + read[:12]):
        g.push(again, "dockfix/fixes", expected=read)
    assert repo.remote_sha("dockfix/fixes") == theirs


def test_lease_for_a_new_branch_refuses_to_overwrite_one_that_appeared(repo: Repo) -> None:
    g = Git(repo.work)
    theirs = repo.push_from_elsewhere("dockfix/fixes")
    head = g.rev("HEAD")
    assert head
    with pytest.raises(PushRejected, match="it was absent"):
        g.push(g.commit_tree(head, {}, "x\n", BOT, BOT), "dockfix/fixes", expected=None)
    assert repo.remote_sha("dockfix/fixes") == theirs


def test_lease_allows_a_forced_reset_of_the_branch_it_read(repo: Repo) -> None:
    g = Git(repo.work)
    head = g.rev("HEAD")
    assert head
    first = g.commit_tree(head, {}, "one\n", BOT, BOT)
    g.push(first, "dockfix/fixes", expected=None)
    second = g.commit_tree(head, {}, "two\n", BOT, BOT)  # a sibling, not a descendant
    g.push(second, "dockfix/fixes", expected=first)
    assert repo.remote_sha("dockfix/fixes") == second
    g.push(None, "dockfix/fixes", expected=second)
    assert repo.remote_sha("dockfix/fixes") is None


def test_hook_rejection_names_the_reason(repo: Repo) -> None:
    hook = repo.bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'branch protected' >&2\nexit 1\n")
    g = Git(repo.work)
    head = g.rev("HEAD")
    assert head
    with pytest.raises(PushRejected, match="rejected by the remote: pre-receive hook declined"):
        g.push(g.commit_tree(head, {}, "x\n", BOT, BOT), "dockfix/fixes", expected=None)


# -- the token over smart HTTP: git http-backend behind a server that wants Basic auth --------------


class GitServer:
    def __init__(self, root: Path, user: str, token: str) -> None:
        self.root = root
        self.expected = "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
        self.auth_seen: list[str | None] = []
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _cgi(self) -> None:
                auth = self.headers.get("Authorization")
                server.auth_seen.append(auth)
                server.paths.append(self.path)
                if auth != server.expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path, _, query = self.path.partition("?")
                env = {
                    "PATH": os.environ["PATH"],
                    "GIT_PROJECT_ROOT": str(server.root),
                    "GIT_HTTP_EXPORT_ALL": "1",
                    "REQUEST_METHOD": self.command,
                    "PATH_INFO": path,
                    "QUERY_STRING": query,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                    "CONTENT_LENGTH": str(len(body)),
                    "REMOTE_USER": "bot",
                    "REMOTE_ADDR": "127.0.0.1",
                    "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                    "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                }
                out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
                head, _, payload = out.partition(b"\r\n\r\n")
                status = 200
                headers = []
                for line in head.decode().split("\r\n"):
                    k, _, v = line.partition(": ")
                    if k.lower() == "status":
                        status = int(v.split()[0])
                    elif k:
                        headers.append((k, v))
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _cgi

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_repo(tmp_path: Path) -> Iterator[tuple[Repo, GitServer]]:
    repo = make_repo(tmp_path, {"Dockerfile": "FROM alpine:3.20\n"})
    git(repo.bare, "config", "http.receivepack", "true")
    server = GitServer(tmp_path, "x-access-token", TOKEN)
    git(repo.work, "remote", "set-url", "origin", server.url("origin.git"))
    yield repo, server
    server.close()


def test_token_reaches_git_only_as_a_header_from_the_environment(http_repo: tuple[Repo, GitServer]) -> None:
    repo, server = http_repo
    g = Git(repo.work, token=Secret(TOKEN))
    head = g.rev("HEAD")
    assert head
    assert g.remote_heads("main") == {"main": head}
    g.push(g.commit_tree(head, {}, "x\n", BOT, BOT), "dockfix/fixes", expected=None)

    assert repo.remote_sha("dockfix/fixes") is not None
    assert server.auth_seen and set(server.auth_seen) == {server.expected}
    # nothing the user or a log could see holds it: the remote URL, the repository's config, the arguments
    assert git(repo.work, "remote", "get-url", "origin").strip() == server.url("origin.git")
    config = git(repo.work, "config", "--list", "--show-origin")
    assert TOKEN not in config and server.expected.split()[1] not in config


def test_git_trace_does_not_show_the_token(http_repo: tuple[Repo, GitServer]) -> None:
    repo, _ = http_repo
    g = Git(repo.work, token=Secret(TOKEN))
    trace = repo.home / "trace.log"
    out = g.run("ls-remote", "origin", network=True, env={"GIT_TRACE": str(trace), "GIT_TRACE_CURL": str(trace)})
    assert "refs/heads/main" in out
    text = trace.read_text()
    assert "ls-remote" in text  # the trace was written
    assert TOKEN not in text and Secret(TOKEN).basic("x-access-token") not in text


def test_wrong_token_fails_with_a_redacted_message(http_repo: tuple[Repo, GitServer]) -> None:
    repo, server = http_repo
    wrong = "ghp_not-the-right-one"
    g = Git(repo.work, token=Secret(wrong))
    with pytest.raises(BotError) as e:
        g.remote_heads("main")
    assert wrong not in str(e.value) and "git ls-remote failed" in str(e.value)
    assert server.auth_seen[-1] == "Basic " + Secret(wrong).basic("x-access-token")


def test_configured_credentials_are_used_instead_of_a_second_header(http_repo: tuple[Repo, GitServer]) -> None:
    repo, server = http_repo
    # what actions/checkout leaves in .git/config; a second Authorization header would make GitHub answer 400
    git(repo.work, "config", f"http.{server.url('')}.extraheader", f"AUTHORIZATION: {server.expected}")
    g = Git(repo.work, token=Secret("ghp_other-token"))
    assert g._network_env() == {}
    assert "refs/heads/main" in g.run("ls-remote", "origin", network=True)
    assert set(server.auth_seen) == {server.expected}


def test_redact_covers_the_raw_token_its_basic_forms_and_url_credentials() -> None:
    s = Secret("s3cr3t-value")
    basic = s.basic("oauth2")
    text = f"token s3cr3t-value header Basic {basic} url https://me:pw@host/x.git"
    out = redact(text, s)
    assert "s3cr3t-value" not in out and basic not in out and "me:pw" not in out
    assert out == "token *** header Basic *** url https://***@host/x.git"
    assert "s3cr3t" not in repr(s) + str(s)
