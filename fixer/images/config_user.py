"""The user an image runs as: `config.User` of its image config for one platform (DF005).

Read through DF001's resolver, so lookups share its credentials, mirrors, insecure hosts, time limits and
cache. The manifest has to be fetched with GET (a HEAD has no body): that counts as a pull on Docker Hub,
so an answer is cached like a pin, and `--offline` reads the cache only.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fixer.images.cache import Entry
from fixer.images.errors import ResolveError
from fixer.images.reference import Reference, is_digest

if TYPE_CHECKING:
    from fixer.images.endpoint import Endpoint
    from fixer.images.registry import RegistryClient

DEFAULT_PLATFORM = "linux/amd64"
_INDEX_TYPES = frozenset(
    {"application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"}
)


@dataclass(frozen=True)
class ImageUser:
    reference: Reference
    user: str | None  # config.User; "" when the image sets none (it runs as root); None: not known
    reason: str | None = None  # why it is not known
    cached: bool = False


def cache_key(ref: Reference, platform: str) -> str:
    # the user shares the pin cache's file; the prefix keeps the two kinds of entry apart
    target = f"{ref.registry}/{ref.repository}@{ref.digest}" if ref.digest else ref.key
    return f"config.User {platform} {target}"


def entry(digest: str, user: str) -> Entry:
    """The cache form: the platform manifest's digest, and the user in the tag field."""
    return Entry(digest=digest, tag=user, at=time.time())


def _platform_of(platform: str) -> tuple[str, str, str | None]:
    parts = platform.split("/")
    return parts[0], parts[1] if len(parts) > 1 else "amd64", parts[2] if len(parts) > 2 else None


def pick_platform(index: dict[str, Any], platform: str) -> str | None:
    """The digest of the index entry for `platform` (os/arch[/variant]); None when it has none."""
    want_os, want_arch, want_variant = _platform_of(platform)
    for m in index.get("manifests") or []:
        if not isinstance(m, dict):
            continue
        p = m.get("platform") or {}
        if p.get("os") != want_os or p.get("architecture") != want_arch:
            continue
        if want_variant is not None and p.get("variant") not in (None, want_variant):
            continue
        digest = m.get("digest")
        # it goes into the next request's path: only a digest, nothing a registry could steer elsewhere
        if is_digest(digest):
            return digest
    return None


def fetch_user(client: RegistryClient, endpoint: Endpoint, ref: Reference, platform: str, deadline: float) -> Entry:
    """Ask the registry: index (or manifest) -> the platform's manifest -> its config blob -> config.User."""
    what = str(ref)
    reference = ref.digest or ref.effective_tag
    media, doc = client.manifest(endpoint, ref.repository, reference, deadline)
    if media in _INDEX_TYPES or "manifests" in doc:
        digest = pick_platform(doc, platform)
        if digest is None:
            raise ResolveError(f"{what} has no image for {platform}")
        media, doc = client.manifest(endpoint, ref.repository, digest, deadline)
    else:
        digest = reference
    config = doc.get("config")
    config_digest = config.get("digest") if isinstance(config, dict) else None
    if not is_digest(config_digest):
        raise ResolveError(f"malformed manifest for {what} from {endpoint.host}: no config")
    try:
        body = json.loads(client.blob(endpoint, ref.repository, config_digest, deadline))
    except ValueError:
        raise ResolveError(f"malformed image config for {what} from {endpoint.host}") from None
    inner = body.get("config") if isinstance(body, dict) else None
    user = inner.get("User") if isinstance(inner, dict) else None
    return entry(digest, user if isinstance(user, str) else "")
