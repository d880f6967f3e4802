"""Without a network, a run pays one connection failure per registry host, not one per lookup (issue 16)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from fixer.images.credentials import CredentialStore
from fixer.images.reference import parse_reference
from fixer.images.registry import RegistryClient
from fixer.images.resolve import Resolver, ResolverOptions
from tests.support.projects import dockerfiles

DIGEST = "sha256:" + "a" * 64
INDEX = "application/vnd.oci.image.index.v1+json"


class Hosts:
    """A transport standing in for several hosts: `down` ones refuse connections, the others are registries."""

    def __init__(self, down: set[str], flaky_after_first: bool = False) -> None:
        self.down = down
        self.flaky = flaky_after_first
        self.asked: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        with self._lock:
            self.asked.append(host)
            n = len(self.asked)
        if host in self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if self.flaky and n == 2:
            # the second request ever: a connection that drops once on a host that has answered before
            raise httpx.ConnectError("[Errno 104] Connection reset by peer", request=request)
        if request.url.path.endswith("/tags/list"):
            return httpx.Response(200, json={"name": "x", "tags": ["1.2.3", "latest"]})
        headers = {"Docker-Content-Digest": DIGEST, "Content-Type": INDEX}
        return httpx.Response(200, headers=headers)


def resolver(tmp_path: Path, hosts: Hosts, retries: int = 2) -> Resolver:
    client = RegistryClient(
        CredentialStore(tmp_path / "docker"), transport=httpx.MockTransport(hosts), retries=retries, sleep=lambda s: None
    )
    return Resolver(ResolverOptions(cache_dir=tmp_path / "cache", timeout=10.0), client=client)


def test_a_host_that_refuses_is_asked_once_for_all_its_references(tmp_path: Path) -> None:
    hosts = Hosts(down={"down.example"})
    refs = [parse_reference(f"down.example/team/app{i}:latest") for i in range(20)]
    with resolver(tmp_path, hosts) as r:
        results = r.resolve_all(refs)  # concurrently, on the resolver's threads
    assert hosts.asked == ["down.example"], "one connection attempt, no retries, no second lookup"
    assert all(res.reason == "cannot reach down.example: [Errno 111] Connection refused" for res in results)


def test_other_hosts_are_still_asked(tmp_path: Path) -> None:
    hosts = Hosts(down={"down.example"})
    with resolver(tmp_path, hosts) as r:
        down, up = r.resolve_all([parse_reference("down.example/a:latest"), parse_reference("up.example/b:latest")])
    assert down.reason is not None and down.reason.startswith("cannot reach down.example")
    assert up.pinned("tag") == "up.example/b:1.2.3"


def test_a_host_that_answered_before_is_retried_when_a_connection_drops(tmp_path: Path) -> None:
    # a network that works but is flaky keeps the retries: only a host never reached is given up on
    hosts = Hosts(down=set(), flaky_after_first=True)
    with resolver(tmp_path, hosts) as r:
        res = r.resolve(parse_reference("up.example/b:latest"))
    assert res.pinned("tag") == "up.example/b:1.2.3"
    assert len(hosts.asked) >= 4  # manifest, the dropped tag list, its retry, the candidate's manifest


def test_settled_answers_reach_a_forked_worker(tmp_path: Path) -> None:
    hosts = Hosts(down={"down.example"})
    with resolver(tmp_path, hosts) as r:
        r.prefetch([parse_reference("up.example/b:latest"), parse_reference("down.example/a:latest")])
        r.settle()
        asked = len(hosts.asked)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through the pipe
            try:
                up, down = r.resolve_all([parse_reference("up.example/b:latest"), parse_reference("down.example/a:latest")])
                # a reference not asked before: its own lookup in the child, and the known-down host is not asked again
                other = r.resolve(parse_reference("down.example/c:latest"))
                os.write(write, json.dumps([up.pinned("tag"), down.reason, other.reason, len(hosts.asked)]).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as f:
            up_pin, down_reason, other_reason, asked_in_child = json.loads(f.read())
        os.waitpid(pid, 0)
    assert up_pin == "up.example/b:1.2.3"
    assert down_reason == other_reason == "cannot reach down.example: [Errno 111] Connection refused"
    assert asked_in_child == asked, "the child sent no request"


def test_cli_without_a_registry_fixes_many_files_in_parallel(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connections are refused
    files = dockerfiles(tmp_path, (f"FROM 127.0.0.1:{port}/team/app{i}\nRUN echo {i}\n" for i in range(16)))
    env = {**os.environ, "DOCKFIX_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-m", "fixer", "--check", "--isolated", "--select", "DF001", "--jobs", "2", "--format", "json", *files],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)
    assert sorted(f["file"] for f in findings) == sorted(files)
    messages = [f["message"] for f in findings]
    assert all(f"could not resolve: cannot reach 127.0.0.1:{port}" in m for m in messages), messages


def test_a_name_that_does_not_resolve_costs_no_http_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # .invalid never resolves (RFC 2606); without a network no registry name does
    for name in ("https_proxy", "http_proxy", "all_proxy", "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with Resolver(ResolverOptions(cache_dir=tmp_path / "cache")) as r:
        results = r.resolve_all([parse_reference(f"registry.invalid/team/app{i}") for i in range(5)])
        user = r.image_user(parse_reference("registry.invalid/team/base"))
        assert r._client is None, "no HTTP client was made (nor httpx imported for it)"
    assert all(res.reason is not None and res.reason.startswith("cannot reach registry.invalid: ") for res in results)
    assert user.reason is not None and user.reason.startswith("cannot reach registry.invalid: ")


def _only_proxy(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for name in ("https_proxy", "http_proxy", "all_proxy", "no_proxy", "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", url)


def test_a_proxy_that_refuses_is_learnt_from_one_connection_without_an_http_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connections are refused
    _only_proxy(monkeypatch, f"http://someone:secret@127.0.0.1:{port}")
    with Resolver(ResolverOptions(cache_dir=tmp_path / "cache")) as r:
        results = r.resolve_all([parse_reference(f"registry.example/team/app{i}") for i in range(5)])
        user = r.image_user(parse_reference("registry.example/team/base"))
        assert r._client is None, "no HTTP client was made (nor httpx imported for it)"
    reasons = [res.reason or "" for res in results] + [user.reason or ""]
    assert all(why.startswith(f"cannot reach the proxy 127.0.0.1:{port}: ") for why in reasons), reasons
    assert not any("secret" in why for why in reasons)


def test_a_proxy_that_accepts_connections_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[bool] = []

    def hang_up() -> None:  # a proxy that takes the connection and closes it: httpx gets that far
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(True)
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    _only_proxy(monkeypatch, f"http://127.0.0.1:{server.getsockname()[1]}")
    try:
        with Resolver(ResolverOptions(cache_dir=tmp_path / "cache", timeout=5, retries=0)) as r:
            res = r.resolve(parse_reference("registry.example/team/app"))
            assert r._client is not None, "the lookup went on to httpx through the proxy"
    finally:
        server.close()
    assert res.reason is not None and not res.reason.startswith("cannot reach the proxy"), res.reason
    assert len(accepted) >= 2, "the probe and httpx's request both reached the proxy"
