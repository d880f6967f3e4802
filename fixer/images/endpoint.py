"""Where a registry's API answers: HTTPS, or plain HTTP for loopback hosts and the ones marked insecure.

Apart from the HTTP client (`fixer.images.registry`), so that deciding where a lookup goes does not
import httpx: a run that learns first that the network is down never needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fixer.images.errors import ResolveError
from fixer.images.reference import is_loopback

@dataclass(frozen=True)
class Endpoint:
    """Where a registry's API answers (`base_url`) and which host its credentials are stored under."""

    base_url: str
    credential_host: str

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc


def endpoint_for(
    host: str, *, insecure: frozenset[str] = frozenset(), mirror: str | None = None, credential_host: str | None = None
) -> Endpoint:
    """HTTPS, except for loopback hosts and the ones the user marked insecure."""
    if mirror is not None:
        url = mirror.rstrip("/")
        if "://" not in url:
            url = f"{_scheme(urlsplit('//' + url).netloc, insecure)}://{url}"
        elif url.startswith("http://") and not _plain_ok(urlsplit(url).netloc, insecure):
            raise ResolveError(f"refusing plain HTTP to {urlsplit(url).netloc}: mark it insecure to allow it")
        return Endpoint(url, credential_host or urlsplit(url).netloc)
    return Endpoint(f"{_scheme(host, insecure)}://{host}", credential_host or host)


def _plain_ok(host: str, insecure: frozenset[str]) -> bool:
    return is_loopback(host) or host.lower() in insecure or host.lower().split(":")[0] in insecure


def _scheme(host: str, insecure: frozenset[str]) -> str:
    return "http" if _plain_ok(host, insecure) else "https"
