"""Resolution against a real registry (Debian's docker-registry): pins, request counts, auth, faults."""

from __future__ import annotations

import base64
import json
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fixer.images.errors import ResolveError
from fixer.images.reference import parse_reference
from fixer.images.endpoint import endpoint_for
from fixer.images.registry import ACCEPT
from fixer.images.resolve import Resolution, Resolver, ResolverOptions, make_resolver
from tests.support.registry_fixtures import (
    BasicRegistry,
    Canned,
    FaultProxy,
    LocalRegistry,
    TokenRegistry,
    _isolated_images_env,  # noqa: F401 - autouse: tests never touch the user's cache or docker config
    basic_registry,  # noqa: F401
    fault_proxy,  # noqa: F401
    free_port,
    install_credential_helper,
    local_registry,  # noqa: F401
    requires_registry,
    token_registry,  # noqa: F401
    write_docker_config,
)

pytestmark = requires_registry


def make(tmp_path: Path, **kw: Any) -> Resolver:
    kw.setdefault("cache_dir", tmp_path / "cache")
    kw.setdefault("timeout", 10.0)
    return Resolver(ResolverOptions(**kw))


def hub_via(host: str, tmp_path: Path, **kw: Any) -> Resolver:
    """A resolver that reaches Docker Hub names through `host` (a mirror), as a user with a Hub mirror would."""
    return make(tmp_path, mirrors={"docker.io": f"http://{host}"}, **kw)


def resolve(r: Resolver, text: str) -> Resolution:
    return r.resolve(parse_reference(text))


# -- what gets pinned ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tag", "repo"),
    [
        ("python", "3.13.1", "library/python"),
        ("python:latest", "3.13.1", "library/python"),
        ("docker.io/library/python", "3.13.1", "library/python"),
        ("python:alpine", "3.13.1-alpine", "library/python"),
        ("python:3-alpine", "3.13.1-alpine", "library/python"),
        ("python:slim", "3.13.1-slim", "library/python"),
        ("ubuntu", "24.04", "library/ubuntu"),  # latest is not the newest version
        ("dockertypes", "2.1.0", "library/dockertypes"),  # Docker manifest list media types
        ("single", "0.9.1", "library/single"),  # a plain manifest, no index
    ],
)
def test_pins_most_specific_tag_with_same_digest(local_registry: LocalRegistry, tmp_path: Path, text: str, tag: str, repo: str) -> None:
    with hub_via(local_registry.host, tmp_path) as r:
        res = resolve(r, text)
    assert res.reason is None
    assert res.tag == tag
    floating = parse_reference(text).effective_tag
    assert res.digest == local_registry.seeded.digest(repo, floating) == local_registry.seeded.digest(repo, tag)


def test_pin_modes_render_in_users_spelling(local_registry: LocalRegistry, tmp_path: Path) -> None:
    with hub_via(local_registry.host, tmp_path) as r:
        res = resolve(r, "index.docker.io/library/python:latest")
    digest = local_registry.seeded.digest("library/python", "latest")
    assert res.pinned("tag") == "index.docker.io/library/python:3.13.1"
    assert res.pinned("digest") == f"index.docker.io/library/python:3.13.1@{digest}"


def test_index_digest_not_platform_digest(local_registry: LocalRegistry, tmp_path: Path) -> None:
    with hub_via(local_registry.host, tmp_path) as r:
        res = resolve(r, "python")
    index = httpx.get(
        f"{local_registry.url}/v2/library/python/manifests/latest", headers={"Accept": ACCEPT}
    ).json()
    platform_digests = {m["digest"] for m in index["manifests"]}
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert res.digest not in platform_digests


def test_registry_host_in_reference(local_registry: LocalRegistry, tmp_path: Path) -> None:
    with make(tmp_path) as r:
        res = resolve(r, f"{local_registry.host}/team/app")
    assert res.pinned("tag") == f"{local_registry.host}/team/app:1.2.3"


def test_without_index_types_the_registry_answers_404(local_registry: LocalRegistry) -> None:
    # why the Accept header lists index types first: a v2-manifest-only client cannot see the image
    url = f"{local_registry.url}/v2/library/python/manifests/latest"
    only_v2 = httpx.head(url, headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    assert only_v2.status_code == 404
    assert httpx.head(url, headers={"Accept": ACCEPT}).status_code == 200


def test_no_version_tag_shares_the_digest(local_registry: LocalRegistry, tmp_path: Path) -> None:
    with hub_via(local_registry.host, tmp_path) as r:
        res = resolve(r, "edge")
    assert res.tag is None and res.pinned("tag") is None and res.pinned("digest") is None
    assert res.reason is not None and "no version tag shares the digest of `latest`" in res.reason


def test_candidate_limit_is_reported_not_cached(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    # ubuntu's match is the third newest version; with room for two the answer is not "none"
    with hub_via(fault_proxy.host, tmp_path, max_candidates=2) as r:
        res = resolve(r, "ubuntu")
    assert res.reason == "none of the 2 newest of 3 version tags shares the digest of `latest`"
    assert fault_proxy.count("HEAD") == 3
    with hub_via(fault_proxy.host, tmp_path, offline=True) as r:
        assert resolve(r, "ubuntu").reason == "offline and not in the cache"


def test_missing_repository(local_registry: LocalRegistry, tmp_path: Path) -> None:
    with hub_via(local_registry.host, tmp_path) as r:
        res = resolve(r, "nope")
    assert res.reason == f"library/nope:latest not found on {local_registry.host}"


# -- requests: HEADs, counts, once per run, pagination ------------------------------------------------


def test_requests_per_resolution(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    with hub_via(fault_proxy.host, tmp_path) as r:
        assert resolve(r, "python").tag == "3.13.1"
        # HEAD latest, GET the tag list, HEAD 3.13.1: manifests are never GET
        assert fault_proxy.count("HEAD", "/manifests/") == 2
        assert fault_proxy.count("GET", "/tags/list") == 1
        assert fault_proxy.count("GET", "/manifests/") == 0
        fault_proxy.requests.clear()
        assert resolve(r, "ubuntu").tag == "24.04"
        # latest, then 25.04 and 24.10 (newer, not it), then 24.04
        assert [p for m, p in fault_proxy.requests if m == "HEAD"] == [
            f"/v2/library/ubuntu/manifests/{t}" for t in ("latest", "25.04", "24.10", "24.04")
        ]


def test_each_reference_once_per_run(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    spellings = ["python", "python:latest", "docker.io/python", "docker.io/library/python:latest", "index.docker.io/library/python"]
    with hub_via(fault_proxy.host, tmp_path, concurrency=4) as r:
        results = r.resolve_all(parse_reference(s) for s in [*spellings, "node", "golang", "node"])
        again = r.resolve_all(parse_reference(s) for s in spellings)
    assert [res.tag for res in results] == ["3.13.1"] * 5 + ["23.5.0", "1.23.4", "23.5.0"]
    # each answer keeps the spelling it was asked in
    assert [res.pinned("tag") for res in again] == [
        "python:3.13.1", "python:3.13.1", "docker.io/python:3.13.1",
        "docker.io/library/python:3.13.1", "index.docker.io/library/python:3.13.1",
    ]
    assert fault_proxy.count("HEAD", "/library/python/manifests/latest") == 1
    assert fault_proxy.count("GET", "/library/node/tags/list") == 1
    assert r.lookups["network"] == 3


def test_tag_list_pages_are_followed(fault_proxy: FaultProxy, local_registry: LocalRegistry, tmp_path: Path) -> None:
    # distribution 2.8 answers the whole list at once; the proxy pages it the way v3 and Docker Hub do
    every = httpx.get(f"{local_registry.url}/v2/library/python/tags/list").json()["tags"]

    def paged(method: str, path: str, n: int) -> Canned | None:
        if "/tags/list" not in path:
            return None
        query = parse_qs(urlsplit(path).query)
        size = int(query["n"][0])
        start = every.index(query["last"][0]) + 1 if "last" in query else 0
        page = every[start : start + size]
        headers = {"Content-Type": "application/json"}
        if start + size < len(every):
            headers["Link"] = f'</v2/library/python/tags/list?n={size}&last={page[-1]}>; rel="next"'
        return Canned(200, headers, json.dumps({"name": "library/python", "tags": page}).encode())

    fault_proxy.fault = paged
    with hub_via(fault_proxy.host, tmp_path, tags_page_size=2) as r:
        res = resolve(r, "python:alpine")
    assert res.tag == "3.13.1-alpine"
    pages = (len(every) + 1) // 2
    assert len(every) == 17 and fault_proxy.count("GET", "/tags/list") == pages
    assert fault_proxy.count("GET", "last=") == pages - 1


def test_tag_list_link_to_another_host_is_refused(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    def elsewhere(method: str, path: str, n: int) -> Canned | None:
        if "/tags/list" in path:
            link = '<http://198.51.100.7/v2/library/python/tags/list?last=x>; rel="next"'
            return Canned(200, {"Content-Type": "application/json", "Link": link}, b'{"tags": ["3.13.1"]}')
        return None

    fault_proxy.fault = elsewhere
    with hub_via(fault_proxy.host, tmp_path) as r:
        res = resolve(r, "python")
    assert res.reason == f"tag list of {fault_proxy.host} points to another host (198.51.100.7)"


# -- cache and offline -------------------------------------------------------------------------------


def test_cache_offline_and_no_cache(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    with hub_via(fault_proxy.host, tmp_path) as r:
        first = resolve(r, "python")
    sent = len(fault_proxy.requests)
    assert sent == 3 and not first.cached
    # a new run (new resolver) answers from the disk cache, offline or not
    with hub_via(fault_proxy.host, tmp_path, offline=True) as r:
        cached = resolve(r, "python")
        assert (cached.tag, cached.digest, cached.cached) == (first.tag, first.digest, True)
        assert resolve(r, "node").reason == "offline and not in the cache"
    with hub_via(fault_proxy.host, tmp_path) as r:
        assert resolve(r, "docker.io/library/python:latest").cached
    assert len(fault_proxy.requests) == sent
    with hub_via(fault_proxy.host, tmp_path, no_cache=True) as r:
        assert not resolve(r, "python").cached
    assert len(fault_proxy.requests) == 2 * sent
    with hub_via(fault_proxy.host, tmp_path, offline=True, no_cache=True) as r:
        assert resolve(r, "python").reason == "offline and the cache is bypassed (--no-cache)"
    with hub_via(fault_proxy.host, tmp_path, offline=True, cache_ttl=0.0) as r:
        time.sleep(0.01)
        assert resolve(r, "python").reason == "offline and cached lookup expired"


def test_negative_answer_is_cached_too(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    with hub_via(fault_proxy.host, tmp_path) as r:
        assert resolve(r, "edge").tag is None
    with hub_via(fault_proxy.host, tmp_path, offline=True) as r:
        res = resolve(r, "edge")
    assert res.cached and res.reason is not None and "no version tag shares the digest" in res.reason


def test_failures_are_not_cached(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    fault_proxy.fault = lambda m, p, n: Canned(500)
    with hub_via(fault_proxy.host, tmp_path, retries=0) as r:
        assert resolve(r, "python").reason is not None
    fault_proxy.reset()
    with hub_via(fault_proxy.host, tmp_path) as r:
        assert resolve(r, "python").tag == "3.13.1"


# -- faults: each ends in a reason, never an exception --------------------------------------------


def test_registry_down(tmp_path: Path) -> None:
    host = f"127.0.0.1:{free_port()}"
    start = time.monotonic()
    with make(tmp_path, retries=2) as r:
        res = resolve(r, f"{host}/team/app")
        # a host never reached is not retried: without a network, retries only cost time (issue 16)
        assert r.stats["HEAD"] == 1
    assert res.reason is not None and res.reason.startswith(f"cannot reach {host}: ")
    assert "refused" in res.reason.lower()
    assert time.monotonic() - start < 5


def test_slow_registry_times_out(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    fault_proxy.fault = lambda m, p, n: 5.0
    start = time.monotonic()
    with hub_via(fault_proxy.host, tmp_path, timeout=1.0) as r:
        res = resolve(r, "python")
    took = time.monotonic() - start
    assert res.reason == f"timed out talking to {fault_proxy.host}"
    assert took < 3.0


def test_429_then_success_honours_retry_after(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    fault_proxy.fault = lambda m, p, n: Canned(429, {"Retry-After": "1"}) if n == 1 else None
    start = time.monotonic()
    with hub_via(fault_proxy.host, tmp_path) as r:
        res = resolve(r, "python")
    assert res.tag == "3.13.1"
    assert time.monotonic() - start >= 1.0
    assert fault_proxy.count("HEAD", "/manifests/latest") == 2


def test_429_with_retry_after_past_the_time_limit(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    fault_proxy.fault = lambda m, p, n: Canned(429, {"Retry-After": "120"})
    start = time.monotonic()
    with hub_via(fault_proxy.host, tmp_path, timeout=5.0) as r:
        res = resolve(r, "python")
    assert res.reason is not None and "rate limited (HTTP 429)" in res.reason
    assert time.monotonic() - start < 2.0


def test_500_is_retried_then_reported(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    fault_proxy.fault = lambda m, p, n: Canned(500)
    with hub_via(fault_proxy.host, tmp_path, retries=2) as r:
        res = resolve(r, "python")
    assert res.reason == f"registry error from {fault_proxy.host} (HTTP 500)"
    assert fault_proxy.count("HEAD") == 3


def test_503_once_then_success(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    fault_proxy.fault = lambda m, p, n: Canned(503) if n == 1 else None
    with hub_via(fault_proxy.host, tmp_path) as r:
        assert resolve(r, "python").tag == "3.13.1"


def test_malformed_manifest(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    # no usable digest header, so the manifest is read, and it is not a manifest
    def fault(method: str, path: str, n: int) -> Canned | None:
        if "/manifests/" in path:
            return Canned(200, {"Content-Type": "application/json", "Docker-Content-Digest": "sha256:nothex"}, b"{not json")
        return None

    fault_proxy.fault = fault
    with hub_via(fault_proxy.host, tmp_path) as r:
        res = resolve(r, "python")
    assert res.reason == f"malformed manifest for library/python:latest from {fault_proxy.host}: not JSON"


def test_malformed_tag_list(fault_proxy: FaultProxy, tmp_path: Path) -> None:
    fault_proxy.fault = lambda m, p, n: Canned(200, {"Content-Type": "application/json"}, b'{"tags": "3.13.1"}') if "/tags/" in p else None
    with hub_via(fault_proxy.host, tmp_path) as r:
        res = resolve(r, "python")
    assert res.reason == f"malformed tag list of library/python from {fault_proxy.host}"


def test_digest_from_body_when_head_has_none(fault_proxy: FaultProxy, local_registry: LocalRegistry, tmp_path: Path) -> None:
    # some registries send no Docker-Content-Digest on HEAD: the manifest body's sha256 is the digest
    real = httpx.get(f"{local_registry.url}/v2/library/python/manifests/latest", headers={"Accept": ACCEPT})

    def fault(method: str, path: str, n: int) -> Canned | None:
        if path.endswith("/manifests/latest"):
            return Canned(200, {"Content-Type": real.headers["content-type"]}, real.content)
        return None

    fault_proxy.fault = fault
    with hub_via(fault_proxy.host, tmp_path) as r:
        res = resolve(r, "python")
    assert res.tag == "3.13.1"
    assert res.digest == local_registry.seeded.digest("library/python", "latest")


# -- authentication -------------------------------------------------------------------------------


def _auth_entry(user: str, password: str) -> dict[str, str]:
    return {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_bearer_token_with_auths_entry(token_registry: TokenRegistry, _isolated_images_env: Path, tmp_path: Path) -> None:
    reg = token_registry
    write_docker_config(_isolated_images_env, {"auths": {f"http://{reg.host}": _auth_entry(reg.user, reg.password)}})
    before = len(reg.tokens.requests)
    with make(tmp_path) as r:
        res = resolve(r, f"{reg.host}/private/app")
        stats = r.stats
    assert res.pinned("tag") == f"{reg.host}/private/app:2.0.7"
    assert res.digest == reg.seeded.digest("private/app", "latest")
    # one token for the repository, reused for the tag list and the tag HEADs
    assert reg.tokens.requests[before:] == [("GET", reg.user)]
    assert stats["token"] == 1
    assert stats["HEAD"] == 3  # the first one answered 401


def test_bearer_without_credentials(token_registry: TokenRegistry, tmp_path: Path) -> None:
    with make(tmp_path) as r:
        res = resolve(r, f"{token_registry.host}/private/app")
    assert res.reason is not None and "refused an anonymous token" in res.reason
    assert f"no credentials for {token_registry.host}" in res.reason


def test_bearer_with_bad_password_keeps_it_secret(
    token_registry: TokenRegistry, _isolated_images_env: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "Wr0ng-Pa55word-xyz"
    write_docker_config(_isolated_images_env, {"auths": {token_registry.host: _auth_entry(token_registry.user, wrong)}})
    caplog.set_level(logging.DEBUG)
    with make(tmp_path) as r:
        res = resolve(r, f"{token_registry.host}/private/app")
    assert res.reason == f"127.0.0.1:{token_registry.tokens.httpd.server_address[1]} rejected the credentials for {token_registry.host} (HTTP 401)"
    encoded = base64.b64encode(f"{token_registry.user}:{wrong}".encode()).decode()
    for text in (res.reason, caplog.text, repr(r.options)):
        assert wrong not in text and encoded not in text


def test_credential_helper(token_registry: TokenRegistry, _isolated_images_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reg = token_registry
    bin_dir = tmp_path / "bin"
    install_credential_helper(bin_dir, "dockfixtest", {reg.host: (reg.user, reg.password)})
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    write_docker_config(_isolated_images_env, {"credHelpers": {reg.host: "dockfixtest"}, "auths": {reg.host: _auth_entry("x", "y")}})
    with make(tmp_path) as r:
        res = resolve(r, f"{reg.host}/private/app")
    assert res.tag == "2.0.7"
    assert (bin_dir / "dockfixtest.log").read_text().split() == [reg.host]


def test_creds_store_identity_token(token_registry: TokenRegistry, _isolated_images_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a helper answering Username "<token>" hands out a refresh token: the token request is a POST
    reg = token_registry
    bin_dir = tmp_path / "bin"
    install_credential_helper(bin_dir, "store", {reg.host: ("<token>", reg.refresh_token)})
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    write_docker_config(_isolated_images_env, {"credsStore": "store"})
    before = len(reg.tokens.requests)
    with make(tmp_path) as r:
        res = resolve(r, f"{reg.host}/private/app")
    assert res.tag == "2.0.7"
    assert reg.tokens.requests[before:] == [("POST", reg.user)]


def test_helper_without_entry_falls_back_to_anonymous(token_registry: TokenRegistry, _isolated_images_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    install_credential_helper(bin_dir, "empty", {})
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    write_docker_config(_isolated_images_env, {"credsStore": "empty"})
    with make(tmp_path) as r:
        res = resolve(r, f"{token_registry.host}/private/app")
    assert res.reason is not None and "refused an anonymous token" in res.reason


def test_basic_auth(basic_registry: BasicRegistry, _isolated_images_env: Path, tmp_path: Path) -> None:
    reg = basic_registry
    with make(tmp_path) as r:
        res = resolve(r, f"{reg.host}/corp/base")
    assert res.reason == f"{reg.host} requires credentials; none found in the docker config"
    write_docker_config(_isolated_images_env, {"auths": {reg.host: {"username": reg.user, "password": reg.password}}})
    with make(tmp_path) as r:
        res = resolve(r, f"{reg.host}/corp/base")
        assert r.stats["token"] == 0
    assert res.tag == "7.1.0"
    write_docker_config(_isolated_images_env, {"auths": {reg.host: {"username": reg.user, "password": "nope-nope"}}})
    with make(tmp_path, no_cache=True) as r:
        res = resolve(r, f"{reg.host}/corp/base")
    assert res.reason == f"not authorized to read corp/base:latest on {reg.host} (HTTP 401)"


# -- transport security ----------------------------------------------------------------------------


def test_plain_http_only_for_loopback_or_insecure() -> None:
    assert endpoint_for("registry.example.com:5000").base_url == "https://registry.example.com:5000"
    assert endpoint_for("127.0.0.1:5000").base_url == "http://127.0.0.1:5000"
    assert endpoint_for("localhost:5000").base_url == "http://localhost:5000"
    insecure = frozenset({"registry.example.com:5000"})
    assert endpoint_for("registry.example.com:5000", insecure=insecure).base_url == "http://registry.example.com:5000"
    with pytest.raises(ResolveError, match="refusing plain HTTP"):
        endpoint_for("docker.io", mirror="http://mirror.example.com")


def test_make_resolver_takes_the_cli_options(tmp_path: Path) -> None:
    r = make_resolver({"pin": "digest", "offline": True, "no_cache": False, "timeout": 3, "unrelated": 1})
    assert (r.pin, r.options.offline, r.options.timeout) == ("digest", True, 3.0)
    with pytest.raises(ValueError):
        make_resolver({"pin": "sha"})
