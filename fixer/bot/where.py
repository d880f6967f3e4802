"""Which forge, which repository, which API: from options, then CI environment variables, then the remote URL."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from fixer.bot.errors import UsageError

FORGES = ("github", "gitlab")
# scp-like syntax: [user@]host:path, with no "//" after the colon
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>(?!//).+)$")


def forge_from_env(env: Mapping[str, str]) -> str:
    if env.get("GITLAB_CI"):
        return "gitlab"
    return "github"


def parse_remote(url: str) -> tuple[str, str] | None:
    """(host, repository path) of a remote URL; None for local paths and file:// URLs."""
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme == "file" or not parts.hostname:
            return None
        host, path = parts.hostname, parts.path
        if parts.port and parts.scheme in ("http", "https"):
            host = f"{host}:{parts.port}"
    else:
        m = _SCP.match(url)
        if not m:
            return None
        host, path = m.group("host"), m.group("path")
    path = path.strip("/").removesuffix(".git")
    return (host, path) if path else None


def repository(arg: str | None, forge: str, env: Mapping[str, str], remote_url: str | None) -> str:
    name = arg or env.get("GITHUB_REPOSITORY" if forge == "github" else "CI_PROJECT_PATH")
    if not name and remote_url:
        parsed = parse_remote(remote_url)
        name = parsed[1] if parsed else None
    if not name:
        raise UsageError("cannot tell the repository: pass --repo OWNER/NAME")
    name = name.strip("/")
    parts = name.split("/")
    if len(parts) < 2 or not all(parts) or (forge == "github" and len(parts) != 2):
        want = "OWNER/NAME" if forge == "github" else "GROUP/[SUBGROUP/]NAME"
        raise UsageError(f"--repo must look like {want}, got {name!r}")
    return name


def api_url(arg: str | None, forge: str, env: Mapping[str, str], remote_url: str | None) -> str:
    """The REST API root: given, else the CI's, else derived from the remote's host (Enterprise, self-managed)."""
    if arg:
        return arg.rstrip("/")
    from_env = env.get("GITHUB_API_URL" if forge == "github" else "CI_API_V4_URL")
    if from_env:
        return from_env.rstrip("/")
    host = (parse_remote(remote_url) or ("", ""))[0] if remote_url else ""
    if forge == "github":
        if not host or host == "github.com":
            return "https://api.github.com"
        return f"https://{host}/api/v3"
    return f"https://{host or 'gitlab.com'}/api/v4"
