"""Registry credentials from Docker's client config (`$DOCKER_CONFIG/config.json`, else `~/.docker`).

Order as the docker CLI: a `credHelpers` entry for the host, else the `credsStore`, else `auths`.
Helpers speak the docker-credential-helpers protocol: `docker-credential-<name> get` reads the server
address on stdin and prints `{"ServerURL", "Username", "Secret"}`; Username `<token>` means Secret is
an identity (refresh) token. Nothing here ever logs or formats a secret.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# the key docker login stores Docker Hub credentials under
HUB_SERVER = "https://index.docker.io/v1/"
_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_HELPER_TIMEOUT = 15.0


@dataclass(frozen=True)
class Credentials:
    username: str = field(default="", repr=True)
    password: str = field(default="", repr=False)
    identity_token: str = field(default="", repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.password, self.identity_token) if s)


def config_dir(env: dict[str, str] | None = None) -> Path:
    e = os.environ if env is None else env
    d = e.get("DOCKER_CONFIG")
    return Path(d) if d else Path.home() / ".docker"


def hostname(server: str) -> str:
    """`https://host:5000/v1/` -> `host:5000`, as the docker CLI compares auths keys."""
    s = server
    for scheme in ("http://", "https://"):
        if s.startswith(scheme):
            s = s[len(scheme) :]
    return s.split("/", 1)[0].lower()


def _is_hub(host: str) -> bool:
    return hostname(host) in _HUB_HOSTS


def _same_host(server: str, host: str) -> bool:
    return hostname(server) == host or (_is_hub(server) and _is_hub(host))


class CredentialStore:
    """Looks credentials up per registry host, once per run; reading stays lazy until a registry asks."""

    def __init__(self, directory: Path | None = None) -> None:
        self._dir = directory
        self._config: dict[str, Any] | None = None
        self._found: dict[str, Credentials | None] = {}
        self._lock = threading.Lock()
        self.secrets: set[str] = set()  # every secret handed out, so callers can redact them

    def _load(self) -> dict[str, Any]:
        if self._config is None:
            path = (self._dir or config_dir()) / "config.json"
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self._config = data if isinstance(data, dict) else {}
            except FileNotFoundError:
                self._config = {}
            except (OSError, ValueError) as e:
                log.warning("ignoring unreadable docker config %s: %s", path, type(e).__name__)
                self._config = {}
        return self._config

    def get(self, host: str) -> Credentials | None:
        """Credentials for a registry host (`host[:port]`), or None for anonymous access."""
        key = hostname(host)
        with self._lock:
            if key not in self._found:
                creds = self._lookup(key)
                self._found[key] = creds
                if creds is not None:
                    self.secrets.update(creds.secrets)
            return self._found[key]

    def _lookup(self, host: str) -> Credentials | None:
        cfg = self._load()
        server = HUB_SERVER if _is_hub(host) else host
        helpers = cfg.get("credHelpers")
        if isinstance(helpers, dict):
            for k, helper in helpers.items():
                if isinstance(helper, str) and _same_host(k, host):
                    return _from_helper(str(helper), server)
        store = cfg.get("credsStore")
        if isinstance(store, str) and store:
            creds = _from_helper(store, server)
            if creds is not None:
                return creds
        return _from_auths(cfg.get("auths"), host)


def _from_auths(auths: Any, host: str) -> Credentials | None:
    if not isinstance(auths, dict):
        return None
    for k, entry in auths.items():
        if not isinstance(entry, dict):
            continue
        if not _same_host(k, host):
            continue
        user = entry.get("username") or ""
        password = entry.get("password") or ""
        auth = entry.get("auth")
        if isinstance(auth, str) and auth:
            try:
                user, _, password = base64.b64decode(auth, validate=False).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                log.warning("ignoring a malformed auth entry for %s in the docker config", host)
                continue
        token = entry.get("identitytoken") or ""
        if user or password or token:
            return Credentials(str(user), str(password), str(token))
    return None


def _from_helper(helper: str, server: str) -> Credentials | None:
    import shutil
    import subprocess

    exe = shutil.which(f"docker-credential-{helper}")
    if exe is None:
        log.warning("credential helper docker-credential-%s not found on PATH", helper)
        return None
    try:
        proc = subprocess.run(
            [exe, "get"], input=server, capture_output=True, text=True, timeout=_HELPER_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        log.warning("credential helper %s failed: %s", helper, type(e).__name__)
        return None
    if proc.returncode != 0:
        # "credentials not found in native keychain" is the protocol's way to say: anonymous
        log.debug("credential helper %s has no credentials for %s", helper, server)
        return None
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        log.warning("credential helper %s printed something that is not JSON", helper)
        return None
    if not isinstance(data, dict):
        return None
    user, secret = str(data.get("Username") or ""), str(data.get("Secret") or "")
    if user == "<token>":
        return Credentials(identity_token=secret)
    return Credentials(user, secret) if (user or secret) else None
