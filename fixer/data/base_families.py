"""Which distribution a base image belongs to, and what that means for running it as a non-root user.

Everything here is data: to teach dockfix a new image, add a row. Rows are `(repository, tag, value)`
glob patterns (`fnmatch`, matched case-insensitively) tried top to bottom, first match wins.
`repository` is normalised: Docker Hub's `docker.io/library/python` is `python`, `docker.io/bitnami/redis`
is `bitnami/redis`, other registries keep their host (`gcr.io/distroless/static`). An untagged reference
matches as tag `latest`.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """How images of one distribution create a user."""

    key: str
    title: str
    # shell command that creates the user, with {uid} {gid} {name}; None: the image cannot create users
    # (no shell or no shadow-utils), so USER takes bare numbers, which need no /etc/passwd entry
    create: str | None = None
    # the unprivileged uid:gid to use instead of creating a user, and why that one
    builtin: str | None = None
    builtin_why: str = ""
    # False: USER cannot be fixed automatically (Windows accounts are not uid numbers)
    fixable: bool = True


DEBIAN = Family(
    "debian",
    "Debian/Ubuntu",
    "groupadd --system --gid {gid} {name} && useradd --system --uid {uid} --gid {name} --no-log-init --create-home {name}",
)
ALPINE = Family("alpine", "Alpine", "addgroup -S -g {gid} {name} && adduser -S -D -u {uid} -G {name} {name}")
BUSYBOX = Family("busybox", "BusyBox", ALPINE.create)
RHEL = Family("rhel", "RHEL family", "groupadd -r -g {gid} {name} && useradd -r -u {uid} -g {name} --no-log-init -m {name}")
# ubi-minimal, ubi-micro, the *-minimal and oraclelinux *-slim images ship microdnf but no shadow-utils
RHEL_MINIMAL = Family("rhel-minimal", "RHEL family without shadow-utils")
DISTROLESS = Family("distroless", "distroless", builtin="65532:65532", builtin_why="distroless ships user nonroot as 65532")
SCRATCH = Family(
    "scratch", "scratch", builtin="65534:65534", builtin_why="scratch has no /etc/passwd; 65534 is the conventional nobody"
)
WINDOWS = Family("windows", "Windows", fixable=False)
UNKNOWN = Family("unknown", "unknown distribution")

FAMILIES = (DEBIAN, ALPINE, BUSYBOX, RHEL, RHEL_MINIMAL, DISTROLESS, SCRATCH, WINDOWS, UNKNOWN)

Row = tuple[str, str, Family]

# Order matters. Repositories whose every tag is one distribution come first, so that a tag we cannot
# read (`debian:${RELEASE}`) still decides; then tag words that pick a variant of a language image
# (`python:3-alpine`, `golang:1.9-nanoserver`); then language images whose default tags are Debian.
FAMILY_ROWS: tuple[Row, ...] = (
    # Windows
    ("mcr.microsoft.com/windows*", "*", WINDOWS),
    ("mcr.microsoft.com/*nanoserver*", "*", WINDOWS),
    ("mcr.microsoft.com/*servercore*", "*", WINDOWS),
    ("mcr.microsoft.com/dotnet/framework/*", "*", WINDOWS),
    ("microsoft/windows*", "*", WINDOWS),
    ("microsoft/nanoserver", "*", WINDOWS),
    ("microsoft/iis", "*", WINDOWS),
    ("*/*-windows", "*", WINDOWS),
    # images without a package manager
    ("gcr.io/distroless/*", "*", DISTROLESS),
    ("scratch", "*", SCRATCH),
    ("busybox", "*", BUSYBOX),
    # distributions
    ("alpine", "*", ALPINE),
    ("debian", "*", DEBIAN),
    ("ubuntu", "*", DEBIAN),
    ("*ubi*-minimal", "*", RHEL_MINIMAL),
    ("*ubi*-micro", "*", RHEL_MINIMAL),
    ("*fedora-minimal", "*", RHEL_MINIMAL),
    ("quay.io/centos/centos", "*minimal*", RHEL_MINIMAL),
    ("oraclelinux", "*slim*", RHEL_MINIMAL),
    # Amazon Linux 2023 (and `latest`) comes without shadow-utils; numbers work on every release
    ("amazonlinux", "*", RHEL_MINIMAL),
    ("*ubi[0-9]*", "*", RHEL),
    ("registry.access.redhat.com/*", "*", RHEL),
    ("registry.redhat.io/*", "*", RHEL),
    ("fedora", "*", RHEL),
    ("registry.fedoraproject.org/fedora", "*", RHEL),
    ("quay.io/fedora/*", "*", RHEL),
    ("centos", "*", RHEL),
    ("quay.io/centos/centos", "*", RHEL),
    ("quay.io/sclorg/*", "*", RHEL),
    ("rockylinux", "*", RHEL),
    ("rockylinux/*", "*", RHEL),
    ("almalinux", "*", RHEL),
    ("almalinux/*", "*", RHEL),
    ("oraclelinux", "*", RHEL),
    # variants picked by tag
    ("*", "*windowsservercore*", WINDOWS),
    ("*", "*nanoserver*", WINDOWS),
    ("*", "*alpine*", ALPINE),
    ("*", "*ubi[0-9]*", RHEL),
    # language and tool images whose default tags are Debian or Ubuntu
    *(
        (repo, "*", DEBIAN)
        for repo in (
            "python", "node", "golang", "ruby", "php", "openjdk", "eclipse-temurin", "buildpack-deps",
            "perl", "rust", "haskell", "gcc", "julia", "elixir", "erlang", "maven", "gradle", "clojure",
            "pypy", "jruby", "tomcat", "ibmjava", "swift", "r-base", "mono", "kalilinux/*",
            "mcr.microsoft.com/devcontainers/*", "mcr.microsoft.com/dotnet/*", "mcr.microsoft.com/vscode/devcontainers/*",
        )
    ),  # fmt: skip
    # a Debian or Ubuntu release named in the tag of an image we do not know
    *(
        ("*", tag, DEBIAN)
        for tag in (
            "*slim*", "*trixie*", "*bookworm*", "*bullseye*", "*buster*", "*stretch*", "*jessie*", "*sid*",
            "*noble*", "*jammy*", "*focal*", "*bionic*", "*xenial*", "*trusty*",
        )
    ),  # fmt: skip
)


@dataclass(frozen=True)
class Verdict:
    """Why an image must not get a USER from dockfix, or the non-root user it already runs as."""

    kind: str  # "non-root": already runs unprivileged; "drops-privileges": starts as root by design
    reason: str
    user: str | None = None  # a non-root image's own user, as numbers


NON_ROOT = "non-root"
DROPS = "drops-privileges"


def _drops(what: str) -> Verdict:
    return Verdict(DROPS, what)


_DB_ENTRYPOINT = "its entrypoint initialises the data directory as root, then re-executes itself as an unprivileged user"

VERDICT_ROWS: tuple[tuple[str, str, Verdict], ...] = (
    ("bitnami/*", "*", Verdict(NON_ROOT, "Bitnami images run as uid 1001", "1001")),
    ("nginxinc/nginx-unprivileged", "*", Verdict(NON_ROOT, "nginx-unprivileged runs as uid 101", "101")),
    ("*-unprivileged", "*", Verdict(NON_ROOT, "an -unprivileged image runs as a non-root user")),
    ("gcr.io/distroless/*", "*nonroot*", Verdict(NON_ROOT, "distroless :nonroot runs as uid 65532", "65532:65532")),
    ("jenkins/jenkins", "*", Verdict(NON_ROOT, "jenkins/jenkins runs as uid 1000", "1000")),
    ("sonarqube", "*", Verdict(NON_ROOT, "sonarqube runs as uid 1000", "1000")),
    ("jupyter/*", "*", Verdict(NON_ROOT, "Jupyter Docker Stacks run as user jovyan (uid 1000)", "1000")),
    ("quay.io/jupyter/*", "*", Verdict(NON_ROOT, "Jupyter Docker Stacks run as user jovyan (uid 1000)", "1000")),
    ("selenium/*", "*", Verdict(NON_ROOT, "Selenium images run as user seluser (uid 1200)", "1200")),
    ("quay.io/keycloak/keycloak", "*", Verdict(NON_ROOT, "keycloak runs as uid 1000", "1000")),
    ("grafana/grafana*", "*", Verdict(NON_ROOT, "grafana runs as uid 472", "472")),
    ("prom/*", "*", Verdict(NON_ROOT, "Prometheus images run as nobody (uid 65534)", "65534")),
    ("nodered/node-red", "*", Verdict(NON_ROOT, "node-red runs as uid 1000", "1000")),
    ("memcached", "*", Verdict(NON_ROOT, "memcached runs as user memcache (11211)", "11211")),
    # Docker Hub's elasticsearch 5 and older stepped down with gosu; 6 and later run as uid 1000
    ("elasticsearch", "[1-5]", _drops(_DB_ENTRYPOINT)),
    ("elasticsearch", "[1-5][.-]*", _drops(_DB_ENTRYPOINT)),
    ("elasticsearch", "*", Verdict(NON_ROOT, "elasticsearch runs as uid 1000", "1000:0")),
    ("postgres", "*", _drops(_DB_ENTRYPOINT)),
    ("mysql", "*", _drops(_DB_ENTRYPOINT)),
    ("mariadb", "*", _drops(_DB_ENTRYPOINT)),
    ("mongo", "*", _drops(_DB_ENTRYPOINT)),
    ("percona", "*", _drops(_DB_ENTRYPOINT)),
    ("cassandra", "*", _drops(_DB_ENTRYPOINT)),
    ("couchdb", "*", _drops(_DB_ENTRYPOINT)),
    ("redis", "*", _drops("its entrypoint fixes data ownership as root, then re-executes itself as user redis")),
    ("rabbitmq", "*", _drops("its entrypoint fixes data ownership as root, then re-executes itself as user rabbitmq")),
    ("nginx", "*", _drops("nginx's master process binds ports and opens logs as root; its workers run as user nginx")),
    ("httpd", "*", _drops("httpd's parent process binds ports as root; its children run as daemon")),
    ("php", "*apache*", _drops("apache's parent process binds ports as root; its children run as www-data")),
    ("php", "*fpm*", _drops("php-fpm's master process runs as root; its pool workers run as www-data")),
    ("wordpress", "*", _drops("apache or php-fpm starts as root; its workers run as www-data")),
    ("drupal", "*", _drops("apache or php-fpm starts as root; its workers run as www-data")),
    # last: a row for every repository stops the lookup for a tag that is a variable
    ("*", "*dind*", _drops("it runs the Docker daemon, which needs root")),
)

# Programs that, named by CMD or ENTRYPOINT, start as root and switch to an unprivileged user themselves
ROOT_SERVERS: dict[str, str] = {
    "nginx": "nginx's master process binds ports and opens logs as root; its workers switch users",
    "httpd": "httpd binds ports as root; its children switch users",
    "httpd-foreground": "httpd binds ports as root; its children switch users",
    "apache2-foreground": "apache binds ports as root; its children switch to www-data",
    "apache2ctl": "apache binds ports as root; its children switch to www-data",
    "php-fpm": "php-fpm's master runs as root; its pool workers switch users",
    "sshd": "sshd needs root to switch to the logged-in user",
    "dockerd": "the Docker daemon needs root",
    "dockerd-entrypoint.sh": "the Docker daemon needs root",
    "cron": "cron runs each job as its owner, which needs root",
    "crond": "cron runs each job as its owner, which needs root",
}

# Helpers a Dockerfile installs so that its own entrypoint can step down from root at run time
PRIVILEGE_DROPPERS = ("gosu", "su-exec", "setpriv", "runuser", "s6-setuidgid", "chpst")


@dataclass(frozen=True)
class Defaults:
    """Who a well-known image runs as when nothing says otherwise, and the non-root user it ships."""

    user: str = ""  # config.User: "" is root
    conventional: str | None = None  # the USER value apps on this image are meant to use
    conventional_why: str = ""
    listens: int | None = None  # a port the image's own configuration makes apps listen on


_ROOT = Defaults()

# Images known to run as root, with the non-root user they ship for apps where they have one. Only
# repositories, never tag words: `example.com/team/tool:1-bookworm` may run as anyone. Images known to
# run as a non-root user are in VERDICT_ROWS.
DEFAULT_ROWS: tuple[tuple[str, str, Defaults], ...] = (
    ("node", "*", Defaults("", "node", "node images ship user node (uid 1000)")),
    # .NET 8 and later ship user app (uid 1654, `$APP_UID`)
    ("mcr.microsoft.com/dotnet/*", "[89].*", Defaults("", "app", ".NET 8+ images ship user app (uid 1654)")),
    ("mcr.microsoft.com/dotnet/*", "1[0-9].*", Defaults("", "app", ".NET 8+ images ship user app (uid 1654)")),
    # before .NET 8, ASPNETCORE_URLS=http://+:80 in the image makes every app listen on port 80
    ("mcr.microsoft.com/dotnet/aspnet", "[1-7].*", Defaults(listens=80)),
    ("mcr.microsoft.com/dotnet/core/aspnet", "*", Defaults(listens=80)),
    ("gcr.io/distroless/*", "*", Defaults("", "65532:65532", "distroless ships user nonroot as 65532")),
    *(
        (repo, "*", _ROOT)
        for repo in (
            "scratch", "busybox", "alpine", "debian", "ubuntu", "fedora", "centos", "rockylinux", "almalinux",
            "oraclelinux", "amazonlinux", "archlinux", "opensuse/*", "photon", "clearlinux",
            "registry.access.redhat.com/ubi[0-9]", "registry.access.redhat.com/ubi[0-9]/ubi*",
            "redhat/ubi[0-9]*", "quay.io/centos/centos", "registry.fedoraproject.org/fedora*",
            "python", "golang", "ruby", "php", "openjdk", "eclipse-temurin", "amazoncorretto", "sapmachine",
            "buildpack-deps", "perl", "rust", "haskell", "gcc", "julia", "elixir", "erlang", "maven", "gradle",
            "clojure", "pypy", "jruby", "tomcat", "ibmjava", "swift", "r-base", "mono", "dart", "groovy",
            "mcr.microsoft.com/dotnet/*", "mcr.microsoft.com/devcontainers/*", "mcr.microsoft.com/vscode/devcontainers/*",
            "docker", "nginx", "httpd", "postgres", "mysql", "mariadb", "mongo", "redis", "rabbitmq", "wordpress",
            "drupal", "percona", "cassandra", "couchdb", "haproxy", "traefik", "caddy",
        )
    ),  # fmt: skip
)


@dataclass(frozen=True)
class Image:
    repository: str  # normalised (see the module docstring)
    tag: str  # "latest" when the reference has none


_HUB = ("docker.io/", "index.docker.io/", "registry-1.docker.io/")


def split_reference(ref: str) -> Image:
    """Repository and tag of an image reference (the digest dropped: it does not change the family)."""
    ref = ref.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    repo, tag = (ref[:colon], ref[colon + 1 :]) if colon > slash else (ref, "")
    repo = repo.lower()
    for hub in _HUB:
        if repo.startswith(hub):
            repo = repo[len(hub) :]
            break
    if repo.startswith("library/") and repo.count("/") == 1:
        repo = repo[len("library/") :]
    return Image(repo, tag.lower() or "latest")


def _lookup(image: Image, rows: tuple[tuple[str, str, object], ...]) -> object | None:
    """First matching row's value; a tag that holds an unresolved `$variable` matches only `*` rows,
    and reaching a row that would need to read it means we cannot tell (None)."""
    if "$" in image.repository:
        return None
    unknown_tag = "$" in image.tag
    for repo_pat, tag_pat, value in rows:
        if not _glob(repo_pat)(image.repository):
            continue
        if tag_pat == "*":
            return value
        if unknown_tag:
            return None
        if _glob(tag_pat)(image.tag):
            return value
    return None


@functools.lru_cache(maxsize=None)
def _glob(pattern: str) -> Callable[[str], bool]:
    """`fnmatchcase` against `pattern`, without compiling a regex for patterns of literal parts and `*`:
    a one-file run reads most of the table, and compiling each row's pattern cost a tenth of its time."""
    if "?" in pattern or "[" in pattern:
        return functools.partial(_fnmatch, pattern=pattern)
    parts = pattern.split("*")
    if len(parts) == 1:
        return pattern.__eq__
    head, *middle, tail = parts

    def match(name: str) -> bool:
        if len(name) < len(head) + len(tail) or not name.startswith(head) or not name.endswith(tail):
            return False
        at, stop = len(head), len(name) - len(tail)
        for part in middle:  # each in order, as early as it occurs: what `*` leaves for the next
            at = name.find(part, at, stop)
            if at < 0:
                return False
            at += len(part)
        return True

    return match


def _fnmatch(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern)


@functools.lru_cache(maxsize=256)  # every rule and pass asks again about the same few images
def family_of(image: Image) -> Family:
    found = _lookup(image, FAMILY_ROWS)
    return found if isinstance(found, Family) else UNKNOWN


@functools.lru_cache(maxsize=256)
def verdict_of(image: Image) -> Verdict | None:
    found = _lookup(image, VERDICT_ROWS)
    return found if isinstance(found, Verdict) else None


@functools.lru_cache(maxsize=256)
def defaults_of(image: Image) -> Defaults | None:
    """Who a well-known image runs as; None when dockfix's table does not know the image."""
    found = _lookup(image, DEFAULT_ROWS)
    return found if isinstance(found, Defaults) else None
