"""A small OCI distribution API client over httpx: manifest HEADs, tag lists, registry auth.

HEAD, not GET, for manifests: HEADs do not count against Docker Hub's pull limits, and the
`Docker-Content-Digest` header is all a pin needs. The Accept header lists the index types first;
without them a registry answers 404 for multi-platform images.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from fixer.images.credentials import Credentials, CredentialStore
from fixer.images.endpoint import Endpoint
from fixer.images.errors import ResolveError
from fixer.images.reference import is_loopback

log = logging.getLogger(__name__)

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_TYPES = (OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST)
ACCEPT = ", ".join(MANIFEST_TYPES)

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_MAX_PAGES = 200
_USER_AGENT = "dockfix (+image pinning)"
# no connection was made (no such host, refused, unroutable, a proxy that failed us): nothing was sent
_NO_CONNECTION = (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError)


_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


def parse_challenge(values: list[str]) -> tuple[str, dict[str, str]] | None:
    """The first usable `WWW-Authenticate` challenge: ("bearer"|"basic", params)."""
    for value in values:
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() in ("bearer", "basic"):
            params = {m[0].lower(): m[1] or m[2] for m in _PARAM.findall(rest)}
            return scheme.lower(), params
    return None


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _describe(err: httpx.TransportError) -> str:
    # httpx messages name the OS error ("[Errno 111] Connection refused"), never a header or a secret
    text = str(err).strip()
    if isinstance(err, httpx.TimeoutException):
        return "timed out" + (f" ({text})" if text and "timed out" not in text else "")
    return text or type(err).__name__


class RegistryClient:
    """Thread-safe; one per run. `stats` counts requests by method (and `token` for token fetches)."""

    def __init__(
        self,
        credentials: CredentialStore,
        *,
        connect_timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.25,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.credentials = credentials
        self.connect_timeout = connect_timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._transport = transport
        self._client: httpx.Client | None = None  # made on the first request: a run that sends none pays nothing
        self._auth: dict[tuple[str, str], str] = {}  # (base_url, repository) -> Authorization value
        self._lock = threading.Lock()
        self.stats: Counter[str] = Counter()
        self.tokens: set[str] = set()
        # A host that could not be reached before it ever answered is not asked again in this run: without
        # a network every lookup would otherwise pay its own connection failure and retries.
        self._reached: set[str] = set()
        self._down: dict[str, str] = {}  # host -> why it cannot be reached

    @property
    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = self._new_http()
            return self._client

    def _new_http(self) -> httpx.Client:
        return httpx.Client(
            transport=self._transport,
            headers={"User-Agent": _USER_AGENT},
            # httpx drops the Authorization header when a redirect leaves the origin
            follow_redirects=True,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def after_fork(self) -> None:
        """In a forked worker: connections and locks of its own; what was learnt about hosts and tokens is kept."""
        # the parent's pooled sockets stay the parent's: two processes writing to one would garble both
        self._lock = threading.Lock()
        # and no client made here: a worker forked only to read settled answers never needs one, and loading
        # the CA certificates in a fork hook is slow enough for a SIGTERM from the pool's end to land inside it
        self._client = None

    # -- plumbing ---------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        deadline: float,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request with retries on connection errors, 429 (honouring Retry-After) and 5xx.

        A connection that cannot be made to a host that has not answered yet is not retried: the host
        is then unreachable for the rest of the run, and every later request to it fails at once.
        """
        host = urlsplit(url).netloc
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ResolveError(f"timed out talking to {host}")
            timeout = httpx.Timeout(remaining, connect=min(self.connect_timeout, remaining))
            with self._lock:
                if host in self._down:
                    raise ResolveError(self._down[host])
                self.stats[method] += 1
            try:
                resp = self._http.request(method, url, headers=headers, data=data, params=params, timeout=timeout)
            except httpx.TransportError as err:
                log.debug("%s %s: %s", method, url, type(err).__name__)
                if isinstance(err, _NO_CONNECTION):
                    with self._lock:
                        never_answered = host not in self._reached
                        if never_answered:
                            self._down.setdefault(host, f"cannot reach {host}: {_describe(err)}")
                    if never_answered:
                        raise ResolveError(self._down[host]) from None
                if attempt < self.retries and not isinstance(err, httpx.ReadTimeout):
                    attempt += 1
                    self._wait(self._backoff(attempt), deadline, host, f"cannot reach {host}: {_describe(err)}")
                    continue
                if isinstance(err, httpx.TimeoutException):
                    raise ResolveError(f"timed out talking to {host}") from None
                raise ResolveError(f"cannot reach {host}: {_describe(err)}") from None
            log.debug("%s %s -> %d", method, url, resp.status_code)
            with self._lock:
                self._reached.add(host)
            if resp.status_code in _RETRY_STATUS and attempt < self.retries:
                attempt += 1
                after = _retry_after(resp)
                why = "rate limited (HTTP 429)" if resp.status_code == 429 else f"HTTP {resp.status_code}"
                self._wait(after if after is not None else self._backoff(attempt), deadline, host, f"{host}: {why}")
                continue
            return resp

    def _backoff(self, attempt: int) -> float:
        return float(self.backoff * (2 ** (attempt - 1)) * (1 + random.random() / 2))

    def _wait(self, seconds: float, deadline: float, host: str, why: str) -> None:
        if time.monotonic() + seconds >= deadline:
            raise ResolveError(f"{why}; retrying would pass the time limit")
        self._sleep(seconds)

    def _send(
        self, method: str, endpoint: Endpoint, repository: str, url: str, deadline: float, headers: Mapping[str, str]
    ) -> httpx.Response:
        """A request to the registry API, answering one auth challenge (Bearer token or Basic)."""
        key = (endpoint.base_url, repository)
        for tried_auth in (False, True):
            hdrs = dict(headers)
            with self._lock:
                auth = self._auth.get(key)
            if auth:
                hdrs["Authorization"] = auth
            resp = self._request(method, url, deadline, hdrs)
            if resp.status_code != 401 or tried_auth:
                return resp
            value = self._authorize(resp, endpoint, repository, deadline)
            with self._lock:
                self._auth[key] = value
        raise AssertionError("unreachable")

    def _authorize(self, resp: httpx.Response, endpoint: Endpoint, repository: str, deadline: float) -> str:
        challenge = parse_challenge(resp.headers.get_list("www-authenticate"))
        if challenge is None:
            raise ResolveError(f"{endpoint.host} refused access (HTTP 401) without saying how to log in")
        scheme, params = challenge
        creds = self.credentials.get(endpoint.credential_host)
        if scheme == "basic":
            if creds is None or not (creds.username or creds.password):
                raise ResolveError(f"{endpoint.host} requires credentials; none found in the docker config")
            raw = f"{creds.username}:{creds.password}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        return "Bearer " + self._token(params, creds, endpoint, repository, deadline)

    def _token(
        self, params: dict[str, str], creds: Credentials | None, endpoint: Endpoint, repository: str, deadline: float
    ) -> str:
        realm = params.get("realm", "")
        parts = urlsplit(realm)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ResolveError(f"{endpoint.host} sent an unusable token realm")
        if parts.scheme == "http" and not (is_loopback(parts.netloc) or endpoint.base_url.startswith("http://")):
            raise ResolveError(f"refusing to fetch a token over plain HTTP from {parts.netloc}")
        query = {"service": params.get("service", ""), "scope": params.get("scope") or f"repository:{repository}:pull"}
        query = {k: v for k, v in query.items() if v}
        with self._lock:
            self.stats["token"] += 1
        if creds is not None and creds.identity_token:
            form = {**query, "grant_type": "refresh_token", "refresh_token": creds.identity_token, "client_id": "dockfix"}
            resp = self._request("POST", realm, deadline, data=form)
        else:
            hdrs: dict[str, str] = {}
            if creds is not None and (creds.username or creds.password):
                raw = f"{creds.username}:{creds.password}".encode()
                hdrs["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
            resp = self._request("GET", realm, deadline, headers=hdrs, params=query)
        if resp.status_code in (401, 403):
            if creds is None:
                raise ResolveError(
                    f"{parts.netloc} refused an anonymous token for {repository} (HTTP {resp.status_code}); "
                    f"no credentials for {endpoint.credential_host} in the docker config"
                )
            raise ResolveError(
                f"{parts.netloc} rejected the credentials for {endpoint.credential_host} (HTTP {resp.status_code})"
            )
        if resp.status_code != 200:
            raise ResolveError(f"token request to {parts.netloc} failed (HTTP {resp.status_code})")
        try:
            body = resp.json()
            token = body.get("token") or body.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise ResolveError(f"token server {parts.netloc} sent no token")
        with self._lock:
            self.tokens.add(token)
        return token

    def _error(self, resp: httpx.Response, endpoint: Endpoint, what: str) -> ResolveError:
        code = resp.status_code
        if code == 404:
            return ResolveError(f"{what} not found on {endpoint.host}")
        if code == 401:
            return ResolveError(f"not authorized to read {what} on {endpoint.host} (HTTP 401)")
        if code == 403:
            return ResolveError(f"access to {what} denied by {endpoint.host} (HTTP 403)")
        if code == 429:
            return ResolveError(f"rate limited by {endpoint.host} (HTTP 429)")
        if code >= 500:
            return ResolveError(f"registry error from {endpoint.host} (HTTP {code})")
        return ResolveError(f"unexpected answer from {endpoint.host} for {what} (HTTP {code})")

    # -- API --------------------------------------------------------------------------------------

    def manifest_digest(self, endpoint: Endpoint, repository: str, reference: str, deadline: float) -> str | None:
        """The digest of `repository:reference` (the index digest for multi-platform images); None if 404."""
        url = f"{endpoint.base_url}/v2/{repository}/manifests/{reference}"
        what = f"{repository}:{reference}"
        resp = self._send("HEAD", endpoint, repository, url, deadline, {"Accept": ACCEPT})
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise self._error(resp, endpoint, what)
        digest = str(resp.headers.get("docker-content-digest", "")).strip()
        media = str(resp.headers.get("content-type", "")).split(";")[0].strip()
        if _DIGEST.fullmatch(digest) and media in MANIFEST_TYPES:
            return digest
        # no usable digest header (some registries omit it on HEAD): read the manifest and hash it
        return self._digest_from_body(endpoint, repository, url, what, deadline)

    def _digest_from_body(self, endpoint: Endpoint, repository: str, url: str, what: str, deadline: float) -> str:
        resp = self._send("GET", endpoint, repository, url, deadline, {"Accept": ACCEPT})
        if resp.status_code != 200:
            raise self._error(resp, endpoint, what)
        body = resp.content
        try:
            doc = json.loads(body)
        except ValueError:
            raise ResolveError(f"malformed manifest for {what} from {endpoint.host}: not JSON") from None
        media = doc.get("mediaType") if isinstance(doc, dict) else None
        if isinstance(doc, dict) and doc.get("schemaVersion") == 1:
            raise ResolveError(f"{what} on {endpoint.host} has only a schema 1 manifest, which cannot be pinned")
        if not isinstance(doc, dict) or doc.get("schemaVersion") != 2:
            raise ResolveError(f"malformed manifest for {what} from {endpoint.host}: not a schema 2 manifest")
        if media is None:
            media = resp.headers.get("content-type", "").split(";")[0].strip()
        if media not in MANIFEST_TYPES:
            raise ResolveError(f"unsupported manifest type for {what} from {endpoint.host}: {media or 'none'}")
        if not isinstance(doc.get("manifests" if media in (OCI_INDEX, DOCKER_LIST) else "layers"), list):
            raise ResolveError(f"malformed manifest for {what} from {endpoint.host}")
        return "sha256:" + hashlib.sha256(body).hexdigest()

    def list_tags(self, endpoint: Endpoint, repository: str, deadline: float, page_size: int | None = None) -> list[str]:
        """All tags of a repository, following `Link: <…>; rel="next"` pages."""
        url: str | None = f"{endpoint.base_url}/v2/{repository}/tags/list"
        if page_size:
            url = f"{url}?n={page_size}"
        tags: list[str] = []
        seen: set[str] = set()
        while url is not None:
            if url in seen or len(seen) >= _MAX_PAGES:
                raise ResolveError(f"tag list of {repository} on {endpoint.host} does not end")
            seen.add(url)
            resp = self._send("GET", endpoint, repository, url, deadline, {"Accept": "application/json"})
            if resp.status_code != 200:
                raise self._error(resp, endpoint, f"tag list of {repository}")
            try:
                body = resp.json()
                page = body.get("tags") or []
            except (ValueError, AttributeError):
                raise ResolveError(f"malformed tag list of {repository} from {endpoint.host}") from None
            if not isinstance(page, list) or not all(isinstance(t, str) for t in page):
                raise ResolveError(f"malformed tag list of {repository} from {endpoint.host}")
            tags.extend(page)
            nxt = resp.links.get("next", {}).get("url")
            url = _same_origin(urljoin(url, nxt), endpoint) if nxt else None
        return tags


    def manifest(self, endpoint: Endpoint, repository: str, reference: str, deadline: float) -> tuple[str, dict[str, Any]]:
        """GET a manifest or index: (media type, document). DF005 reads the image config through it."""
        url = f"{endpoint.base_url}/v2/{repository}/manifests/{reference}"
        what = f"{repository}:{reference}" if ":" not in reference else f"{repository}@{reference}"
        resp = self._send("GET", endpoint, repository, url, deadline, {"Accept": ACCEPT})
        if resp.status_code != 200:
            raise self._error(resp, endpoint, what)
        if reference.startswith("sha256:") and "sha256:" + hashlib.sha256(resp.content).hexdigest() != reference:
            raise ResolveError(f"manifest {what} from {endpoint.host} does not match its digest")
        try:
            doc = json.loads(resp.content)
        except ValueError:
            raise ResolveError(f"malformed manifest for {what} from {endpoint.host}: not JSON") from None
        if not isinstance(doc, dict) or doc.get("schemaVersion") != 2:
            raise ResolveError(f"malformed manifest for {what} from {endpoint.host}: not a schema 2 manifest")
        media = doc.get("mediaType") or resp.headers.get("content-type", "").split(";")[0].strip()
        return str(media), doc

    def blob(self, endpoint: Endpoint, repository: str, digest: str, deadline: float, limit: int = 4 << 20) -> bytes:
        """A blob (an image config), checked against its sha256 digest; at most `limit` bytes."""
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            raise ResolveError(f"unsupported blob digest {digest[:24]!r} for {repository} on {endpoint.host}")
        url = f"{endpoint.base_url}/v2/{repository}/blobs/{digest}"
        resp = self._send("GET", endpoint, repository, url, deadline, {})
        if resp.status_code != 200:
            raise self._error(resp, endpoint, f"blob {digest[:19]} of {repository}")
        body = resp.content
        if len(body) > limit or "sha256:" + hashlib.sha256(body).hexdigest() != digest:
            raise ResolveError(f"blob {digest[:19]} of {repository} from {endpoint.host} does not match its digest")
        return body


def _same_origin(url: str, endpoint: Endpoint) -> str:
    # a next page elsewhere would receive our Authorization header
    a, b = urlsplit(url), urlsplit(endpoint.base_url)
    if (a.scheme, a.netloc) != (b.scheme, b.netloc):
        raise ResolveError(f"tag list of {endpoint.host} points to another host ({a.netloc})")
    return url
