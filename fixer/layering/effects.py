"""Which RUN commands provably never read the build context, and what they read and write instead.

A recognised command gets an `Effect`: the image subtrees it may read and write. A COPY may move past
a RUN only when nothing the COPY writes lies in those subtrees (and nothing the COPY reads is written),
so the COPY's files can neither change what the RUN does nor be changed by it.

Recognition is deliberately narrow (when in doubt, not recognised): every word must be a literal,
options must be ones we know, paths must be absolute, and only these commands count: OS package
managers with literal package names, `pip install`/`npm install -g`/`gem install` of named packages,
user and group creation, `mkdir`/`chmod`/`chown`/`rm -rf`/`ln -s`/`touch`/`tee` of absolute paths,
cache cleanup, `echo`/`set`/`true`, and a few distribution helpers (`update-ca-certificates`, PHP's
`docker-php-ext-*`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from fixer.model.paths import Tree, normalize, trees
from fixer.model.package_managers import (
    APK_OPTIONS,
    APT_OPTIONS,
    GEM_OPTIONS,
    NPM_OPTIONS,
    PIP_OPTIONS,
    PIP_PROGRAM,
    PYTHON_PROGRAM,
    RPM_OPTIONS,
    ZYPPER_OPTIONS,
    OptionError,
    Options,
)
from fixer.model.state import State
from fixer.shell.model import Command, CommandList, Compound, Simple, Word
from fixer.syntax import Instruction

# What distribution packages (dpkg, apk, rpm, zypper) may touch. Their packaging policies keep them
# out of /usr/local, which is where images put their own tools.
SYSTEM = trees(
    "/bin", "/boot", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/root", "/run", "/sbin",
    "/srv", "/tmp", "/usr", "/var",
    holes=("/usr/local",),
)  # fmt: skip
# Installers run scripts (maintainer scripts, setup.py, npm install scripts) that find programs on
# PATH: whatever sits in the PATH folders an image adds to may be run, so those folders are read.
HOOK_PATH = trees("/usr/local/sbin", "/usr/local/bin")
# Language package managers install below /usr/local (or /usr, /opt for distribution builds) and
# keep caches and per-user installs in the dot-directories of the home directories.
LANGUAGE = trees(
    "/etc", "/opt", "/root", "/home/*/.*", "/tmp", "/usr/local", "/usr/lib", "/usr/lib64", "/usr/share",
    "/usr/include", "/usr/bin", "/var/lib/gems", "/var/cache",
)  # fmt: skip
# What any RUN reads: the shell, its libraries, the dynamic loader's configuration, name lookup.
# (Each command's own lookup along PATH is added per command.)
BASE_READS = trees(
    "/bin", "/lib", "/lib32", "/lib64", "/libx32", "/usr/bin", "/usr/lib",
    "/usr/lib32", "/usr/lib64", "/usr/libexec", "/etc/ld.so.cache", "/etc/ld.so.conf",
    "/etc/ld.so.conf.d", "/etc/ld.so.preload", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
    "/dev", "/proc", "/sys",
)  # fmt: skip
PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
ACCOUNTS = trees("/etc", "/home", "/var/mail", "/var/spool/mail", "/var/log")
PASSWD = trees("/etc/passwd", "/etc/group")

# Environment variables that move where tools look for configuration, programs or their install target.
_REDIRECTING = re.compile(
    r"^(PATH|HOME|TMPDIR|VIRTUAL_ENV|PYTHONUSERBASE|PYTHONPATH|PYTHONHOME|GEM_HOME|GEM_PATH|"
    r"APT_CONFIG|NODE_PATH|(PIP|NPM_CONFIG|npm_config|BUNDLE|YARN|XDG|GEM|CONDA)_[A-Za-z0-9_]*)$"
)
_ABS_IN_VALUE = re.compile(r"(?<![\w$}])/[^\s:;,\"'=]*")
_VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_GLOB = frozenset("*?[")
ANY = frozenset({"*"})
# what npm reads in a project directory outside global mode
NPM_PROJECT = frozenset({".npmrc", "package.json"})


@dataclass(frozen=True)
class Effect:
    """What a command may read and write, as subtrees of the image file system."""

    reads: tuple[Tree, ...] = ()
    writes: tuple[Tree, ...] = ()
    # names it reads in the working directory; ANY: it may read anything there (a glob, a local lookup)
    cwd: frozenset[str] = frozenset()

    def __or__(self, other: Effect) -> Effect:
        return Effect(self.reads + other.reads, self.writes + other.writes, self.cwd | other.cwd)

    def conflicts(self, written: Iterable[str], read: Iterable[str] = ()) -> bool:
        """Whether a step that writes the `written` subtrees and reads `read` can see or change this."""
        every = self.reads + self.writes
        return any(t.touches(p) for p in written for t in every) or any(t.touches(p) for p in read for t in self.writes)


class Unrecognised(Exception):
    """The command may read the build context (or we cannot tell): the reason is the message."""


# --- words ---------------------------------------------------------------------------------------


def literal(word: Word) -> str:
    """The word's value; raises when it expands anything."""
    if "$" in word.raw or "`" in word.raw:
        raise Unrecognised(f"`{word.raw}` is expanded by the shell")
    return word.value


def unquoted_glob(raw: str) -> bool:
    """Whether the shell would glob-expand the word (a `*`, `?` or `[` outside quotes)."""
    quote = ""
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and not quote:
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in _GLOB:
            return True
        i += 1
    return False


def absolute(value: str) -> str:
    """An absolute path argument, cut at its first glob character (the glob reads that directory)."""
    if not value.startswith("/"):
        raise Unrecognised(f"`{value}` is a relative path")
    for i, ch in enumerate(value):
        if ch in _GLOB:
            return normalize(posixpath.dirname(value[:i]) or "/")
    return normalize(value)


@dataclass(frozen=True)
class Grammar:
    """A command's option table (see `fixer.model.package_managers`) and the options this analysis
    refuses because their values name files it cannot see."""

    options: Options
    refused: frozenset[str] = frozenset()

    def split(self, words: Sequence[Word], stop_at_operand: bool = False) -> tuple[list[tuple[str, str]], list[Word]]:
        """(options with values, operands); every word must be literal. Raises on an unknown or refused option."""
        try:
            return self.options.split(words, refused=self.refused, stop_at_operand=stop_at_operand, value=literal)
        except OptionError as e:
            raise Unrecognised(str(e)) from None


def _local(
    flags: frozenset[str] = frozenset(), valued: frozenset[str] = frozenset(), refused: frozenset[str] = frozenset()
) -> Grammar:
    """The grammar of a command that is no package manager (mkdir, curl, tar …)."""
    return Grammar(Options(flags, valued), refused)


def _names(operands: Iterable[Word], pattern: re.Pattern[str], what: str) -> Effect:
    """Package-name operands: literal, matching `pattern`; an unquoted glob reads the working directory."""
    cwd = False
    operands = list(operands)
    for w in operands:
        v = literal(w)
        if not pattern.fullmatch(v) or v.endswith((".deb", ".rpm", ".apk", ".whl", ".gem", ".tgz", ".tar.gz", ".zip")):
            raise Unrecognised(f"`{v}` is not a {what} name")
        cwd = cwd or unquoted_glob(w.raw)
    return Effect(cwd=ANY if cwd else frozenset())


def _paths(operands: Iterable[Word]) -> tuple[Tree, ...]:
    return tuple(Tree(absolute(literal(w))) for w in operands)


def _no_path_values(opts: Iterable[tuple[str, str]]) -> None:
    for name, value in opts:
        if "/" in value and not re.match(r"^[a-z+]+://", value):
            raise Unrecognised(f"option --{name} names a path")


# --- commands --------------------------------------------------------------------------------------

Handler = Callable[[str, list[Word]], Effect]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for n in names:
            HANDLERS[n] = fn
        return fn

    return register


_APT_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+|/[A-Za-z0-9.-]+)?[+-]?")
_APT = Grammar(APT_OPTIONS, APT_OPTIONS.paths)
_APT_SUBCOMMANDS = frozenset(
    """update upgrade dist-upgrade full-upgrade install reinstall remove purge autoremove auto-remove
    clean autoclean auto-clean build-dep check""".split()
)


@handles("apt-get", "apt")
def _apt(name: str, words: list[Word]) -> Effect:
    opts, operands = _APT.split(words)
    _no_path_values(opts)
    if not operands or literal(operands[0]) not in _APT_SUBCOMMANDS:
        raise Unrecognised(f"`{name}` without a known subcommand")
    return Effect(SYSTEM + HOOK_PATH, SYSTEM) | _names(operands[1:], _APT_NAME, "package")


_APK_NAME = re.compile(r"\.?[a-z0-9_.+-]+([=~<>]{1,2}[A-Za-z0-9._+-]+)?(@[a-z0-9_-]+)?")
_APK = Grammar(APK_OPTIONS, APK_OPTIONS.paths)


@handles("apk")
def _apk(name: str, words: list[Word]) -> Effect:
    opts, operands = _APK.split(words)
    _no_path_values([o for o in opts if o[0] not in ("X", "repository")])
    sub = literal(operands[0]) if operands else ""
    if sub == "cache":
        if [literal(w) for w in operands[1:]] not in (["clean"], ["purge"], ["sync"]):
            raise Unrecognised("apk cache without clean/purge/sync")
        return Effect(SYSTEM + HOOK_PATH, SYSTEM)
    if sub not in ("add", "del", "delete", "update", "upgrade", "fix", "info", "version", "policy", "search"):
        raise Unrecognised("apk without a known subcommand")
    return Effect(SYSTEM + HOOK_PATH, SYSTEM) | _names(operands[1:], _APK_NAME, "package")


_RPM_NAME = re.compile(r"@?[A-Za-z0-9_.+:-]+([<>=]+[A-Za-z0-9_.:~+-]+)?")
_RPM_GROUP = re.compile(r"@?[A-Za-z0-9_.+: -]+")
_RPM = Grammar(RPM_OPTIONS, RPM_OPTIONS.paths)
_RPM_SUBCOMMANDS = frozenset(
    """install reinstall update upgrade update-minimal upgrade-minimal remove erase autoremove clean
    makecache check-update distro-sync info list search groupinstall group module config-manager
    repolist""".split()
)


@handles("yum", "dnf", "microdnf", "tdnf", "dnf5")
def _rpm(name: str, words: list[Word]) -> Effect:
    opts, operands = _RPM.split(words)
    _no_path_values([o for o in opts if o[0] not in ("add-repo",)])
    if not operands or literal(operands[0]) not in _RPM_SUBCOMMANDS:
        raise Unrecognised(f"`{name}` without a known subcommand")
    sub = literal(operands[0])
    pattern = _RPM_GROUP if sub in ("group", "groupinstall") else _RPM_NAME
    return Effect(SYSTEM + HOOK_PATH, SYSTEM) | _names(operands[1:], pattern, "package")


_ZYPPER = Grammar(ZYPPER_OPTIONS, ZYPPER_OPTIONS.paths)
_ZYPPER_SUBCOMMANDS = frozenset(
    """install in remove rm refresh ref clean cc update up dist-upgrade dup addrepo ar removerepo rr
    modifyrepo mr patch addlock al""".split()
)


@handles("zypper")
def _zypper(name: str, words: list[Word]) -> Effect:
    _opts, operands = _ZYPPER.split(words)
    if not operands or literal(operands[0]) not in _ZYPPER_SUBCOMMANDS:
        raise Unrecognised("zypper without a known subcommand")
    names = [w for w in operands[1:] if not re.match(r"^[a-z+]+://", literal(w))]
    return Effect(SYSTEM + HOOK_PATH, SYSTEM) | _names(names, _RPM_NAME, "package")


_PIP_NAME = re.compile(
    r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\[[A-Za-z0-9._, -]*\])?"
    r"(\s*(===|==|!=|~=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+(\s*,\s*(===|==|!=|~=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+)*)?"
)
# `--config-settings` hands arbitrary settings to the project's build backend
_PIP = Grammar(PIP_OPTIONS, PIP_OPTIONS.paths | {"C", "config-settings"})


def pip_command(name: str, words: list[Word]) -> tuple[str, list[Word]] | None:
    """(`pip`, its arguments) for `pip`, `pip3.12`, `python3 -m pip`; None for anything else."""
    if PIP_PROGRAM.fullmatch(name):
        return "pip", words
    if PYTHON_PROGRAM.fullmatch(name) and [w.value for w in words[:2]] == ["-m", "pip"]:
        return "pip", words[2:]
    return None


def _pip(name: str, words: list[Word]) -> Effect:
    opts, operands = _PIP.split(words)
    _no_path_values([o for o in opts if o[0] not in ("i", "index-url", "extra-index-url", "proxy")])
    sub = literal(operands[0]) if operands else ""
    if sub == "cache":
        return Effect(LANGUAGE + HOOK_PATH, LANGUAGE)
    if sub in ("install", "uninstall", "download"):
        if sub == "download":
            raise Unrecognised("pip download writes to the working directory")
        if len(operands) < 2:
            raise Unrecognised(f"pip {sub} without package names")
        return Effect(LANGUAGE + HOOK_PATH, LANGUAGE) | _names(operands[1:], _PIP_NAME, "Python package")
    if sub in ("list", "freeze", "show", "check"):
        return Effect(LANGUAGE)
    raise Unrecognised("pip without a known subcommand")


_NPM_NAME = re.compile(r"(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*(@[\w.^~<>=|*+ -]+)?")
# `--workspace` installs into a project folder
_NPM = Grammar(NPM_OPTIONS, NPM_OPTIONS.paths | {"w", "workspace"})


@handles("npm")
def _npm(name: str, words: list[Word]) -> Effect:
    opts, operands = _NPM.split(words)
    sub = literal(operands[0]) if operands else ""
    global_ = any(n in ("g", "global") for n, _ in opts) or ("location", "global") in opts
    if sub in ("install", "i", "add", "isntall", "uninstall", "remove", "rm", "un", "update", "up") and global_:
        if len(operands) < 2:
            raise Unrecognised("npm -g without package names installs the working directory")
        return Effect(LANGUAGE + HOOK_PATH, LANGUAGE) | _names(operands[1:], _NPM_NAME, "npm package")
    if sub == "cache" and [literal(w) for w in operands[1:]] in (["clean"], ["verify"]):
        return Effect(LANGUAGE + HOOK_PATH, LANGUAGE, cwd=NPM_PROJECT)  # a project's .npmrc may move the cache
    raise Unrecognised("npm command that may read the project")


@handles("yarn")
def _yarn(name: str, words: list[Word]) -> Effect:
    """`yarn cache clean`: yarn reads its settings from the project it runs in."""
    if [literal(w) for w in words[:2]] != ["cache", "clean"] or any(not literal(w).startswith("-") for w in words[2:]):
        raise Unrecognised("yarn command that may read the project")
    return Effect(LANGUAGE, LANGUAGE, cwd=frozenset({".yarnrc", ".yarnrc.yml", ".npmrc", "package.json"}))


_GEM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# without --remote, `--local`/`--both` look for .gem files in the working directory
_GEM = Grammar(GEM_OPTIONS, GEM_OPTIONS.paths | {"l", "local", "b", "both"})


@handles("gem")
def _gem(name: str, words: list[Word]) -> Effect:
    opts, operands = _GEM.split(words)
    sub = literal(operands[0]) if operands else ""
    if sub not in ("install", "update", "uninstall", "cleanup"):
        raise Unrecognised("gem without a known subcommand")
    if sub == "install" and len(operands) < 2:
        raise Unrecognised("gem install without names")
    remote = any(n in ("r", "remote") for n, _ in opts)
    # without --remote, `gem install x` prefers a local x-*.gem in the working directory
    return Effect(LANGUAGE + HOOK_PATH, LANGUAGE, cwd=frozenset() if remote else ANY) | _names(operands[1:], _GEM_NAME, "gem")


@handles("useradd", "groupadd", "adduser", "addgroup", "usermod", "groupmod")
def _accounts(name: str, words: list[Word]) -> Effect:
    extra: list[Tree] = []
    for w in words:
        v = literal(w)
        if "/" in v:
            extra.append(Tree(absolute(v)))  # home, shell, skeleton directory
        elif unquoted_glob(w.raw):
            raise Unrecognised(f"`{w.raw}` is glob-expanded")
    return Effect(ACCOUNTS + tuple(extra), ACCOUNTS + tuple(extra))


_MKDIR = _local(flags=frozenset("p v parents verbose".split()), valued=frozenset("m mode".split()))


@handles("mkdir")
def _mkdir(name: str, words: list[Word]) -> Effect:
    _opts, operands = _MKDIR.split(words)
    if not operands or any(unquoted_glob(w.raw) for w in operands):
        raise Unrecognised("mkdir without literal absolute paths")
    targets = _paths(operands)
    return Effect(targets, targets)


_CHMOD = _local(
    flags=frozenset("R v c f recursive verbose changes silent quiet preserve-root no-preserve-root".split()),
    refused=frozenset(["reference"]),
)


@handles("chmod", "chown", "chgrp")
def _chmod(name: str, words: list[Word]) -> Effect:
    grammar = _CHMOD if name == "chmod" else _CHOWN
    mode_first: list[Word] = []
    if name == "chmod":
        # `chmod -x f` removes a permission: a word that is no known option is the mode
        for i, w in enumerate(words):
            v = literal(w)
            if not v.startswith("-") or v.lstrip("-") not in grammar.options.flags:
                mode_first = [w]
                words = words[:i] + words[i + 1 :]
                break
    _opts, operands = grammar.split(words)
    operands = mode_first + operands
    if len(operands) < 2:
        raise Unrecognised(f"{name} without a path")
    targets = _paths(operands[1:])
    reads = targets + (PASSWD if name != "chmod" else ())
    return Effect(reads, targets)


_CHOWN = _local(
    flags=frozenset("R h v c f H L P recursive no-dereference dereference verbose silent quiet changes".split()),
    valued=frozenset(["from"]),
    refused=frozenset(["reference"]),
)
_RM = _local(
    flags=frozenset("r R f v d I recursive force verbose dir one-file-system preserve-root no-preserve-root".split())
)


@handles("rm")
def _rm(name: str, words: list[Word]) -> Effect:
    _opts, operands = _RM.split(words)
    targets = _paths(operands)
    return Effect(targets, targets)


_LN = _local(
    flags=frozenset("s f n T v r symbolic force no-dereference no-target-directory verbose relative".split())
)


@handles("ln")
def _ln(name: str, words: list[Word]) -> Effect:
    opts, operands = _LN.split(words)
    if not any(n in ("s", "symbolic") for n, _ in opts) or len(operands) != 2:
        raise Unrecognised("ln other than `ln -s TARGET /absolute/link`")
    literal(operands[0])  # a symbolic link's target is stored, not read
    link = _paths(operands[1:])
    return Effect(link, link)


_TOUCH = _local(flags=frozenset("a m c h".split()))
_TEE = _local(flags=frozenset("a i p append ignore-interrupts".split()))


@handles("touch", "tee")
def _touch(name: str, words: list[Word]) -> Effect:
    _opts, operands = (_TOUCH if name == "touch" else _TEE).split(words)
    targets = _paths(operands)
    return Effect(targets, targets)


@handles("echo", "printf", "true", ":", "false")
def _echo(name: str, words: list[Word]) -> Effect:
    for w in words:
        literal(w)
        if unquoted_glob(w.raw):
            return Effect(cwd=ANY)
    return Effect()


@handles("set")
def _set(name: str, words: list[Word]) -> Effect:
    for w in words:
        v = literal(w)
        if not (v[:1] in "-+" or v in ("pipefail", "errexit", "nounset", "xtrace")):
            raise Unrecognised("set with positional parameters")
    return Effect()


@handles("export")
def _export(name: str, words: list[Word]) -> Effect:
    for w in words:
        v = literal(w)
        var = v.split("=", 1)[0]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var) or _REDIRECTING.match(var):
            raise Unrecognised(f"export {var} changes where tools look")
    return Effect()


@handles(
    "update-ca-certificates", "ldconfig", "locale-gen", "dpkg-reconfigure", "update-locale", "localedef",
    "update-alternatives", "apt-key", "docker-php-ext-install", "docker-php-ext-enable",
    "docker-php-ext-configure", "docker-php-source", "pecl",
)  # fmt: skip
def _system_helper(name: str, words: list[Word]) -> Effect:
    extra: list[Tree] = []
    for w in words:
        v = literal(w)
        if unquoted_glob(w.raw) or v.endswith((".tgz", ".tar.gz", ".deb")):
            raise Unrecognised(f"`{w.raw}` may name a local file")
        for m in re.finditer(r"(?:^|=)(/[^\s,:]*)", v):
            extra.append(Tree(normalize(m.group(1))))
        if "/" in v and not extra and not re.match(r"^[a-z+]+://", v):
            raise Unrecognised(f"`{v}` may be a relative path")
    # PHP's helpers build and install below /usr/local, so that hole is not theirs
    every = trees("/usr", "/etc", "/var", "/tmp", "/root", "/opt", "/lib") + tuple(extra)
    return Effect(every + HOOK_PATH, every)


_VENV = _local(flags=frozenset("copies symlinks upgrade-deps without-pip system-site-packages clear upgrade".split()))


def _venv(name: str, words: list[Word]) -> Effect:
    """`python -m venv /abs` and `virtualenv /abs`: a new environment at an absolute path."""
    _opts, operands = _VENV.split(words)
    if len(operands) != 1:
        raise Unrecognised("venv without exactly one absolute directory")
    target = _paths(operands)
    return Effect(LANGUAGE + target, target)


_CURL = _local(
    flags=frozenset(
        "f s S L k v fail silent show-error location insecure compressed create-dirs http1.1 http2 tlsv1.2 "
        "proto-default fail-with-body no-progress-meter".split()
    ),
    valued=frozenset("o output H header retry retry-delay connect-timeout max-time m proto A user-agent x proxy".split()),
    refused=frozenset("O remote-name K config d data T upload-file F form b cookie c cookie-jar D dump-header".split()),
)
_WGET = _local(
    flags=frozenset("q nv v no-check-certificate no-verbose quiet c continue show-progress no-hsts".split()),
    valued=frozenset("O output-document P directory-prefix T timeout t tries progress header U user-agent".split()),
    refused=frozenset("i input-file a append-output o output-file load-cookies".split()),
)
_URL_ONLY = re.compile(r"^(https?|ftp)://\S+$")
_URL_PREFIX = re.compile(r"^(https?|ftp)://[A-Za-z0-9.-]")
_GPG = _local(
    flags=frozenset("dearmor enarmor batch yes no-tty quiet q no-default-keyring import".split()),
    valued=frozenset("o output keyring keyserver recv-keys".split()),
    refused=frozenset("homedir".split()),
)


@handles("gpg")
def _gpg(name: str, words: list[Word]) -> Effect:
    """`gpg --dearmor -o /abs` and key fetching into the home directory."""
    opts, operands = _GPG.split(words)
    if operands and not {k for k, _ in opts} & {"recv-keys"}:
        raise Unrecognised("gpg reading files")
    written = tuple(Tree(absolute(v)) for k, v in opts if k in ("o", "output", "keyring"))
    home = trees("/root", "/home/*/.*")
    return Effect(home + written, home + written)


@handles("curl", "wget")
def _download(name: str, words: list[Word]) -> Effect:
    """A download to stdout or to an absolute path; every operand must be a URL."""
    # a variable inside a URL only changes what is fetched from the network, never a local path
    words = [
        Word("https://url", "https://url", w.start, w.end) if _URL_PREFIX.match(w.value) and "`" not in w.raw else w
        for w in words
    ]
    opts, operands = (_CURL if name == "curl" else _WGET).split(words)
    if not operands or not all(_URL_ONLY.match(w.value) for w in operands):
        raise Unrecognised(f"{name} of something other than URLs")
    written: list[Tree] = []
    for key, value in opts:
        if key in ("o", "output", "O", "output-document", "P", "directory-prefix") and value != "-":
            written.append(Tree(absolute(value)))
    if name == "wget" and not any(k in ("O", "output-document") for k, _ in opts) and not any(
        k in ("P", "directory-prefix") for k, _ in opts
    ):
        raise Unrecognised("wget saving into the working directory")
    config = trees("/etc/ssl", "/etc/ca-certificates", "/etc/hosts", "/etc/resolv.conf", "/root", "/etc/wgetrc")
    return Effect(config + tuple(written), tuple(written))


_TAR = _local(
    flags=frozenset(
        "x t z j J v o p a gzip bzip2 xz extract list verbose no-same-owner no-same-permissions "
        "same-owner same-permissions preserve-permissions keep-old-files overwrite".split()
    ),
    valued=frozenset("f file C directory strip-components owner group mode exclude wildcards".split()),
)


@handles("tar")
def _tar(name: str, words: list[Word]) -> Effect:
    """Extraction from stdin or an absolute archive into an absolute directory (`-C`)."""
    if words and not literal(words[0]).startswith("-"):
        # old-style `tar xzf archive`: the first word is a cluster of option letters
        first = words[0]
        words = [Word("-" + first.raw, "-" + first.value, first.start, first.end), *words[1:]]
    opts, operands = _TAR.split(words)
    keys = {k for k, _ in opts}
    if not keys & {"x", "extract", "t", "list"}:
        raise Unrecognised("tar other than extracting")
    archive = [v for k, v in opts if k in ("f", "file")]
    target = [v for k, v in opts if k in ("C", "directory")]
    if not target and keys & {"x", "extract"}:
        raise Unrecognised("tar extracting into the working directory")
    reads = tuple(Tree(absolute(a)) for a in archive if a != "-")
    writes = tuple(Tree(absolute(t)) for t in target)
    for w in operands:
        literal(w)  # member names
    return Effect(reads + writes, writes)


# --- scripts ---------------------------------------------------------------------------------------


@dataclass
class Analysis:
    """A RUN's recognised commands, or why it was not recognised."""

    effect: Effect = field(default_factory=Effect)
    reason: str | None = None  # set when not recognised
    simple: list[Simple] = field(default_factory=list)

    @property
    def recognised(self) -> bool:
        return self.reason is None


def redirecting_env(state: State) -> Effect:
    """Paths named by environment variables that steer tools (PATH, HOME, PIP_*, …); raises when unknown."""
    found: list[Tree] = []
    for name, raw in state.raw_env.items():
        if not _REDIRECTING.match(name):
            continue
        for ref in _VAR_REF.findall(raw):
            if ref in state.arg_names and ref not in state.raw_env:
                raise Unrecognised(f"ENV {name} depends on the build argument {ref}")
        for m in _ABS_IN_VALUE.finditer(raw):
            found.append(Tree(normalize(m.group())))
        if re.search(r"(^|[=:])\.{0,2}[A-Za-z0-9_-]+/", raw) and name.startswith(("PIP_", "NPM_", "npm_", "BUNDLE_")):
            raise Unrecognised(f"ENV {name} names a relative path")
    return Effect(tuple(found), tuple(found))


def commands(script_lists: list[CommandList]) -> Iterator[Command]:
    for lst in script_lists:
        yield from lst.commands()


def flatten(script_lists: list[CommandList]) -> list[Simple]:
    """The simple commands of a script, entering `( … )` and `{ …; }`; raises on other compounds."""
    out: list[Simple] = []
    for cmd in commands(script_lists):
        if isinstance(cmd, Compound):
            if cmd.kind not in ("subshell", "brace") or cmd.redirects:
                raise Unrecognised(f"a shell `{cmd.kind}` construct")
            out.extend(flatten(cmd.bodies))
            continue
        if cmd.substitutions:
            raise Unrecognised("a command substitution")
        out.append(cmd)
    return out


def mount_effect(instr: Instruction, state: State) -> Effect:
    """RUN flags: mounts shadow their target during the RUN; other flags change no file."""
    found: list[Tree] = []
    for flag in instr.flags:
        if flag.name in ("network", "security"):
            continue
        if flag.name != "mount" or flag.value is None:
            raise Unrecognised(f"RUN --{flag.name}")
        fields = dict(part.partition("=")[::2] for part in flag.value.split(","))
        target = fields.get("target") or fields.get("dst") or fields.get("destination")
        kind = fields.get("type", "bind")
        if kind in ("secret", "ssh") and not target:
            continue
        if not target or "$" in target:
            raise Unrecognised("a mount without a literal target")
        if not target.startswith("/"):
            if state.workdir is None:
                raise Unrecognised("a mount target relative to an unknown WORKDIR")
            target = posixpath.join(state.workdir, target)
        found.append(Tree(normalize(target)))
    return Effect(tuple(found), tuple(found))


_PARAM = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def _with_env(word: Word, known: dict[str, str]) -> Word:
    """`word` with `$NAME`/`${NAME}` replaced where the Dockerfile's ENV proves the value."""
    if "$" not in word.raw or "'" in word.raw or "`" in word.raw or "$(" in word.raw:
        return word

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return known.get(name, m.group())

    return Word(_PARAM.sub(sub, word.raw), _PARAM.sub(sub, word.value), word.start, word.end)


def known_env(state: State, assigned: set[str]) -> dict[str, str]:
    """ENV values the shell of a RUN sees as written: proven, and not reassigned by the script."""
    return {
        k: v
        for k, v in state.env.items()
        if v is not None and k not in assigned and k not in state.arg_names and "$" not in v
    }


def assigned_names(commands: list[Simple]) -> set[str]:
    names = {a.value.split("=", 1)[0] for c in commands for a in c.assignments}
    for c in commands:
        if c.name in ("export", "readonly", "declare", "typeset", "local", "read", "unset"):
            names |= {w.value.split("=", 1)[0] for w in c.words[1:]}
    return names


def simple_effect(cmd: Simple, state: State, known: dict[str, str] | None = None) -> Effect:
    """The effect of one simple command; raises Unrecognised."""
    if known:
        cmd = Simple(
            cmd.start,
            cmd.end,
            [_with_env(w, known) for w in cmd.assignments],
            [_with_env(w, known) for w in cmd.words],
            [r if r.target is None else type(r)(r.op, r.start, r.end, _with_env(r.target, known)) for r in cmd.redirects],
            cmd.substitutions,
        )
    effect = Effect()
    for a in cmd.assignments:
        v = literal(a)
        var = v.split("=", 1)[0]
        if _REDIRECTING.match(var):
            raise Unrecognised(f"{var}= changes where tools look")
    for r in cmd.redirects:
        if r.target is None:
            continue
        if r.op in ("<<", "<<-", "<<<"):
            continue
        target = literal(r.target)
        if target in ("/dev/null", "/dev/stdout", "/dev/stderr") or re.fullmatch(r"\d+|-", target):
            continue
        tree = Tree(absolute(target))
        effect = effect | (Effect(writes=(tree,), reads=(tree,)))
    if not cmd.words:
        return effect
    name = literal(cmd.words[0])
    lookup: tuple[Tree, ...]
    if "/" in name:
        lookup = (Tree(absolute(name)),)
        name = posixpath.basename(name)
    else:
        lookup = tuple(Tree(f"{d}/{name}") for d in PATH_DIRS)
    args = cmd.words[1:]
    pip = pip_command(name, args)
    if pip is not None:
        handled = _pip(*pip)
    elif PYTHON_PROGRAM.fullmatch(name) and [w.value for w in args[:2]] == ["-m", "venv"]:
        handled = _venv(name, args[2:])
    elif name == "virtualenv":
        handled = _venv(name, args)
    elif name in HANDLERS:
        handled = HANDLERS[name](name, args)
    else:
        raise Unrecognised(f"`{name}` is not known to leave the build context alone")
    return effect | handled | Effect(reads=lookup)


def analyse(instr: Instruction, state: State, simple: list[Simple] | None = None) -> Analysis:
    """Whether every command of a RUN is recognised, and their combined effect."""
    from fixer.shell.lexer import LexError, tokenize
    from fixer.shell.parse import ShellParseError, parse
    from fixer.shell.plain import beyond_simple

    try:
        if not state.posix:
            raise Unrecognised("the stage's shell is not a POSIX shell")
        if instr.json:
            raise Unrecognised("exec-form RUN")
        if instr.heredocs:
            raise Unrecognised("a here-document RUN")
        effect = Effect(reads=BASE_READS) | mount_effect(instr, state) | redirecting_env(state)
        if simple is None:
            # a compound or a substitution is never recognised: seen in the tokens, bashlex is spared
            # the largest scripts (the official images' `set -eux; savedAptMark="$(…)"; … if …`)
            try:
                beyond = beyond_simple(tokenize(instr.args))
            except LexError as e:
                raise Unrecognised(f"shell script not understood ({e})") from None
            if beyond is not None:
                raise Unrecognised(beyond)
            try:
                simple = flatten([parse(instr.args).body])
            except ShellParseError as e:
                raise Unrecognised(f"shell script not understood ({e})") from None
        known = known_env(state, assigned_names(simple))
        for cmd in simple:
            effect = effect | simple_effect(cmd, state, known)
        return Analysis(effect, None, simple)
    except Unrecognised as e:
        return Analysis(reason=str(e))
