"""Image references parse as Docker parses them, and render back in the user's spelling."""

from __future__ import annotations

import pytest

from fixer.images.reference import InvalidReferenceError, is_loopback, parse_reference
from fixer.images.tags import candidates, family


@pytest.mark.parametrize(
    ("text", "domain", "path", "tag", "digest", "registry", "repository"),
    [
        ("python", None, "python", None, None, "docker.io", "library/python"),
        ("python:3.13", None, "python", "3.13", None, "docker.io", "library/python"),
        ("library/python:latest", None, "library/python", "latest", None, "docker.io", "library/python"),
        ("docker.io/python", "docker.io", "python", None, None, "docker.io", "library/python"),
        ("index.docker.io/library/python", "index.docker.io", "library/python", None, None, "docker.io", "library/python"),
        ("bitnami/redis:7.2", None, "bitnami/redis", "7.2", None, "docker.io", "bitnami/redis"),
        ("registry:5000/ns/img", "registry:5000", "ns/img", None, None, "registry:5000", "ns/img"),
        ("registry:5000/ns/img:1.0", "registry:5000", "ns/img", "1.0", None, "registry:5000", "ns/img"),
        ("localhost/img", "localhost", "img", None, None, "localhost", "img"),
        ("localhost:5000/a/b/c:tag", "localhost:5000", "a/b/c", "tag", None, "localhost:5000", "a/b/c"),
        ("ghcr.io/owner/app", "ghcr.io", "owner/app", None, None, "ghcr.io", "owner/app"),
        ("[::1]:5000/app:v1", "[::1]:5000", "app", "v1", None, "[::1]:5000", "app"),
        ("Registry/app", "Registry", "app", None, None, "Registry", "app"),  # upper case: a host
        ("my-reg.local/a__b/c-d.e:1", "my-reg.local", "a__b/c-d.e", "1", None, "my-reg.local", "a__b/c-d.e"),
        (
            "python@sha256:" + "a" * 64,
            None, "python", None, "sha256:" + "a" * 64, "docker.io", "library/python",
        ),
        (
            "reg:5000/app:1.2@sha256:" + "b" * 64,
            "reg:5000", "app", "1.2", "sha256:" + "b" * 64, "reg:5000", "app",
        ),
    ],
)
def test_parse(text: str, domain: str | None, path: str, tag: str | None, digest: str | None, registry: str, repository: str) -> None:
    ref = parse_reference(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (domain, path, tag, digest)
    assert (ref.registry, ref.repository) == (registry, repository)
    assert str(ref) == text  # renders back exactly as written


@pytest.mark.parametrize(
    "text",
    ["Python", "python:", "python::1", ":latest", "python:-x", "a//b", "python@sha256:xyz", "UPPER/Case/x", "ns/Img", "-x", "a" * 256, ""],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidReferenceError):
        parse_reference(text)


def test_same_image_same_key() -> None:
    keys = {parse_reference(t).key for t in ("python", "python:latest", "docker.io/python", "docker.io/library/python:latest", "index.docker.io/library/python")}
    assert keys == {"docker.io/library/python:latest"}
    assert parse_reference("registry:5000/python").key != parse_reference("python").key


def test_render_keeps_spelling() -> None:
    ref = parse_reference("index.docker.io/library/python:latest")
    assert ref.render("3.13.1") == "index.docker.io/library/python:3.13.1"
    assert ref.render("3.13.1", "sha256:" + "c" * 64) == "index.docker.io/library/python:3.13.1@sha256:" + "c" * 64
    assert parse_reference("python").endpoint_host == "registry-1.docker.io"
    assert parse_reference("quay.io/x/y").endpoint_host == "quay.io"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1:5000", True), ("127.9.9.9", True), ("localhost:1", True), ("[::1]:5000", True), ("::1", True),
     ("10.0.0.1:5000", False), ("registry.local", False), ("1270.0.0.1", False)],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_families() -> None:
    assert family("latest") == ""
    assert family("alpine") == "-alpine"
    assert family("3-alpine") == "-alpine"
    assert family("3.13-slim-bookworm") == "-slim-bookworm"


def test_candidates_order_and_family() -> None:
    tags = ["latest", "3", "3.13", "3.13.1", "3.13.0", "3.12", "3.12.9", "3.14.0rc1", "3.13.1-alpine", "alpine", "v3.13.1", "bookworm", "3-alpine"]
    assert candidates(tags, "latest") == ["3.13.1", "v3.13.1", "3.13.0", "3.13", "3.12.9", "3.12", "3"]
    assert candidates(tags, "alpine") == ["3.13.1-alpine", "3-alpine"]
    # ubuntu-like: latest is an LTS; newer versions are tried first, then the match is found
    assert candidates(["24.04", "24.10", "25.04", "noble"], "latest") == ["25.04", "24.10", "24.04"]
