"""A threaded HTTP server on 127.0.0.1 for fake forges: records every exchange, injects faults.

A forge subclass routes requests to handlers that return (status, headers, JSON body) and checks
each request and response against the forge's published (or documented) description; whatever
does not conform lands in `violations`, which every test asserts is empty.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str  # raw, still percent-encoded
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Exchange:
    request: Request
    status: int
    response: Any


@dataclass
class Fault:
    """Answer the matching request with `status` (or never, with `hang`), `times` times."""

    method: str
    path: str  # regex searched in the raw path
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    hang: float = 0.0  # seconds to sit on the request before answering
    times: int = 1
    before: Callable[[], None] | None = None  # run, then let the request through (a race with another client)


Reply = tuple[int, dict[str, str], Any]


class FakeForge:
    token_header = "authorization"

    def __init__(self, token: str) -> None:
        self.token = token
        self.exchanges: list[Exchange] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._release = threading.Event()
        forge = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = Request(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    raw,
                )
                status, headers, body = forge.dispatch(req)
                if status == 0:
                    self.close_connection = True
                    return  # hung up
                data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
                self.send_response(status)
                ctype = "text/plain" if isinstance(body, bytes) else "application/json; charset=utf-8"
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeForge:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    # -- what tests look at -------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Exchange]:
        return [e for e in self.exchanges if method is None or e.request.method == method]

    def writes(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.request.method != "GET"]

    # -- serving ------------------------------------------------------------------------------------

    def dispatch(self, req: Request) -> Reply:
        problems = self.check_request(req)
        with self.lock:
            self.violations += problems
        if problems:
            reply: Reply = (400, {}, {"message": "request does not match the API description: " + "; ".join(problems)})
            self._record(req, reply)
            return reply
        fault = self._fault(req)
        if fault is not None:
            if fault.before:
                fault.before()
            else:
                if fault.hang:
                    self._release.wait(fault.hang)
                    return (0, {}, None)
                reply = (fault.status, fault.headers, fault.body)
                self._check_and_record(req, reply)
                return reply
        if not self.authorized(req):
            reply = self.unauthorized()
        else:
            with self.lock:
                reply = self.route(req)
        self._check_and_record(req, reply)
        return reply

    def _fault(self, req: Request) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.times > 0 and f.method == req.method and re.search(f.path, req.path):
                    f.times -= 1
                    return f
        return None

    def _check_and_record(self, req: Request, reply: Reply) -> None:
        problems = self.check_response(req, reply)
        with self.lock:
            self.violations += problems
        self._record(req, reply)

    def _record(self, req: Request, reply: Reply) -> None:
        with self.lock:
            self.exchanges.append(Exchange(req, reply[0], reply[2]))

    # -- for subclasses -----------------------------------------------------------------------------

    def authorized(self, req: Request) -> bool:
        raise NotImplementedError

    def unauthorized(self) -> Reply:
        raise NotImplementedError

    def route(self, req: Request) -> Reply:
        raise NotImplementedError

    def check_request(self, req: Request) -> list[str]:
        raise NotImplementedError

    def check_response(self, req: Request, reply: Reply) -> list[str]:
        raise NotImplementedError


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
