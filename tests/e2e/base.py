"""The set-up the e2e suite needs once per run: buildah, debootstrap and a local debian:12.

Nothing here names a package mirror: the Debian archive the host's apt already uses is read
from its sources at run time, so the base image is built from wherever this machine may go.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from .buildah import Buildah

BASE_IMAGE = "docker.io/library/debian:12"
SUITE = "bookworm"
# Bump when the recipe below changes, so cached tarballs and images from an older recipe are rebuilt.
RECIPE = "minbase-2"
RECIPE_LABEL = "dev.dockfix.e2e.base"
TOOLS = {"buildah": "buildah", "debootstrap": "debootstrap"}
APT_PACKAGES = ("buildah", "debootstrap", "debian-archive-keyring")
# Same as the official debian image, so `RUN` finds programs where real builds find them.
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The container tweaks the official image (and Docker's old mkimage script) carry: apt keeps no
# .debs or binary caches and fetches no translations, services never start inside a build, and
# dpkg skips fsync (the speed-up; the files it writes are the same).
CONTAINER_FILES = {
    "etc/apt/apt.conf.d/docker-clean": (
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb'
        ' /var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb'
        ' /var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
    ),
    "etc/apt/apt.conf.d/docker-no-languages": 'Acquire::Languages "none";\n',
    "etc/apt/apt.conf.d/docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
    "etc/dpkg/dpkg.cfg.d/docker-apt-speedup": "force-unsafe-io\n",
    "usr/sbin/policy-rc.d": "#!/bin/sh\nexit 101\n",
}


class SetupError(Exception):
    """The e2e prerequisites cannot be had on this machine; the message says why."""


def _deb822_paragraphs(text: str) -> Iterator[dict[str, str]]:
    fields: dict[str, str] = {}
    key = ""
    for raw in text.splitlines() + [""]:
        if raw.startswith("#"):
            continue
        if not raw.strip():
            if fields:
                yield fields
            fields, key = {}, ""
        elif raw[0] in " \t" and key:
            fields[key] += " " + raw.strip()
        elif ":" in raw:
            key, _, value = raw.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()


def apt_sources(etc_apt: Path = Path("/etc/apt")) -> list[tuple[str, list[str], list[str]]]:
    """(uri, suites, components) of every enabled binary source apt reads, in apt's file order."""
    files = [etc_apt / "sources.list"] if (etc_apt / "sources.list").is_file() else []
    parts = etc_apt / "sources.list.d"
    if parts.is_dir():
        # apt reads only these two extensions; "*.disabled" and the like are off on purpose
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources"))
    entries: list[tuple[str, list[str], list[str]]] = []
    for path in files:
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            for para in _deb822_paragraphs(text):
                if "deb" not in para.get("types", "").split() or para.get("enabled", "yes").lower() == "no":
                    continue
                for uri in para.get("uris", "").split():
                    entries.append((uri, para.get("suites", "").split(), para.get("components", "").split()))
        else:
            for line in text.splitlines():
                words = line.split("#", 1)[0].split()
                if not words or words[0] != "deb":
                    continue
                words = words[1:]
                if words and words[0].startswith("["):
                    # one-line options, e.g. [arch=amd64 signed-by=...], may span several words
                    while words and not words[0].endswith("]"):
                        words = words[1:]
                    words = words[1:]
                if len(words) >= 2:
                    entries.append((words[0], [words[1]], words[2:]))
    return entries


def apt_http_hosts(etc_apt: Path = Path("/etc/apt")) -> set[str]:
    """Hosts of the plain-http archives apt uses here: the only ones the e2e apt cache forwards to."""
    hosts = set()
    for uri, _, _ in apt_sources(etc_apt):
        parts = urllib.parse.urlsplit(uri)
        if parts.scheme == "http" and parts.hostname:
            hosts.add(parts.hostname)
    return hosts


def debian_mirror(etc_apt: Path = Path("/etc/apt")) -> str | None:
    """The Debian archive apt uses here: a source carrying SUITE's main, else any plain Debian suite's main."""
    entries = [e for e in apt_sources(etc_apt) if "main" in e[2] and e[0].startswith(("http://", "https://"))]
    for uri, suites, _ in entries:
        if SUITE in suites:
            return uri
    for uri, suites, _ in entries:
        # a release codename without -security/-updates lives in the main archive, which also has SUITE
        if any("-" not in s and "/" not in s for s in suites) and "debian" in uri and "security" not in uri:
            return uri
    return None


def ensure_tools() -> float:
    """Install buildah and debootstrap with apt-get when missing; returns the seconds it took."""
    missing = [pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None]
    if not missing:
        return 0.0
    if os.geteuid() != 0:
        raise SetupError(f"{', '.join(missing)} missing and installing needs root")
    if shutil.which("apt-get") is None:
        raise SetupError(f"{', '.join(missing)} missing and there is no apt-get to install them")
    start = time.monotonic()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Other people may be running apt on the same machine: wait for the dpkg lock rather than fail.
    lock_wait = ["-o", "DPkg::Lock::Timeout=600"]
    for args in (["update", "-q"], ["install", "-y", "-q", "--no-install-recommends", *APT_PACKAGES]):
        proc = subprocess.run(["apt-get", *lock_wait, *args], capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL, timeout=1200)
        if proc.returncode != 0:
            raise SetupError(f"apt-get {' '.join(args)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    still = [tool for tool in TOOLS if shutil.which(tool) is None]
    if still:
        raise SetupError(f"apt-get installed {' '.join(APT_PACKAGES)} but {', '.join(still)} is still missing")
    return time.monotonic() - start


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # Several people (or xdist workers) may set up at once; one bootstrap is enough.
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _bootstrap_tarball(tarball: Path) -> None:
    mirror = debian_mirror()
    if mirror is None:
        raise SetupError("no Debian archive found in /etc/apt/sources.list*; debootstrap needs one")
    with tempfile.TemporaryDirectory(dir=tarball.parent, prefix="rootfs-") as tmp:
        root = Path(tmp) / "root"
        proc = subprocess.run(
            ["debootstrap", "--variant=minbase", SUITE, str(root), mirror],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1200,
        )
        if proc.returncode != 0:
            raise SetupError(f"debootstrap {SUITE} from {mirror} failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
        # Look like the official image: no package lists (an install without `apt-get update`
        # must fail there, or the cache-cleanup fixtures prove nothing), no downloaded .debs,
        # and no copy of the host's resolver configuration.
        for pattern in ("var/lib/apt/lists/*", "var/cache/apt/*.bin", "var/cache/apt/archives/*.deb"):
            for path in root.glob(pattern):
                if path.is_file() or path.is_symlink():
                    path.unlink()
        (root / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
        (root / "etc/resolv.conf").write_text("")
        for rel, text in CONTAINER_FILES.items():
            (root / rel).write_text(text)
        (root / "usr/sbin/policy-rc.d").chmod(0o755)
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(partial), "."], check=True)
        partial.rename(tarball)


def ensure_base(buildah: Buildah, cache_dir: Path) -> float:
    """Make `FROM debian:12` resolve in buildah's storage; returns the seconds it took."""
    start = time.monotonic()
    with _locked(cache_dir / "base.lock"):
        if buildah.image_exists(BASE_IMAGE):
            labels = buildah.image_config(BASE_IMAGE).get("Labels") or {}
            if labels.get(RECIPE_LABEL) == RECIPE:
                return time.monotonic() - start
            buildah.remove_image(BASE_IMAGE)
        tarball = cache_dir / f"debian-{SUITE}-{RECIPE}.tar"
        if not tarball.is_file():
            _bootstrap_tarball(tarball)
        container = buildah.run("from", "scratch").stdout.strip()
        try:
            mountpoint = buildah.run("mount", container).stdout.strip()
            subprocess.run(["tar", "--numeric-owner", "-xpf", str(tarball), "-C", mountpoint], check=True)
            buildah.run("umount", container)
            buildah.run("config", "--env", f"PATH={IMAGE_PATH}", "--cmd", "bash",
                        "--label", f"{RECIPE_LABEL}={RECIPE}", container)
            buildah.run("commit", "--quiet", container, BASE_IMAGE)
        finally:
            buildah.run("rm", container, check=False)
    return time.monotonic() - start
