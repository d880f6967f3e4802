"""The git the bot needs, through the `git` command: read the remote, build a commit, push it with a lease.

The fix commit is built with plumbing (a temporary index, `commit-tree`) on top of the base commit, so
the checkout the bot runs in (its HEAD, index, working tree and local branches) is never touched.
The token reaches git only through environment variables (`GIT_CONFIG_*` setting `http.extraHeader`),
never through a remote URL or an argument that `ps` or `GIT_TRACE` would show.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from fixer.bot.errors import BotError, UsageError
from fixer.bot.secrets import Secret, redact

DEFAULT_IDENTITY = "dockfix[bot] <dockfix[bot]@users.noreply.github.com>"
_IDENTITY = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+)>\s*$")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    @classmethod
    def parse(cls, text: str) -> Identity:
        m = _IDENTITY.match(text)
        if not m or not m.group("name"):
            raise UsageError(f"expected 'Name <email>', got {text!r}")
        return cls(m.group("name"), m.group("email"))

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class PushRejected(BotError):
    """The remote refused the push; the remote branch is as it was."""


@dataclass(frozen=True)
class Entry:
    mode: str
    kind: str
    sha: str


class Git:
    """One repository's git, talking to one remote."""

    def __init__(
        self,
        root: Path,
        remote: str = "origin",
        token: Secret | None = None,
        auth_user: str = "x-access-token",
        timeout: float = 300.0,
    ) -> None:
        self.root = root
        self.remote = remote
        self.token = token
        self.auth_user = auth_user
        self.timeout = timeout
        self._auth_env: dict[str, str] | None = None

    # -- running git ---------------------------------------------------------------------------

    def run(
        self,
        *args: str,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        network: bool = False,
        ok: tuple[int, ...] = (0,),
    ) -> str:
        full = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never", "LC_ALL": "C", **(env or {})}
        if network:
            full.update(self._network_env())
        what = "git " + " ".join(a for a in args[:2] if not a.startswith("-"))
        try:
            p = subprocess.run(
                ["git", *args], cwd=self.root, input=stdin, capture_output=True, env=full, timeout=self.timeout
            )
        except subprocess.TimeoutExpired:
            raise BotError(f"{what} timed out after {self.timeout:g}s") from None
        except FileNotFoundError:
            raise UsageError("git is not installed (or not on PATH)") from None
        if p.returncode not in ok:
            detail = redact(p.stderr.decode("utf-8", "replace").strip(), self.token)
            raise GitFailed(p.returncode, f"{what} failed: {detail or f'exit status {p.returncode}'}", p)
        return p.stdout.decode("utf-8", "replace")

    def _network_env(self) -> dict[str, str]:
        """Environment that authenticates git's HTTP requests with the token, when the remote is HTTP(S)."""
        if self._auth_env is not None:
            return self._auth_env
        env: dict[str, str] = {}
        if self.token and re.match(r"https?://", self.remote_url(), re.IGNORECASE) and not self._has_own_auth():
            n = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
            header = f"Authorization: Basic {self.token.basic(self.auth_user)}"
            env = {
                "GIT_CONFIG_COUNT": str(n + 1),
                f"GIT_CONFIG_KEY_{n}": "http.extraHeader",
                f"GIT_CONFIG_VALUE_{n}": header,
            }
        self._auth_env = env
        return env

    def _has_own_auth(self) -> bool:
        """True when git is already configured to send an Authorization header (actions/checkout does this).

        Sending a second one makes GitHub answer 400, so the configured credentials are used as they are.
        """
        out = self.run("config", "--get-regexp", r"^http\..*extraheader$", ok=(0, 1))
        return any(line.split(" ", 1)[-1].lower().startswith("authorization:") for line in out.splitlines())

    # -- reading -------------------------------------------------------------------------------

    @staticmethod
    def toplevel(cwd: Path) -> Path:
        try:
            p = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, timeout=60)
        except FileNotFoundError:
            raise UsageError("git is not installed (or not on PATH)") from None
        if p.returncode != 0:
            raise UsageError(f"{cwd} is not inside a git checkout")
        return Path(p.stdout.decode().strip())

    def remote_url(self) -> str:
        try:
            return self.run("remote", "get-url", self.remote).strip()
        except GitFailed:
            raise UsageError(f"the checkout has no remote named {self.remote!r}") from None

    def current_branch(self) -> str | None:
        out = self.run("symbolic-ref", "-q", "--short", "HEAD", ok=(0, 1)).strip()
        return out or None

    def rev(self, ref: str) -> str | None:
        out = self.run("rev-parse", "-q", "--verify", f"{ref}^{{commit}}", ok=(0, 1)).strip()
        return out or None

    def check_branch_name(self, name: str) -> None:
        try:
            self.run("check-ref-format", "--branch", name)
        except GitFailed:
            raise UsageError(f"{name!r} is not a valid branch name") from None

    def remote_heads(self, *branches: str) -> dict[str, str]:
        """branch -> commit on the remote, for the branches that exist there."""
        out = self.run("ls-remote", "--heads", self.remote, *(f"refs/heads/{b}" for b in branches), network=True)
        found: dict[str, str] = {}
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            name = ref.removeprefix("refs/heads/")
            if name in branches:
                found[name] = sha
        return found

    def remote_default_branch(self) -> str | None:
        out = self.run("ls-remote", "--symref", self.remote, "HEAD", network=True)
        m = re.search(r"^ref: refs/heads/(\S+)\tHEAD$", out, re.MULTILINE)
        return m.group(1) if m else None

    def local_default_branch(self) -> str | None:
        out = self.run("symbolic-ref", "-q", "--short", f"refs/remotes/{self.remote}/HEAD", ok=(0, 1)).strip()
        return out.removeprefix(f"{self.remote}/") or None

    def fetch(self, branch: str) -> None:
        self.run("fetch", "--no-tags", "--quiet", self.remote, f"+refs/heads/{branch}:refs/remotes/{self.remote}/{branch}", network=True)

    def has_commit(self, sha: str) -> bool:
        return self.rev(sha) == sha

    def tree(self, commit: str) -> dict[str, Entry]:
        out = self.run("ls-tree", "-r", "-z", "--full-tree", commit)
        entries: dict[str, Entry] = {}
        for rec in out.split("\0"):
            if not rec:
                continue
            meta, _, path = rec.partition("\t")
            mode, kind, sha = meta.split()
            entries[path] = Entry(mode, kind, sha)
        return entries

    def is_clean(self) -> bool:
        return self.run("status", "--porcelain", "--untracked-files=no", "-z") == ""

    def commit_info(self, sha: str) -> tuple[str, list[str]]:
        """(tree, parents) of a commit."""
        line = self.run("log", "-1", "--format=%T %P", sha).split()
        return line[0], line[1:]

    @contextlib.contextmanager
    def worktree(self, commit: str) -> Iterator[Path]:
        """A temporary checkout of `commit`, removed afterwards."""
        with tempfile.TemporaryDirectory(prefix="dockfix-bot-") as tmp:
            path = Path(tmp) / "tree"
            self.run("worktree", "add", "--detach", "--quiet", str(path), commit)
            try:
                yield path
            finally:
                self.run("worktree", "remove", "--force", str(path), ok=(0, 128))
                self.run("worktree", "prune", ok=(0, 128))

    # -- writing -------------------------------------------------------------------------------

    def hash_blob(self, path: str, data: bytes) -> str:
        # --path applies the repository's clean filters (eol, .gitattributes) as `git add` would
        return self.run("hash-object", "-w", f"--path={path}", "--stdin", stdin=data).strip()

    def commit_tree(
        self,
        base: str,
        changes: Mapping[str, tuple[str, str]],
        message: str,
        author: Identity,
        committer: Identity,
    ) -> str:
        """A commit on top of `base` whose tree is base's with `changes` (path -> (mode, blob)) applied."""
        with tempfile.TemporaryDirectory(prefix="dockfix-bot-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self.run("read-tree", base, env=env)
            info = "".join(f"{mode} {blob}\t{path}\0" for path, (mode, blob) in sorted(changes.items()))
            self.run("update-index", "-z", "--index-info", stdin=info.encode(), env=env)
            tree = self.run("write-tree", env=env).strip()
        who = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": committer.name,
            "GIT_COMMITTER_EMAIL": committer.email,
        }
        return self.run("commit-tree", tree, "-p", base, "-F", "-", stdin=message.encode(), env=who).strip()

    def push(self, commit: str | None, branch: str, expected: str | None) -> None:
        """Set (or with commit None, delete) the remote branch, only if it is still at `expected` (None: absent)."""
        ref = f"refs/heads/{branch}"
        lease = f"--force-with-lease={ref}:{expected or ''}"
        spec = f"{commit}:{ref}" if commit else f":{ref}"
        try:
            self.run("push", "--porcelain", lease, self.remote, spec, network=True)
        except GitFailed as e:
            raise _rejection(e, branch, expected) from None


class GitFailed(BotError):
    def __init__(self, code: int, message: str, process: subprocess.CompletedProcess[bytes]) -> None:
        super().__init__(message)
        self.code = code
        self.stdout = process.stdout.decode("utf-8", "replace")


def _rejection(e: GitFailed, branch: str, expected: str | None) -> BotError:
    out = e.stdout
    if "stale info" in out or "fetch first" in out or "non-fast-forward" in out:
        was = f"at {expected[:12]}" if expected else "absent"
        return PushRejected(
            f"push rejected: branch {branch!r} on the remote changed since the bot read it (it was {was}); "
            "someone else pushed to it. Nothing was overwritten; run the bot again to start from the new state."
        )
    m = re.search(r"\[remote rejected\] \(([^)]*)\)", out) or re.search(r"\[rejected\] \(([^)]*)\)", out)
    if m:
        return PushRejected(f"push of branch {branch!r} rejected by the remote: {m.group(1)}")
    return e
