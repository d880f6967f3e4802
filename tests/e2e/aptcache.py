"""A caching HTTP proxy on 127.0.0.1 for the Debian archive, shared by every build of a run.

Each e2e build runs `apt-get update` and downloads the same package lists and .debs again;
buildah hands the host's http_proxy to every RUN (and keeps it out of the image), so pointing
it here serves those from disk. Only files that never change under their URL are kept:
`.../by-hash/...` indexes and `pool/` packages. Everything else (InRelease) is fetched anew,
so a build still sees the archive as it is. Only the hosts apt itself uses are forwarded to.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
PASSED_RESPONSE_HEADERS = ("Content-Type", "Last-Modified", "ETag")


def immutable(path: str) -> bool:
    return "/by-hash/" in path or ("/pool/" in path and path.endswith(".deb"))


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        url = urllib.parse.urlsplit(self.path)
        if url.scheme != "http" or url.hostname not in self.server.hosts:
            self.send_error(403, "the e2e apt cache forwards only to the Debian archive apt uses")
            return
        cached = self.server.cache_dir / hashlib.sha256(self.path.encode()).hexdigest()
        keep = immutable(url.path) and "Range" not in self.headers
        if keep and cached.is_file():
            self.server.hits += 1
            self._send_file(cached)
            return
        self.server.misses += 1
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS | {"host"}}
        request = urllib.request.Request(self.path, headers=headers)
        try:
            response = self.server.opener.open(request, timeout=120)
        except urllib.error.HTTPError as e:
            # 304 Not Modified, 404 for an index apt merely probes: apt needs the real answer
            self.send_response(e.code)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        except OSError as e:
            self.send_error(502, f"upstream: {e}")
            return
        with response:
            if not keep:
                self._relay(response)
                return
            with tempfile.NamedTemporaryFile(dir=self.server.cache_dir, delete=False, prefix=".part-") as part:
                shutil.copyfileobj(response, part)
            # several runs may share the cache: a rename is atomic, a half-written file is never seen
            os.replace(part.name, cached)
        self._send_file(cached)

    def _send_file(self, path: Path) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()
        with open(path, "rb") as handle:
            shutil.copyfileobj(handle, self.wfile)

    def _relay(self, response: Any) -> None:
        body = response.read()
        self.send_response(response.status)
        for name in PASSED_RESPONSE_HEADERS:
            if response.headers.get(name):
                self.send_header(name, response.headers[name])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, cache_dir: Path, hosts: set[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.cache_dir = cache_dir
        self.hosts = hosts
        self.hits = 0
        self.misses = 0
        # never through a proxy of the host's own environment: we are the proxy
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class AptCache:
    """Start with `with AptCache(dir, hosts) as cache:`; cache.url is the http_proxy to give builds."""

    def __init__(self, cache_dir: Path, hosts: set[str]) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._server = _Server(cache_dir, hosts)
        self._thread = threading.Thread(target=self._server.serve_forever, name="e2e-apt-cache", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/"

    @property
    def stats(self) -> str:
        return f"{self._server.hits} served from cache, {self._server.misses} fetched"

    def __enter__(self) -> AptCache:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
