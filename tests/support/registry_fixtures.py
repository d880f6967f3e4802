"""A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1.

Tests import the fixtures from here (`from tests.support.registry_fixtures import *` is not needed: pytest finds
fixtures imported into a test module). Images are small synthetic multi-platform images pushed over the
registry API (blob upload, platform manifests by digest, an index under several tags): no Docker engine.
A token server (RS256 JWTs, its certificate is the registry's `rootcertbundle`) exercises Bearer auth,
an htpasswd registry exercises Basic auth, and a fault proxy in front of the real registry injects
429s, 500s, slowness and malformed answers.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.client
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

SERVICE = "dockfix-test-registry"
ISSUER = "dockfix-test-issuer"


def registry_binary() -> str | None:
    env = os.environ.get("DOCKFIX_TEST_REGISTRY")
    if env:
        return env if os.access(env, os.X_OK) else None
    for cand in ("/usr/bin/docker-registry", shutil.which("docker-registry"), shutil.which("registry")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


_skip_without_registry = pytest.mark.skipif(
    registry_binary() is None,
    reason="needs Debian's docker-registry binary (apt-get install docker-registry, "
    "or set DOCKFIX_TEST_REGISTRY=/path/to/registry)",
)
requires_registry = [pytest.mark.registry, _skip_without_registry]  # for a module's pytestmark


def needs_registry(fn: Any) -> Any:
    """Marks one test `registry` and skips it when the binary is missing."""
    return pytest.mark.registry(_skip_without_registry(fn))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -- the registry process ------------------------------------------------------------------------


class RegistryProcess:
    """docker-registry on 127.0.0.1, ephemeral port (read back from its log), storage in `root`."""

    def __init__(self, root: Path, auth_yaml: str = "") -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        # the registry fsyncs every blob: on tmpfs pushing is 4x faster
        shm = Path("/dev/shm")
        self.storage = Path(tempfile.mkdtemp(prefix="dockfix-registry-", dir=shm if os.access(shm, os.W_OK) else root))
        self.config = root / "config.yml"
        self.log = root / "registry.log"
        self.config.write_text(
            "version: 0.1\n"
            "log:\n  level: info\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.storage}\n  delete:\n    enabled: true\n"
            "  maintenance:\n    uploadpurging:\n      enabled: false\n"
            "http:\n  addr: 127.0.0.1:0\n  secret: dockfix-tests\n" + auth_yaml
        )
        binary = registry_binary()
        assert binary is not None
        self._logf = self.log.open("wb")
        self.proc = subprocess.Popen([binary, "serve", str(self.config)], stdout=self._logf, stderr=subprocess.STDOUT)
        self.host = self._wait_listening()
        self.url = f"http://{self.host}"
        self._wait_ready()

    def _wait_listening(self, timeout: float = 10.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in self.log.read_text(errors="replace").splitlines():
                if 'msg="listening on ' in line:
                    return line.split('msg="listening on ', 1)[1].split('"', 1)[0]
            if self.proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.01)
        self.stop()
        raise RuntimeError("docker-registry did not start listening in time")

    def _wait_ready(self, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                r = httpx.get(f"{self.url}/v2/", timeout=1.0)
                if r.status_code in (200, 401):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.01)
        raise RuntimeError("docker-registry did not answer /v2/ in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._logf.close()
        shutil.rmtree(self.storage, ignore_errors=True)


# -- pushing synthetic images --------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


class Pusher:
    """Pushes over the registry API; deterministic content, so digests are stable across runs."""

    def __init__(self, base_url: str, authorization: str | None = None) -> None:
        headers = {"Authorization": authorization} if authorization else {}
        self.http = httpx.Client(base_url=base_url, headers=headers, timeout=10.0)
        self._pushed: set[tuple[str, str]] = set()

    def close(self) -> None:
        self.http.close()

    def blob(self, repo: str, data: bytes) -> str:
        digest = sha256(data)
        if (repo, digest) in self._pushed:
            return digest
        self._pushed.add((repo, digest))
        r = self.http.post(f"/v2/{repo}/blobs/uploads/")
        assert r.status_code == 202, r.text
        loc = r.headers["location"]
        sep = "&" if "?" in loc else "?"
        r = self.http.put(f"{loc}{sep}digest={digest}", content=data, headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 201, r.text
        return digest

    def manifest(self, repo: str, ref: str, body: bytes, media_type: str) -> str:
        r = self.http.put(f"/v2/{repo}/manifests/{ref}", content=body, headers={"Content-Type": media_type})
        assert r.status_code == 201, r.text
        digest: str = r.headers["docker-content-digest"]
        assert digest == sha256(body)
        return digest

    def image(self, repo: str, seed: str, arch: str, docker_types: bool = False) -> tuple[str, int, str]:
        """One platform image; returns (digest, size, media type) of its manifest."""
        layer = f"layer {arch}".encode()  # shared by a repository's images: fewer uploads
        config = canonical(
            {
                "architecture": arch,
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]},
                "config": {"Labels": {"seed": seed}},
            }
        )
        ctype, ltype, mtype = (
            (DOCKER_CONFIG_TYPE, DOCKER_LAYER, DOCKER_MANIFEST) if docker_types else (OCI_CONFIG, OCI_LAYER, OCI_MANIFEST)
        )
        manifest = canonical(
            {
                "schemaVersion": 2,
                "mediaType": mtype,
                "config": {"mediaType": ctype, "digest": self.blob(repo, config), "size": len(config)},
                "layers": [{"mediaType": ltype, "digest": self.blob(repo, layer), "size": len(layer)}],
            }
        )
        return self.manifest(repo, sha256(manifest), manifest, mtype), len(manifest), mtype

    def index(
        self, repo: str, tags: list[str], seed: str, arches: tuple[str, ...] = ("amd64", "arm64"), docker_types: bool = False
    ) -> str:
        """A multi-platform image tagged with every tag in `tags`; returns the index digest."""
        entries = []
        for arch in arches:
            digest, size, mtype = self.image(repo, seed, arch, docker_types)
            entries.append({"mediaType": mtype, "digest": digest, "size": size, "platform": {"architecture": arch, "os": "linux"}})
        itype = DOCKER_LIST if docker_types else OCI_INDEX
        body = canonical({"schemaVersion": 2, "mediaType": itype, "manifests": entries})
        digest = ""
        for tag in tags:
            digest = self.manifest(repo, tag, body, itype)
        return digest

    def single(self, repo: str, tags: list[str], seed: str) -> str:
        """A single-platform image (a plain manifest, no index) under `tags`."""
        digest, _, _ = self.image(repo, seed, "amd64")
        r = self.http.get(f"/v2/{repo}/manifests/{digest}", headers={"Accept": OCI_MANIFEST})
        for tag in tags:
            self.manifest(repo, tag, r.content, OCI_MANIFEST)
        return digest


@dataclass
class Seeded:
    """What `seed_images` pushed: repository -> tag -> digest."""

    digests: dict[str, dict[str, str]] = field(default_factory=dict)

    def digest(self, repo: str, tag: str) -> str:
        return self.digests[repo][tag]


# python-like tags: latest == 3 == 3.13 == 3.13.1; the alpine family separately; noise that must not win
IMAGES: dict[str, list[tuple[list[str], str]]] = {
    "library/python": [
        (["latest", "3", "3.13", "3.13.1", "bookworm"], "python-3.13.1"),
        (["3.13.0"], "python-3.13.0"),
        (["3.12", "3.12.9"], "python-3.12.9"),
        (["3.14.0rc1", "3.14-rc"], "python-3.14rc"),
        (["alpine", "3-alpine", "3.13-alpine", "3.13.1-alpine"], "python-3.13.1-alpine"),
        (["3.12.9-alpine"], "python-3.12.9-alpine"),
        (["3.13.1-slim", "slim"], "python-3.13.1-slim"),
    ],
    # latest is an LTS line, not the newest version
    "library/ubuntu": [
        (["latest", "24.04", "noble"], "ubuntu-24.04"),
        (["24.10"], "ubuntu-24.10"),
        (["25.04", "rolling"], "ubuntu-25.04"),
    ],
    # latest is ahead of every version tag: must not be guessed
    "library/edge": [
        (["latest"], "edge-nightly"),
        (["1.0", "1.0.0"], "edge-1.0.0"),
    ],
    "team/app": [
        (["latest", "1", "1.2", "1.2.3"], "app-1.2.3"),
        (["1.2.2"], "app-1.2.2"),
    ],
    "library/golang": [
        (["latest", "1", "1.23", "1.23.4"], "golang-1.23.4"),
    ],
    "library/node": [
        (["latest", "23", "23.5", "23.5.0"], "node-23.5.0"),
    ],
    "library/busybox": [
        (["latest", "1", "1.37", "1.37.0"], "busybox-1.37.0"),
    ],
}


def seed_images(pusher: Pusher) -> Seeded:
    seeded = Seeded()
    for repo, images in IMAGES.items():
        for tags, seed in images:
            digest = pusher.index(repo, tags, seed)
            seeded.digests.setdefault(repo, {}).update({t: digest for t in tags})
    # Docker (not OCI) media types: a manifest list of v2 manifests
    d = pusher.index("library/dockertypes", ["latest", "2.1.0"], "dockertypes-2.1.0", docker_types=True)
    seeded.digests["library/dockertypes"] = {"latest": d, "2.1.0": d}
    # a single-platform image: its manifest digest is the digest to pin
    d = pusher.single("library/single", ["latest", "0.9.1"], "single-0.9.1")
    seeded.digests["library/single"] = {"latest": d, "0.9.1": d}
    return seeded


# -- token server (Bearer auth) ------------------------------------------------------------------


def libtrust_kid(public_der: bytes) -> str:
    """docker/libtrust's key ID: sha256 of the SubjectPublicKeyInfo, 240 bits, base32 in groups of 4."""
    b32 = base64.b32encode(hashlib.sha256(public_der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i : i + 4] for i in range(0, len(b32), 4))


class TokenAuthority:
    """An RSA key with a self-signed certificate (the registry's rootcertbundle) that signs JWTs."""

    def __init__(self, directory: Path) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dockfix test token issuer")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.cert_path = directory / "token-cert.pem"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = libtrust_kid(der)

    def token(self, subject: str, access: list[dict[str, Any]], ttl: int = 300) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": SERVICE,
            "exp": now + ttl,
            "nbf": now - 10,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


def scope_access(scopes: list[str], actions_allowed: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for scope in scopes:
        for item in scope.split(" "):
            parts = item.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            name, actions = ":".join(parts[1:-1]), parts[-1].split(",")
            out.append({"type": "repository", "name": name, "actions": [a for a in actions if a in actions_allowed]})
    return out


class TokenServer:
    """Issues pull tokens for the users it knows (Basic auth on GET, refresh tokens on POST)."""

    def __init__(self, authority: TokenAuthority, users: dict[str, str], refresh_tokens: dict[str, str]) -> None:
        self.authority = authority
        self.users = users
        self.refresh_tokens = refresh_tokens  # refresh token -> user
        self.requests: list[tuple[str, str | None]] = []  # (method, user or None)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, user: str | None, scopes: list[str]) -> None:
                server.requests.append((self.command, user))
                if user is None:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                token = authority.token(user, scope_access(scopes, ("pull",)))
                body = json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                q = parse_qs(urlsplit(self.path).query)
                user = None
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    name, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                    if server.users.get(name) == pw:
                        user = name
                self._answer(user, q.get("scope", []))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                user = None
                if form.get("grant_type") == ["refresh_token"]:
                    user = server.refresh_tokens.get((form.get("refresh_token") or [""])[0])
                self._answer(user, form.get("scope", []))

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/token"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- fault proxy ---------------------------------------------------------------------------------


@dataclass
class Canned:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


# a fault decides per request: None forwards it, a Canned answers instead, a float delays then forwards
Fault = Callable[[str, str, int], "Canned | float | None"]


class FaultProxy:
    """A plain HTTP proxy in front of a real registry that can answer instead of it."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream).netloc
        self.fault: Fault = lambda method, path, n: None
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                with proxy._lock:
                    proxy.requests.append((self.command, self.path))
                    n = len(proxy.requests)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                verdict = proxy.fault(self.command, self.path, n)
                if isinstance(verdict, (int, float)):
                    time.sleep(verdict)
                elif isinstance(verdict, Canned):
                    self._send(verdict.status, verdict.headers, verdict.body)
                    return
                conn = http.client.HTTPConnection(proxy.upstream, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                hdrs = {k: v for k, v in resp.getheaders() if k.lower() not in ("connection", "transfer-encoding")}
                conn.close()
                self._send(resp.status, hdrs, data, head_length=hdrs.get("Content-Length"))

            def _send(self, status: int, headers: dict[str, str], body: bytes, head_length: str | None = None) -> None:
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        if k.lower() != "content-length":
                            self.send_header(k, v)
                    length = head_length if self.command == "HEAD" and head_length else str(len(body))
                    self.send_header("Content-Length", length)
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_HEAD = do_POST = do_PUT = _handle

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def count(self, method: str, contains: str = "") -> int:
        return sum(1 for m, p in self.requests if m == method and contains in p)

    def reset(self) -> None:
        self.fault = lambda method, path, n: None
        self.requests.clear()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- pytest fixtures -----------------------------------------------------------------------------


@dataclass
class LocalRegistry:
    process: RegistryProcess
    seeded: Seeded

    @property
    def host(self) -> str:
        return self.process.host

    @property
    def url(self) -> str:
        return self.process.url


@pytest.fixture(scope="session")
def local_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    """An anonymous registry with the IMAGES pushed."""
    if registry_binary() is None:
        pytest.skip("needs Debian's docker-registry binary (apt-get install docker-registry)")
    proc = RegistryProcess(tmp_path_factory.mktemp("registry"))
    try:
        pusher = Pusher(proc.url)
        seeded = seed_images(pusher)
        pusher.close()
        yield LocalRegistry(proc, seeded)
    finally:
        proc.stop()


@pytest.fixture
def fault_proxy(local_registry: LocalRegistry) -> Iterator[FaultProxy]:
    proxy = FaultProxy(local_registry.url)
    try:
        yield proxy
    finally:
        proxy.stop()


@dataclass
class TokenRegistry:
    process: RegistryProcess
    tokens: TokenServer
    seeded: Seeded
    user: str
    password: str
    refresh_token: str

    @property
    def host(self) -> str:
        return self.process.host


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenRegistry]:
    """A registry that wants Bearer tokens from a token server that knows one user."""
    if registry_binary() is None:
        pytest.skip("needs Debian's docker-registry binary (apt-get install docker-registry)")
    root = tmp_path_factory.mktemp("token-registry")
    authority = TokenAuthority(root)
    user, password, refresh = "alice", "s3cret-Passw0rd", "refresh-" + uuid.uuid4().hex
    tokens = TokenServer(authority, {user: password}, {refresh: user})
    auth = (
        "auth:\n  token:\n"
        f"    realm: {tokens.url}\n    service: {SERVICE}\n    issuer: {ISSUER}\n"
        f"    rootcertbundle: {authority.cert_path}\n"
    )
    proc = RegistryProcess(root, auth)
    try:
        push_token = authority.token("pusher", [{"type": "repository", "name": "private/app", "actions": ["pull", "push"]}])
        pusher = Pusher(proc.url, f"Bearer {push_token}")
        seeded = Seeded()
        d = pusher.index("private/app", ["latest", "2", "2.0", "2.0.7"], "private-2.0.7")
        pusher.index("private/app", ["2.0.6"], "private-2.0.6")
        seeded.digests["private/app"] = {"latest": d, "2.0.7": d}
        pusher.close()
        yield TokenRegistry(proc, tokens, seeded, user, password, refresh)
    finally:
        proc.stop()
        tokens.stop()


@dataclass
class BasicRegistry:
    process: RegistryProcess
    seeded: Seeded
    user: str
    password: str

    @property
    def host(self) -> str:
        return self.process.host


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BasicRegistry]:
    """A registry with htpasswd (Basic) auth."""
    if registry_binary() is None:
        pytest.skip("needs Debian's docker-registry binary (apt-get install docker-registry)")
    bcrypt = pytest.importorskip("bcrypt")
    root = tmp_path_factory.mktemp("basic-registry")
    user, password = "bob", "b4sic-Secret"
    htpasswd = root / "htpasswd"
    htpasswd.write_text(f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}\n")
    proc = RegistryProcess(root, f"auth:\n  htpasswd:\n    realm: basic-realm\n    path: {htpasswd}\n")
    try:
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        pusher = Pusher(proc.url, f"Basic {basic}")
        seeded = Seeded()
        d = pusher.index("corp/base", ["latest", "7", "7.1", "7.1.0"], "corp-7.1.0")
        seeded.digests["corp/base"] = {"latest": d, "7.1.0": d}
        pusher.close()
        yield BasicRegistry(proc, seeded, user, password)
    finally:
        proc.stop()


@pytest.fixture(autouse=True)
def _isolated_images_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never read the user's docker config or write the user's cache from a test."""
    monkeypatch.setenv("DOCKFIX_CACHE_DIR", str(tmp_path / "cache"))
    docker = tmp_path / "docker-config"
    docker.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(docker))
    return docker


def write_docker_config(directory: Path, config: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    return path


def install_credential_helper(bin_dir: Path, name: str, entries: dict[str, tuple[str, str]]) -> Path:
    """A `docker-credential-<name>` script answering `get` for the servers in `entries`."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / f"docker-credential-{name}"
    table = json.dumps({k: {"ServerURL": k, "Username": u, "Secret": s} for k, (u, s) in entries.items()})
    log = bin_dir / f"{name}.log"
    script.write_text(
        "#!/bin/sh\n"
        f'[ "$1" = get ] || exit 1\n'
        "read -r server\n"
        f'echo "$server" >> "{log}"\n'
        f"exec python3 -c 'import json,sys; t=json.loads(sys.argv[1]); s=sys.argv[2]\n"
        "if s in t: print(json.dumps(t[s]))\n"
        "else: print(\"credentials not found in native keychain\"); sys.exit(1)' "
        f"'{table}' \"$server\"\n"
    )
    script.chmod(0o755)
    return script
