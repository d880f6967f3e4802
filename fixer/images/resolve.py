"""Resolve floating image references to the version tag (and index digest) they name today.

A lookup HEADs the floating tag's manifest for its digest, lists the repository's tags, and HEADs
the version tags of the same variant family until one has that digest. It never guesses: when no
version tag shares the digest, or anything fails, the result carries a reason instead of a pin.
Each distinct reference is looked up once per run; lookups run on a bounded thread pool. A registry
host that cannot be reached is given up on for the run after its first failed connection, so a run
without a network costs about what an --offline run costs.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from fixer.images.cache import DEFAULT_TTL, Cache, Entry
from fixer.images.credentials import CredentialStore
from fixer.images.errors import ResolveError
from fixer.images.reference import Reference, is_digest, is_tag
from fixer.images.tags import candidates

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from fixer.images.config_user import ImageUser
    from fixer.images.endpoint import Endpoint
    from fixer.images.registry import RegistryClient

PinMode = Literal["tag", "digest"]


@dataclass(frozen=True)
class ResolverOptions:
    pin: PinMode = "tag"  # write `python:3.13.1`, or `python:3.13.1@sha256:<index digest>`
    offline: bool = False  # the cache only, no network
    no_cache: bool = False  # ignore cached results (fresh ones are still written)
    timeout: float = 30.0  # seconds for one reference's whole lookup, retries included
    connect_timeout: float = 5.0
    insecure_registries: tuple[str, ...] = ()  # hosts (host[:port]) plain HTTP may be used for
    # registry host -> URL answering for it (a Docker Hub mirror); keys are canonical hosts (`docker.io`)
    mirrors: Mapping[str, str] = field(default_factory=dict)
    cache_dir: Path | None = None
    cache_ttl: float = DEFAULT_TTL
    concurrency: int = 8
    retries: int = 2
    max_candidates: int = 64  # version tags HEADed per lookup before giving up
    tags_page_size: int | None = None
    docker_config: Path | None = None  # a directory holding config.json; default $DOCKER_CONFIG or ~/.docker


@dataclass(frozen=True)
class Resolution:
    reference: Reference
    digest: str | None = None  # the floating tag's manifest digest
    tag: str | None = None  # the most specific version tag sharing it
    reason: str | None = None  # why there is no pin
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.tag is not None and self.digest is not None

    def pinned(self, pin: PinMode) -> str | None:
        """The reference as written, pinned; None when unresolved."""
        if not self.ok or not is_tag(self.tag) or not is_digest(self.digest):
            return None
        return self.reference.render(self.tag, self.digest if pin == "digest" else None)


class Resolver:
    """What DF001 asks through `ctx.resolver`. Created once per run by `make_resolver`."""

    def __init__(self, options: ResolverOptions | None = None, client: RegistryClient | None = None) -> None:
        self.options = options or ResolverOptions()
        self._client = client
        # a client handed in brings its own transport (a caller's, a test's): its names are its business
        self._check_names = client is None
        self._credentials = CredentialStore(self.options.docker_config)
        self._cache = Cache(self.options.cache_dir, self.options.cache_ttl)
        self._futures: dict[str, Future[Resolution]] = {}
        self._users: dict[str, ImageUser] = {}  # DF005's config.User lookups of this run
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        # host name (or "proxy host:port") -> why it is out of reach: each is asked once per run
        self._unnamed: dict[str, str] = {}
        self._named: set[str] = set()
        self.lookups: Counter[str] = Counter()  # network / cache / offline-miss, for reports and tests
        _LIVE.add(self)

    @property
    def pin(self) -> PinMode:
        return self.options.pin

    @property
    def stats(self) -> Counter[str]:
        """Requests sent, by method; empty when nothing went over the network."""
        return Counter(self._client.stats) if self._client is not None else Counter()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._cache.flush()
        if self._client is not None:
            self._client.close()

    def settle(self) -> None:
        """Wait for every lookup started so far and stop the lookup threads, so that the process may fork.

        Worker processes forked after this answer from the finished lookups; one that asks for another
        reference starts threads of its own.
        """
        from concurrent.futures import wait

        with self._lock:
            pending = list(self._futures.values())
            pool, self._pool = self._pool, None
        wait(pending)
        if pool is not None:
            pool.shutdown(wait=True)
        self._cache.flush()

    def _after_fork(self) -> None:
        # only finished lookups are of use in a child: a running one's thread was not copied
        self._lock = threading.Lock()
        self._pool = None
        self._futures = {k: f for k, f in self._futures.items() if f.done()}
        if self._client is not None:
            self._client.after_fork()

    def __enter__(self) -> Resolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prefetch(self, refs: Iterable[Reference]) -> None:
        """Start lookups without waiting (the CLI can pass every file's references up front)."""
        for ref in refs:
            self._submit(ref)

    def resolve_all(self, refs: Iterable[Reference]) -> list[Resolution]:
        futures = [self._submit(ref) for ref in refs]
        results = [self._result(ref, f) for ref, f in futures]
        # one write per batch (a file's references), not per lookup; close() writes the rest
        self._cache.flush()
        return results

    def resolve(self, ref: Reference) -> Resolution:
        return self.resolve_all([ref])[0]

    def _submit(self, ref: Reference) -> tuple[Reference, Future[Resolution]]:
        with self._lock:
            fut = self._futures.get(ref.key)
            if fut is None:
                if self._pool is None:
                    from concurrent.futures import ThreadPoolExecutor

                    self._pool = ThreadPoolExecutor(max(1, self.options.concurrency), thread_name_prefix="dockfix-resolve")
                fut = self._pool.submit(self._lookup, ref)
                self._futures[ref.key] = fut
        return ref, fut

    def _result(self, ref: Reference, fut: Future[Resolution]) -> Resolution:
        try:
            res = fut.result()
        except Exception as err:  # noqa: BLE001 - a lookup must never fail the run
            res = Resolution(ref, reason=f"internal error ({type(err).__name__})")
        # the same key may have been asked for with another spelling: answer in this one's
        return res if res.reference == ref else Resolution(ref, res.digest, res.tag, res.reason, res.cached)

    def _redact(self, text: str) -> str:
        secrets = set(self._credentials.secrets)
        if self._client is not None:
            secrets |= self._client.tokens
        for s in sorted(secrets, key=len, reverse=True):
            if len(s) >= 4:
                text = text.replace(s, "***")
        return text

    def _lookup(self, ref: Reference) -> Resolution:
        opts = self.options
        if not opts.no_cache:
            entry, expired = self._cache.lookup(ref.key)
            if entry is not None and not expired:
                self._count("cache")
                return self._from_entry(ref, entry, cached=True)
            if opts.offline:
                self._count("offline-miss")
                why = "cached lookup expired" if entry is not None else "not in the cache"
                return Resolution(ref, reason=f"offline and {why}")
        if opts.offline:
            self._count("offline-miss")
            return Resolution(ref, reason="offline and the cache is bypassed (--no-cache)")
        self._count("network")
        try:
            entry = self._ask_registry(ref)
        except ResolveError as err:
            return Resolution(ref, reason=self._redact(str(err)))
        self._cache.put(ref.key, entry)
        return self._from_entry(ref, entry, cached=False)

    def _count(self, what: str) -> None:
        with self._lock:
            self.lookups[what] += 1

    @staticmethod
    def _from_entry(ref: Reference, entry: Entry, cached: bool) -> Resolution:
        if entry.tag is None:
            reason = f"no version tag shares the digest of `{ref.effective_tag}` ({entry.digest[:19]}…)"
            return Resolution(ref, digest=entry.digest, reason=reason, cached=cached)
        return Resolution(ref, digest=entry.digest, tag=entry.tag, cached=cached)

    def _client_or_new(self) -> RegistryClient:
        with self._lock:
            if self._client is None:
                # httpx is imported here, on the first lookup that needs the network
                from fixer.images.registry import RegistryClient

                self._client = RegistryClient(
                    self._credentials, connect_timeout=self.options.connect_timeout, retries=self.options.retries
                )
            return self._client

    def _check_name(self, ref: Reference) -> None:
        """Raise when the registry's host name does not resolve: then no HTTP client is even made.

        Without a network this is where a run learns it, for the price of one name lookup per host
        (making the HTTP client, with its TLS set-up, costs more than fixing a file). Through a proxy
        the proxy resolves names: then the proxy itself is what is checked (`_check_proxy`).
        """
        target = str(self.options.mirrors.get(ref.registry) or ref.endpoint_host)
        host = urlsplit(target if "://" in target else f"//{target}").netloc.rsplit("@", 1)[-1]
        name = host[1:].split("]", 1)[0] if host.startswith("[") else host.split(":", 1)[0]
        if not name or not self._check_names:
            return
        if _proxied():
            self._check_proxy(ref)
            return

        def resolves() -> str | None:
            import socket  # not for --offline runs, nor behind a proxy

            try:
                socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError) as err:
                return f"cannot reach {host}: {err}"
            return None

        self._once(name, resolves)

    def _once(self, key: str, why_not: Callable[[], str | None]) -> None:
        """Raise what `why_not` says keeps a host (or proxy) out of reach; asked once per run for `key`."""
        with self._lock:
            known = self._unnamed.get(key)
        if known is None and key not in self._named:
            known = why_not()
            with self._lock:
                if known is None:
                    self._named.add(key)
                else:
                    self._unnamed.setdefault(key, known)
        if known is not None:
            raise ResolveError(known)

    def _check_proxy(self, ref: Reference) -> None:
        """Raise when the proxy an HTTPS registry is reached through refuses connections (tried once per run).

        A proxy that cannot be reached fails every lookup; learning it from one TCP connection spares
        importing httpx and making its client. Only the plain case is checked (no NO_PROXY, an HTTPS
        registry): the proxy is then the one httpx takes, `https_proxy` or else `all_proxy`.
        """
        import urllib.request  # what httpx reads the proxy variables with

        proxies = urllib.request.getproxies()
        proxy = proxies.get("https") or proxies.get("all")
        if not proxy or proxies.get("no") or not self._endpoint(ref).base_url.startswith("https://"):
            return
        url = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        try:
            address = url.hostname, url.port or _PROXY_PORTS.get(url.scheme)
        except ValueError:  # a port that is no number: httpx says so when it is used
            return
        if address[0] is None or address[1] is None:
            return

        def connects() -> str | None:
            import socket

            try:
                socket.create_connection(address, timeout=self.options.connect_timeout).close()
            except OSError as err:
                return f"cannot reach the proxy {url.netloc.rsplit('@', 1)[-1]}: {_why(err)}"
            return None

        self._once(f"proxy {address[0]}:{address[1]}", connects)

    def _endpoint(self, ref: Reference) -> Endpoint:
        from fixer.images.endpoint import endpoint_for

        opts = self.options
        insecure = frozenset(h.lower() for h in opts.insecure_registries)
        mirror = opts.mirrors.get(ref.registry)
        # a mirror gets its own credentials, never the ones stored for the registry it stands in for
        credential_host = None if mirror else ref.registry
        return endpoint_for(ref.endpoint_host, insecure=insecure, mirror=mirror, credential_host=credential_host)

    def image_user(self, ref: Reference, platform: str = "linux/amd64") -> ImageUser:
        """`config.User` of `ref`'s image for `platform` (DF005): same cache, credentials and offline mode."""
        from fixer.images.config_user import ImageUser, cache_key, fetch_user

        key = cache_key(ref, platform)
        with self._lock:
            known = self._users.get(key)
        if known is not None:
            return known
        opts = self.options
        found: ImageUser | None = None
        if not opts.no_cache:
            entry, expired = self._cache.lookup(key)
            if entry is not None and not expired and entry.tag is not None:
                self._count("cache")
                found = ImageUser(ref, entry.tag, cached=True)
        if found is None and opts.offline:
            self._count("offline-miss")
            found = ImageUser(ref, None, reason="offline and not in the cache")
        if found is None:
            self._count("network")
            try:
                self._check_name(ref)
                entry = fetch_user(self._client_or_new(), self._endpoint(ref), ref, platform, time.monotonic() + opts.timeout)
            except ResolveError as err:
                found = ImageUser(ref, None, reason=self._redact(str(err)))
            else:
                self._cache.put(key, entry)
                self._cache.flush()
                found = ImageUser(ref, entry.tag)
        with self._lock:
            self._users[key] = found
        return found

    def _ask_registry(self, ref: Reference) -> Entry:
        opts = self.options
        self._check_name(ref)
        client = self._client_or_new()
        deadline = time.monotonic() + opts.timeout
        endpoint = self._endpoint(ref)
        tag = ref.effective_tag
        digest = client.manifest_digest(endpoint, ref.repository, tag, deadline)
        if digest is None:
            raise ResolveError(f"{ref.repository}:{tag} not found on {endpoint.host}")
        # a tag outside the reference grammar is never a candidate, whatever the registry lists
        tags = [t for t in client.list_tags(endpoint, ref.repository, deadline, opts.tags_page_size) if is_tag(t)]
        order = candidates(tags, tag)
        for cand in order[: opts.max_candidates]:
            if client.manifest_digest(endpoint, ref.repository, cand, deadline) == digest:
                return Entry(digest=digest, tag=cand, at=time.time())
        if len(order) > opts.max_candidates:
            # not a definite "none": the older tags were not asked, so this is not cached either
            raise ResolveError(
                f"none of the {opts.max_candidates} newest of {len(order)} version tags shares the digest of `{tag}`"
            )
        return Entry(digest=digest, tag=None, at=time.time())


_PROXY_PORTS = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080}


def _why(err: OSError) -> str:
    return str(err) or type(err).__name__  # a connect timeout says nothing of itself


def _proxied() -> bool:
    # the variables httpx reads (trust_env): a proxy resolves registry names itself
    return any(os.environ.get(k) or os.environ.get(k.upper()) for k in ("https_proxy", "http_proxy", "all_proxy"))


_LIVE: weakref.WeakSet[Resolver] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for resolver in list(_LIVE):
        resolver._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


def make_resolver(options: ResolverOptions | Mapping[str, Any] | None = None) -> Resolver:
    """The resolver the command line puts in `RuleContext.resolver`; close() it at the end of the run.

    `options` may be a mapping with ResolverOptions' field names (the CLI's and the config's DF001
    options); unknown keys are ignored, so other DF001 options can share the table.
    """
    if options is None or isinstance(options, ResolverOptions):
        return Resolver(options)
    return Resolver(options_from(options))


def options_from(raw: Mapping[str, Any]) -> ResolverOptions:
    known = {f.name for f in fields(ResolverOptions)}
    kw: dict[str, Any] = {k: v for k, v in raw.items() if k in known and v is not None}
    if kw.get("pin") not in (None, "tag", "digest"):
        raise ValueError(f"pin must be 'tag' or 'digest', not {kw['pin']!r}")
    for k in ("timeout", "connect_timeout", "cache_ttl"):
        if k in kw:
            kw[k] = float(kw[k])
    for k in ("concurrency", "retries", "max_candidates"):
        if k in kw:
            kw[k] = int(kw[k])
    if isinstance(kw.get("insecure_registries"), str):
        kw["insecure_registries"] = (kw["insecure_registries"],)
    if "insecure_registries" in kw:
        kw["insecure_registries"] = tuple(str(h) for h in kw["insecure_registries"])
    for k in ("cache_dir", "docker_config"):
        if k in kw:
            kw[k] = Path(kw[k])
    return ResolverOptions(**kw)
