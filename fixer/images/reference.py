"""Image references parsed the way Docker parses them (distribution/reference).

`registry:5000/ns/img` has a port, not a tag: the digest is split off first, then the tag is what follows
the last `:` after the last `/`, and the first path component names a registry only when it looks like a
host (it has a `.` or a `:`, is `localhost`, or has upper-case letters, which no repository may have).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeGuard

DOCKER_HUB = "docker.io"
# where Docker Hub's registry API answers; `docker.io` itself is only the canonical name
DOCKER_HUB_ENDPOINT = "registry-1.docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
# the grammar's \w is Go's, ASCII only: Python's would also take any Unicode letter or digit
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?P<name>(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)
_PATH = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_TAG_RE = re.compile(_TAG)
# what dockfix writes after `@`: a digest of a registered algorithm, as registries compute them
_PIN_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")
_MAX_NAME = 255


class InvalidReferenceError(ValueError):
    pass


def _is_domain(component: str) -> bool:
    return any(c in component for c in ".:") or component == "localhost" or component.lower() != component


@dataclass(frozen=True)
class Reference:
    """A parsed image reference. `domain` and `path` keep the user's spelling; `registry` and
    `repository` are the canonical forms used to talk to the registry and as cache keys."""

    domain: str | None  # as written, None when the reference names no registry
    path: str  # as written: `python`, `library/python`, `team/app`
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        """The repository name as written, without tag or digest."""
        return f"{self.domain}/{self.path}" if self.domain is not None else self.path

    @property
    def registry(self) -> str:
        """Canonical registry host[:port]; Docker Hub is `docker.io`."""
        if self.domain is None or self.domain.lower() in _HUB_ALIASES:
            return DOCKER_HUB
        return self.domain

    @property
    def repository(self) -> str:
        """The repository as the registry API names it: official Hub images live under `library/`."""
        if self.registry == DOCKER_HUB and "/" not in self.path:
            return f"library/{self.path}"
        return self.path

    @property
    def endpoint_host(self) -> str:
        return DOCKER_HUB_ENDPOINT if self.registry == DOCKER_HUB else self.registry

    @property
    def effective_tag(self) -> str:
        return self.tag or "latest"

    @property
    def key(self) -> str:
        """Identity of what a lookup resolves: `python` and `docker.io/library/python:latest` agree."""
        return f"{self.registry}/{self.repository}:{self.effective_tag}"

    def render(self, tag: str | None = None, digest: str | None = None) -> str:
        """The reference as written with its tag and digest replaced."""
        # the last guard before text reaches a Dockerfile: whatever the tag and digest came from
        if tag and not is_tag(tag):
            raise InvalidReferenceError(f"invalid tag {tag!r}")
        if digest and not is_digest(digest) and _REFERENCE.fullmatch(f"x@{digest}") is None:
            raise InvalidReferenceError(f"invalid digest {digest!r}")
        out = self.name
        if tag:
            out += f":{tag}"
        if digest:
            out += f"@{digest}"
        return out

    def __str__(self) -> str:
        return self.render(self.tag, self.digest)


def is_tag(text: object) -> TypeGuard[str]:
    """A tag as the reference grammar allows it; anything else (a newline, a space, `AS x`) is never written."""
    return isinstance(text, str) and _TAG_RE.fullmatch(text) is not None


def is_digest(text: object) -> TypeGuard[str]:
    """A sha256 or sha512 manifest digest, as dockfix writes it after `@`."""
    return isinstance(text, str) and _PIN_DIGEST.fullmatch(text) is not None


def parse_reference(text: str) -> Reference:
    """Parse `[host[:port]/]path[:tag][@digest]`; raises InvalidReferenceError when Docker would."""
    m = _REFERENCE.fullmatch(text)
    if m is None:
        raise InvalidReferenceError(f"invalid reference format: {text!r}")
    name = m["name"]
    if len(name) > _MAX_NAME:
        raise InvalidReferenceError(f"repository name must not be longer than {_MAX_NAME} characters")
    first, sep, rest = name.partition("/")
    if sep and _is_domain(first):
        domain: str | None = first
        path = rest
    else:
        domain, path = None, name
    # without a host in front the whole name must be a lower-case path (`Python` is not an image)
    if not _PATH.fullmatch(path):
        raise InvalidReferenceError(f"invalid reference format: repository name must be lowercase: {text!r}")
    return Reference(domain=domain, path=path, tag=m["tag"], digest=m["digest"])


def is_loopback(host: str) -> bool:
    """`host` (with or without a port) names this machine."""
    h = host
    if h.startswith("["):
        h = h[1 : h.find("]")] if "]" in h else h[1:]
    elif h.count(":") == 1:
        h = h.split(":", 1)[0]
    h = h.lower()
    return h == "localhost" or h.endswith(".localhost") or h == "::1" or re.fullmatch(r"127(?:\.\d{1,3}){3}", h) is not None
