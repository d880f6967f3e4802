"""config.User read from a real registry (Debian's docker-registry on 127.0.0.1), and DF005 acting on it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixer.images.reference import parse_reference
from fixer.images.resolve import Resolver, ResolverOptions
from tests.support.fixture_pairs import run
from tests.support.registry_fixtures import (
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
    Pusher,
    RegistryProcess,
    _isolated_images_env,  # noqa: F401 - autouse: tests never touch the user's cache or docker config
    canonical,
    registry_binary,
    requires_registry,
)

pytestmark = requires_registry


def push(pusher: Pusher, repo: str, tag: str, users: dict[str, str | None]) -> str:
    """An image under `repo:tag` with one platform per `users` key (arch -> config.User, None: unset)."""
    entries = []
    for arch, user in users.items():
        layer = f"layer {repo} {arch}".encode()
        config_doc: dict[str, Any] = {"Labels": {"repo": repo}}
        if user is not None:
            config_doc["User"] = user
        config = canonical(
            {"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}, "config": config_doc}
        )
        manifest = canonical(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": pusher.blob(repo, config), "size": len(config)},
                "layers": [{"mediaType": OCI_LAYER, "digest": pusher.blob(repo, layer), "size": len(layer)}],
            }
        )
        digest = pusher.manifest(repo, f"sha256:{hashlib.sha256(manifest).hexdigest()}", manifest, OCI_MANIFEST)
        platform = {"architecture": arch, "os": "linux"}
        entries.append({"mediaType": OCI_MANIFEST, "digest": digest, "size": len(manifest), "platform": platform})
    if len(entries) == 1:
        body = pusher.http.get(f"/v2/{repo}/manifests/{entries[0]['digest']}", headers={"Accept": OCI_MANIFEST}).content
        return pusher.manifest(repo, tag, body, OCI_MANIFEST)
    return pusher.manifest(repo, tag, canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}), OCI_INDEX)


@pytest.fixture(scope="module")
def users_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if registry_binary() is None:
        pytest.skip("needs Debian's docker-registry binary")
    proc = RegistryProcess(tmp_path_factory.mktemp("users-registry"))
    try:
        pusher = Pusher(proc.url)
        # the amd64 image runs as jovyan; the arm64 one as root: the build platform decides
        push(pusher, "team/notebook", "1", {"arm64": "", "amd64": "1000"})
        push(pusher, "team/runtime", "2", {"amd64": None})
        push(pusher, "team/rootish", "3", {"amd64": "root:root"})
        push(pusher, "team/named", "4", {"amd64": "seluser"})
        pusher.close()
        yield proc.host
    finally:
        proc.stop()


def resolver(tmp_path: Path, **kw: Any) -> Resolver:
    return Resolver(ResolverOptions(cache_dir=tmp_path / "cache", timeout=10.0, **kw))


@pytest.mark.parametrize(
    "repo,platform,user",
    [
        ("team/notebook:1", "linux/amd64", "1000"),
        ("team/notebook:1", "linux/arm64", ""),
        ("team/runtime:2", "linux/amd64", ""),  # no User in the config: root
        ("team/rootish:3", "linux/amd64", "root:root"),
        ("team/named:4", "linux/amd64", "seluser"),  # a plain manifest, no index
    ],
)
def test_config_user_for_the_platform(users_registry: str, tmp_path: Path, repo: str, platform: str, user: str) -> None:
    with resolver(tmp_path) as r:
        found = r.image_user(parse_reference(f"{users_registry}/{repo}"), platform)
    assert (found.user, found.reason) == (user, None)


def test_missing_image_and_missing_platform_say_why(users_registry: str, tmp_path: Path) -> None:
    with resolver(tmp_path) as r:
        missing = r.image_user(parse_reference(f"{users_registry}/team/nope:1"))
        no_platform = r.image_user(parse_reference(f"{users_registry}/team/notebook:1"), "linux/s390x")
    assert missing.user is None and missing.reason is not None and "not found" in missing.reason
    assert no_platform.user is None and no_platform.reason is not None and "linux/s390x" in no_platform.reason


def test_offline_reads_only_the_cache(users_registry: str, tmp_path: Path) -> None:
    ref = parse_reference(f"{users_registry}/team/notebook:1")
    with resolver(tmp_path, offline=True) as r:
        assert r.image_user(ref).reason == "offline and not in the cache"
        assert r.stats == {}  # nothing went over the network
    with resolver(tmp_path) as r:
        assert r.image_user(ref).user == "1000"
    with resolver(tmp_path, offline=True) as r:
        cached = r.image_user(ref)
        assert (cached.user, cached.cached) == ("1000", True)
        assert r.stats == {}


def test_each_image_is_asked_once_per_run(users_registry: str, tmp_path: Path) -> None:
    ref = parse_reference(f"{users_registry}/team/runtime:2")
    with resolver(tmp_path, no_cache=True) as r:
        r.image_user(ref)
        first = sum(r.stats.values())
        r.image_user(ref)
        assert sum(r.stats.values()) == first


# -- DF005 with the registry's answer --------------------------------------------------------------


def df005(text: str, r: Resolver) -> tuple[str, list[str]]:
    result = run(text, "DF005", unsafe=True, resolver=r)
    return result.output, [f.message for f in result.findings]


def test_image_that_runs_as_non_root_is_left_alone(users_registry: str, tmp_path: Path) -> None:
    text = f"FROM {users_registry}/team/notebook:1\nCOPY notebooks/ /home/jovyan/work/\n"
    with resolver(tmp_path) as r:
        out, messages = df005(text, r)
    assert out == text and messages == []


def test_image_that_runs_as_root_gets_a_user(users_registry: str, tmp_path: Path) -> None:
    text = f"FROM {users_registry}/team/runtime:2\nRUN install-things\nCMD [\"run\"]\n"
    with resolver(tmp_path) as r:
        out, _ = df005(text, r)
    # the registry says root; the table does not know the distribution, so numbers, which need no passwd entry
    assert out == f"FROM {users_registry}/team/runtime:2\nRUN install-things\nUSER 10001:10001\nCMD [\"run\"]\n"


def test_unreachable_registry_is_reported_not_guessed(tmp_path: Path) -> None:
    from tests.support.registry_fixtures import free_port

    text = f"FROM 127.0.0.1:{free_port()}/team/runtime:2\nRUN install-things\nCMD [\"run\"]\n"
    with Resolver(ResolverOptions(cache_dir=tmp_path / "cache", timeout=3.0, retries=0)) as r:
        out, messages = df005(text, r)
    assert out == text
    assert len(messages) == 1 and "its registry could not tell (cannot reach" in messages[0]
    assert "not fixed" in messages[0]
