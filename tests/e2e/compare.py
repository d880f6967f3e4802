"""Say how two built images differ in what a user of the image can observe.

Two builds of the same Dockerfile differ in timestamps, logs and package-manager caches; those
are ignored, and everything else (path, type, mode, owner, content) must match. A fix that
adds a non-root USER also adds an account and its home directory: those are ignored only
when the USER really changed from root to an existing non-root user.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Whole subtrees nobody reads back: caches and lists a package manager rebuilds, logs,
# scratch space, and the kernel file systems buildah mounts during RUN.
IGNORED_TREES = (
    "/var/lib/apt/lists", "/var/cache/apt", "/var/cache/apk", "/var/cache/yum", "/var/cache/dnf",
    "/var/cache/zypp", "/var/cache/ldconfig", "/var/log",
    "/root/.cache", "/root/.npm", "/usr/local/share/.cache",
    "/tmp", "/var/tmp", "/run", "/var/run", "/proc", "/sys", "/dev",
    # Replaced by the engine in every running container; buildah leaves an empty stub of each in
    # the first layer whose RUN needed it, so they come and go with the number of RUNs.
    "/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
)
# dpkg and debconf keep the previous state next to the current one; what it held depends on
# how many dpkg runs came before (merged installs run it fewer times), not on what is installed.
IGNORED_NAMES_SUFFIX = ("-old",)
IGNORED_DIRS_OF_SUFFIX = ("/var/lib/dpkg", "/var/cache/debconf")
# Bytecode embeds the source file's mtime, which is the build's clock: compare all but content.
NO_CONTENT_SUFFIX = (".pyc",)

ACCOUNT_FILES = tuple(
    f"/etc/{name}{backup}"
    for name in ("passwd", "group", "shadow", "gshadow", "subuid", "subgid")
    for backup in ("", "-")
) + ("/etc/.pwd.lock",)

ROOT_USERS = ("", "root", "0", "root:root", "0:0", "root:0", "0:root")


@dataclasses.dataclass(frozen=True)
class Entry:
    kind: str  # file, dir, symlink, char, block, fifo, socket
    mode: int
    uid: int
    gid: int
    content: str  # sha256 of a file, target of a symlink, device number

    def describe(self) -> str:
        return f"{self.kind} {self.mode:04o} {self.uid}:{self.gid} {self.content[:16]}"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"),
                       (stat.S_ISCHR, "char"), (stat.S_ISBLK, "block"), (stat.S_ISFIFO, "fifo")):
        if test(mode):
            return name
    return "socket"


def ignored(path: str) -> bool:
    if any(path == tree or path.startswith(tree + "/") for tree in IGNORED_TREES):
        return True
    parent, _, name = path.rpartition("/")
    return parent in IGNORED_DIRS_OF_SUFFIX and name.endswith(IGNORED_NAMES_SUFFIX)


def _digest(path: str) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def snapshot(root: Path) -> dict[str, Entry]:
    """Every path under root (as an absolute path inside the image) that the comparison looks at."""
    entries: dict[str, Entry] = {}
    base = str(root)
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        with os.scandir(base + rel_dir if rel_dir else base) as it:
            for item in it:
                rel = f"{rel_dir}/{item.name}"
                if ignored(rel):
                    continue
                st = item.stat(follow_symlinks=False)
                kind = _kind(st.st_mode)
                if kind == "file":
                    content = "" if rel.endswith(NO_CONTENT_SUFFIX) else _digest(item.path)
                elif kind == "symlink":
                    content = os.readlink(item.path)
                elif kind in ("char", "block"):
                    content = f"{os.major(st.st_rdev)},{os.minor(st.st_rdev)}"
                else:
                    content = ""
                entries[rel] = Entry(kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, content)
                if kind == "dir":
                    stack.append(rel)
    return entries


@dataclasses.dataclass
class Image:
    """What the comparison needs from one built image."""

    config: dict[str, Any]
    files: dict[str, Entry]
    accounts: dict[str, str]  # /etc/passwd etc. -> text, read before the account files are dropped
    run: tuple[int, str] | None = None  # exit code and stdout of ENTRYPOINT+CMD, when it was run


def read_accounts(root: Path) -> dict[str, str]:
    texts = {}
    for name in ("/etc/passwd", "/etc/group"):
        path = root / name.lstrip("/")
        texts[name] = path.read_text(errors="replace") if path.is_file() else ""
    return texts


def _users(passwd: str) -> dict[str, tuple[int, str]]:
    """name -> (uid, home) from /etc/passwd text."""
    users = {}
    for line in passwd.splitlines():
        fields = line.split(":")
        if len(fields) >= 7 and fields[2].isdigit():
            users[fields[0]] = (int(fields[2]), fields[5])
    return users


def _groups(group: str) -> dict[str, int]:
    found = {}
    for line in group.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[2].isdigit():
            found[fields[0]] = int(fields[2])
    return found


def user_change_problem(before: str, after: str, accounts: dict[str, str]) -> str | None:
    """None when USER `after` is acceptable for an image whose original USER was `before`."""
    if before == after:
        return None
    if before not in ROOT_USERS:
        return f"USER changed from non-root {before!r} to {after!r}"
    user, _, group = after.partition(":")
    users = _users(accounts["/etc/passwd"])
    if user.isdigit():
        uid = int(user)
    elif user in users:
        uid = users[user][0]
    else:
        return f"USER {after!r} names a user missing from the image's /etc/passwd"
    if uid == 0:
        return f"USER {after!r} is still root"
    if group and not group.isdigit() and group not in _groups(accounts["/etc/group"]):
        return f"USER {after!r} names a group missing from the image's /etc/group"
    return None


def _added_account_paths(after_user: str, accounts: dict[str, str]) -> set[str]:
    name = after_user.partition(":")[0]
    users = _users(accounts["/etc/passwd"])
    homes = {home for user, (uid, home) in users.items() if user == name or str(uid) == name}
    names = {user for user, (uid, _) in users.items() if user == name or str(uid) == name}
    spools = {f"/var/mail/{n}" for n in names} | {f"/var/spool/mail/{n}" for n in names}
    return {h for h in homes if h not in ("/", "")} | spools | set(ACCOUNT_FILES)


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == r or path.startswith(r + "/") for r in roots)


CONFIG_KEYS = ("Cmd", "Entrypoint", "Env", "WorkingDir", "ExposedPorts", "Volumes", "StopSignal", "Labels",
               "Shell", "Healthcheck", "OnBuild")


def file_digest(path: Path) -> str:
    return _digest(str(path))


def differences(original: Image, fixed: Image, limit: int = 60,
                dockerfiles: tuple[str, str] | None = None) -> list[str]:
    """Readable differences between two images that should be equivalent; empty when they are.

    dockerfiles: digests of the original and fixed Dockerfile. A `COPY . .` copies the
    Dockerfile itself, and that one file is allowed to change exactly as dockfix changed it.
    """
    diffs: list[str] = []
    for key in CONFIG_KEYS:
        a, b = original.config.get(key), fixed.config.get(key)
        if key == "ExposedPorts":
            a, b = sorted(a or {}), sorted(b or {})
        if (a or None) != (b or None):
            diffs.append(f"config {key}: {a!r} -> {b!r}")
    before, after = original.config.get("User") or "", fixed.config.get("User") or ""
    problem = user_change_problem(before, after, fixed.accounts)
    if problem:
        diffs.append(f"config User: {problem}")

    skip: set[str] = set()
    if before != after and problem is None:
        skip = _added_account_paths(after, fixed.accounts)
        # Adding an account must keep every account the original image had.
        for name in ("/etc/passwd", "/etc/group"):
            lost = set(original.accounts[name].splitlines()) - set(fixed.accounts[name].splitlines())
            diffs.extend(f"{name}: line lost: {line}" for line in sorted(lost))

    file_diffs: list[str] = []
    for path in sorted(original.files.keys() | fixed.files.keys()):
        if _under(path, skip):
            continue
        a_entry, b_entry = original.files.get(path), fixed.files.get(path)
        if a_entry == b_entry:
            continue
        if (a_entry and b_entry and dockerfiles and (a_entry.content, b_entry.content) == dockerfiles
                and dataclasses.replace(a_entry, content=b_entry.content) == b_entry):
            continue
        if a_entry is None:
            file_diffs.append(f"only in fixed:    {path} ({b_entry.describe() if b_entry else ''})")
        elif b_entry is None:
            file_diffs.append(f"only in original: {path} ({a_entry.describe()})")
        else:
            what = [f"{field} {getattr(a_entry, field)!r} -> {getattr(b_entry, field)!r}"
                    for field in ("kind", "mode", "uid", "gid", "content")
                    if getattr(a_entry, field) != getattr(b_entry, field)]
            file_diffs.append(f"changed:          {path}: {', '.join(what)}")
    if len(file_diffs) > limit:
        file_diffs = file_diffs[:limit] + [f"... and {len(file_diffs) - limit} more file differences"]
    diffs.extend(file_diffs)

    if original.run != fixed.run:
        diffs.append(f"running ENTRYPOINT+CMD: {original.run!r} -> {fixed.run!r}")
    return diffs
