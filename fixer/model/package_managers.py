"""One option table per package manager: which options exist, which take a value, which name files.

The tables describe the tools as their documentation does; what a rule refuses (an option that reads
files the rule cannot see, a subcommand that may read the build context) is the rule's own policy,
passed to `Options.split` as `refused`. Decisions where two older copies disagreed are listed in
/work/notes/model-commands.md (apt `-P`/`--solver`, apk `--from`/`--timeout`, dnf `-R`, …).

Options are read the way getopt reads them: `-yq` is a cluster of letters, a value-taking letter ends
the cluster and takes the rest of the word or the next word (`-oDebug=1`, `-o Debug=1`), and a long
option takes `--name=value` or the next word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fixer.shell.model import Word


class OptionError(ValueError):
    """An option `Options.split` does not know, is told to refuse, or that lacks its value."""


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Options:
    """A command's option grammar. Names are written without dashes: letters and long names."""

    flags: frozenset[str] = frozenset()
    valued: frozenset[str] = frozenset()
    paths: frozenset[str] = frozenset()  # valued options whose value names a file or directory

    def __or__(self, other: Options) -> Options:
        return Options(self.flags | other.flags, self.valued | other.valued, self.paths | other.paths)

    @property
    def value_letters(self) -> frozenset[str]:
        return frozenset(n for n in self.valued if len(n) == 1)

    def takes_value(self, word: str) -> bool:
        """Whether option word `word` consumes the next word as its value (`-o`, `--option`, `-qo`)."""
        if word.startswith("--"):
            return "=" not in word and word[2:] in self.valued
        if not word.startswith("-") or word == "-":
            return False
        letters = word[1:]
        for i, letter in enumerate(letters):
            if letter in self.valued:
                return i == len(letters) - 1
        return False

    def operand_index(self, words: Sequence[Word], i: int) -> int:
        """Index of the first operand at or after `i`: option values skipped, `--` consumed; options
        missing from the table count as flags."""
        while i < len(words):
            v = words[i].value
            if v == "--":
                return i + 1
            if not v.startswith("-") or v == "-":
                return i
            i += 2 if self.takes_value(v) else 1
        return i

    def short_letters(self, word: str) -> str:
        """The letters of a short option cluster (`-yqq` -> `yqq`); a value-taking letter ends it."""
        if not word.startswith("-") or word.startswith("--") or len(word) < 2:
            return ""
        out = []
        for letter in word[1:]:
            out.append(letter)
            if letter in self.valued:
                break
        return "".join(out)

    def operands(self, words: Sequence[Word]) -> list[Word]:
        """The words that are neither options nor option values (a subcommand is an operand)."""
        out: list[Word] = []
        skip = False
        for w in words:
            if skip:
                skip = False
                continue
            v = w.value
            if v == "--":
                continue
            if v.startswith("-") and len(v) > 1:
                skip = self.takes_value(v)
                continue
            out.append(w)
        return out

    def split(
        self,
        words: Sequence[Word],
        *,
        refused: frozenset[str] = frozenset(),
        stop_at_operand: bool = False,
        value: Callable[[Word], str] = lambda w: w.value,
        lenient: bool = False,
    ) -> tuple[list[tuple[str, str]], list[Word]]:
        """(options with their values, operands), strictly: an option missing from the table, or
        named in `refused`, raises OptionError (with `lenient`, an unknown option is a flag and a
        missing value is empty).
        `stop_at_operand`: every word after the first operand is an operand (commands that pass the
        rest on). `value` reads each word in order (a caller that needs literal words raises from it)."""
        opts: list[tuple[str, str]] = []
        operands: list[Word] = []
        i = 0
        rest_operands = False
        while i < len(words):
            w = words[i]
            v = value(w)
            i += 1
            if rest_operands or not v.startswith("-") or v == "-":
                operands.append(w)
                rest_operands = rest_operands or stop_at_operand
                continue
            if v == "--":
                rest_operands = True
                continue
            if v.startswith("--"):
                name, eq, given = v[2:].partition("=")
                self._check(name, v, refused, lenient)
                if name in self.valued and not eq:
                    if i >= len(words):
                        if not lenient:
                            raise OptionError(f"`{v}` lacks its value")
                        arg = ""
                    else:
                        arg = value(words[i])
                    i += 1
                else:
                    arg = given
                opts.append((name, arg))
                continue
            letters = v[1:]
            for j, letter in enumerate(letters):
                self._check(letter, v, refused, lenient)
                if letter in self.valued:
                    arg = letters[j + 1 :].lstrip("=")
                    if not arg and i < len(words):
                        arg = value(words[i])
                        i += 1
                    elif not arg and not lenient:
                        raise OptionError(f"`{v}` lacks its value")
                    opts.append((letter, arg))
                    break
                opts.append((letter, ""))
        return opts, operands

    def _check(self, name: str, word: str, refused: frozenset[str], lenient: bool) -> None:
        if name in refused:
            raise OptionError(f"`{word}` names files we cannot see")
        if not lenient and name not in self.flags and name not in self.valued:
            raise OptionError(f"unknown option `{word}`")


@dataclass(frozen=True)
class PackageManager:
    name: str  # canonical: apt-get, apt, apt-cache, apk, yum, dnf, microdnf, tdnf, zypper, pip, uv-pip, npm, …
    options: Options
    subcommands: frozenset[str] = frozenset()
    installs: frozenset[str] = frozenset()  # subcommands that download and install packages
    # subcommands naming their action in a second word: `dnf group install`, `dnf module enable`
    two_word: frozenset[str] = frozenset()


# --- Debian: apt-get(8), apt(8), apt-cache(8) ---------------------------------------------------------

APT_OPTIONS = Options(
    flags=_names(
        """y q f m s d b V u yes assume-yes assume-no quiet no-install-recommends no-install-suggests
        install-recommends install-suggests fix-missing fix-broken allow-downgrades allow-remove-essential
        allow-change-held-packages allow-unauthenticated allow-releaseinfo-change allow-insecure-repositories
        reinstall purge auto-remove autoremove force-yes show-upgraded verbose-versions no-upgrade
        only-upgrade ignore-missing no-remove list-cleanup mark-auto no-download show-progress with-new-pkgs
        simulate just-print dry-run recon no-act trivial-only ignore-hold print-uris only-source
        arch-only download-only"""
    ),
    # `-P/--build-profiles` (source, build-dep) and apt 3's `--solver NAME` take a value
    valued=_names("o c t a P option config-file target-release default-release host-architecture build-profiles solver"),
    paths=_names("c config-file"),
)
APT_SUBCOMMANDS = _names(
    """update upgrade dist-upgrade full-upgrade install reinstall remove purge autoremove auto-remove autopurge
    clean autoclean auto-clean dist-clean build-dep check source download changelog satisfy indextargets
    list search show showsrc policy depends rdepends madison edit-sources"""
)
APT_INSTALLS = _names("install reinstall upgrade dist-upgrade full-upgrade build-dep satisfy")

# --- Alpine: apk(8), apk-add(8) (apk-tools 2 and 3) ----------------------------------------------------

APK_OPTIONS = Options(
    flags=_names(
        """U u l q v r s i a f h V no-cache update-cache update upgrade latest quiet verbose no-progress progress
        allow-untrusted force-broken-world force-overwrite force-refresh force-non-repository force-old-apk
        force-binary-stdout force-missing-repositories force-no-chroot clean-protected purge rdepends
        no-scripts no-commit-hooks simulate interactive no-interactive available no-network force
        no-check-certificate initdb no-chown usermode no-logfile preserve-env print-arch cache-predownload"""
    ),
    valued=_names(
        """t X p virtual repository root keys-dir repositories-file arch cache-dir cache-max-age timeout
        progress-fd wait from uvol-manager"""
    ),
    paths=_names("p root keys-dir repositories-file cache-dir"),
)
APK_SUBCOMMANDS = _names(
    "add del delete fix update upgrade cache info list search policy version index fetch audit verify dot stats manifest"
)

# --- Red Hat: yum(8), dnf(8), microdnf, tdnf ------------------------------------------------------------

RPM_OPTIONS = Options(
    flags=_names(
        """y q v C b 4 6 assumeyes assumeno quiet verbose nodocs noplugins allowerasing best nobest no-best
        skip-broken refresh nogpgcheck cacheonly showduplicates obsoletes skip-unavailable set-enabled
        set-disabled enable disable all debugsolver downloadonly"""
    ),
    valued=_names(
        """c x d e R config installroot releasever enablerepo disablerepo exclude repo repoid setopt forcearch
        downloaddir destdir debuglevel errorlevel rpmverbosity color comment advisory advisories bz cve
        sec-severity secseverity module-platform-id module_platform_id randomwait disableplugin
        enableplugin repofrompath disableexcludes add-repo"""
    ),
    paths=_names("c config installroot repofrompath downloaddir destdir"),
)
RPM_SUBCOMMANDS = _names(
    """install reinstall localinstall update upgrade update-minimal upgrade-minimal remove erase autoremove
    clean makecache check-update distro-sync downgrade info list search provides groupinstall groupremove
    groupupdate group groups module config-manager repolist repoquery builddep swap history mark"""
)
RPM_INSTALLS = _names(
    "install reinstall localinstall update upgrade update-minimal upgrade-minimal distro-sync downgrade groupinstall builddep swap"
)

# --- SUSE: zypper(8) ------------------------------------------------------------------------------------

ZYPPER_OPTIONS = Options(
    flags=_names(
        """n q y l f a v x i A non-interactive quiet gpg-auto-import-keys no-gpg-checks no-refresh no-confirm
        no-recommends recommends auto-agree-with-licenses auto-agree-with-product-licenses force
        force-resolution all allow-vendor-change replacefiles refresh check xmlout ignore-unknown
        no-abbrev download-only dry-run details"""
    ),
    # global `-R/--root`, `-D/--reposd-dir`, `-C/--cache-dir`, `-c/--config`, `-p/--plus-repo`,
    # `-s/--table-style`; `-t/--type`, `-r/--repo` of install and friends; `--name` of addrepo
    valued=_names(
        """R D C c p s t r root reposd-dir cache-dir raw-cache-dir solv-cache-dir pkg-cache-dir config
        releasever userdata plus-repo table-style type repo from name"""
    ),
    paths=_names("R D C c root reposd-dir cache-dir raw-cache-dir solv-cache-dir pkg-cache-dir config"),
)
ZYPPER_SUBCOMMANDS = _names(
    """install in remove rm refresh ref clean cc update up dist-upgrade dup addrepo ar removerepo rr
    modifyrepo mr patch addlock al source-install si install-new-recommends inr search se info if"""
)
ZYPPER_INSTALLS = _names("install in update up dist-upgrade dup patch source-install si install-new-recommends inr")

# --- Python: pip(1), `uv pip` ---------------------------------------------------------------------------
# the programs pip and CPython install: pip, pip3, pip3.12, python3.12, python2.7 (and the `py` launcher)
PIP_PROGRAM = re.compile(r"pip([23](\.\d+)?)?")
PYTHON_PROGRAM = re.compile(r"python([23](\.\d+)?)?|py")
# pip reads options with optparse, which takes any unambiguous prefix: `--no-cache` is `--no-cache-dir`.

PIP_OPTIONS = Options(
    flags=_names(
        """U q v I y upgrade quiet verbose user no-deps pre force-reinstall ignore-installed no-compile compile
        disable-pip-version-check break-system-packages no-warn-script-location no-warn-conflicts
        no-build-isolation use-pep517 no-use-pep517 prefer-binary no-input isolated no-clean
        ignore-requires-python no-cache-dir no-color require-hashes no-index yes dry-run no-cache"""
    ),
    valued=_names(
        """r c e f i t C requirement constraint editable find-links index-url extra-index-url trusted-host
        upgrade-strategy progress-bar timeout retries default-timeout root-user-action only-binary no-binary
        platform python-version implementation abi exists-action proxy target prefix root src cache-dir log
        log-file cert client-cert config-settings python use-feature use-deprecated keyring-provider
        resume-retries report"""
    ),
    paths=_names(
        "r c e f t requirement constraint editable find-links target prefix root src cache-dir log log-file cert client-cert report"
    ),
)
# `uv pip install` reads pip's options and adds its own
UV_PIP_OPTIONS = PIP_OPTIONS | Options(
    flags=_names("system no-cache strict"), valued=_names("p link-mode"), paths=frozenset()
)
PIP_SUBCOMMANDS = _names("install uninstall download wheel cache list freeze show check config inspect index hash")

# --- JavaScript: npm, yarn, pnpm ------------------------------------------------------------------------

NPM_OPTIONS = Options(
    flags=_names(
        """g f s q global unsafe-perm force silent quiet no-audit audit no-fund fund no-update-notifier
        update-notifier prefer-offline prefer-online legacy-peer-deps ignore-scripts no-save no-package-lock
        no-optional production strict-peer-deps no-bin-links foreground-scripts workspaces"""
    ),
    valued=_names("C w omit only include loglevel registry location cache prefix userconfig globalconfig workspace"),
    paths=_names("C cache prefix userconfig globalconfig"),
)
NPM_SUBCOMMANDS = _names(
    "install i add isntall ci clean-install uninstall remove rm un update up cache run exec config audit"
)
YARN_OPTIONS = Options(
    flags=_names(
        """frozen-lockfile immutable immutable-cache pure-lockfile production prod non-interactive silent
        ignore-scripts ignore-engines ignore-optional prefer-offline check-files no-progress check-cache
        inline-builds force verbose no-lockfile"""
    ),
    valued=_names("network-timeout mode registry cache-folder network-concurrency modules-folder cwd global-folder link-folder"),
    paths=_names("cache-folder modules-folder cwd global-folder link-folder"),
)
PNPM_OPTIONS = Options(
    flags=_names(
        """P D r w frozen-lockfile prod production dev ignore-scripts offline prefer-offline no-optional
        shamefully-hoist silent reporter-silent no-frozen-lockfile strict-peer-dependencies recursive
        workspace-root"""
    ),
    valued=_names("C F reporter loglevel registry network-concurrency dir filter"),
    paths=_names("C dir"),
)

# --- Python project tools: poetry, uv, pipenv -----------------------------------------------------------

POETRY_OPTIONS = Options(
    flags=_names(
        """n q v vv vvv no-root no-interaction no-ansi ansi no-dev sync all-extras all-groups no-cache compile
        no-directory only-root quiet verbose dry-run no-plugins"""
    ),
    valued=_names("E P C only without with extras project directory"),
    paths=_names("P C project directory"),
)
UV_SYNC_OPTIONS = Options(
    flags=_names(
        """q v no-dev frozen locked no-install-project no-install-workspace all-extras no-cache compile-bytecode
        no-editable inexact exact quiet verbose all-groups no-default-groups only-dev offline no-progress active
        all-packages"""
    ),
    valued=_names(
        "p extra group only-group no-group python link-mode index-url extra-index-url project directory package no-install-package"
    ),
    paths=_names("project directory"),
)
PIPENV_OPTIONS = Options(
    flags=_names("deploy system ignore-pipfile dev skip-lock clear verbose quiet v q"),
    valued=_names("r e python categories requirements"),
    paths=_names("r e requirements"),
)

# --- Ruby, PHP, Go --------------------------------------------------------------------------------------

GEM_OPTIONS = Options(
    flags=_names(
        """N f q V E r l b no-document no-ri no-rdoc conservative minimal-deps clear-sources no-user-install
        user-install force quiet verbose env-shebang no-format-executable remote system local both"""
    ),
    valued=_names("v s i n g version source platform document install-dir bindir file"),
    paths=_names("i n g install-dir bindir file"),
)
BUNDLE_OPTIONS = Options(
    flags=_names("deployment frozen no-cache clean quiet system full-index local redownload prefer-local"),
    valued=_names("j jobs retry without with path binstubs standalone gemfile"),
    paths=_names("path binstubs gemfile"),
)
COMPOSER_OPTIONS = Options(
    flags=_names(
        """n o a q v vv vvv no-scripts no-dev no-interaction prefer-dist prefer-source no-progress no-suggest
        optimize-autoloader classmap-authoritative apcu-autoloader no-autoloader ignore-platform-reqs
        no-plugins quiet no-ansi ansi audit no-audit dev strict-psr"""
    ),
    valued=_names("d ignore-platform-req audit-format prefer-install working-dir"),
    paths=_names("d working-dir"),
)
GO_MOD_DOWNLOAD_OPTIONS = Options(flags=_names("x json"))

# --- account tools: shadow's useradd(8), Debian's and BusyBox's adduser ------------------------------------
# (no package managers, but the rules read their options the same way)

USERADD_OPTIONS = Options(
    flags=_names(
        """D h l m M N o r U F btrfs-subvolume-home create-home no-create-home no-log-init no-user-group
        non-unique system user-group help defaults add-subids-for-system"""
    ),
    valued=_names(
        """b c d e f g G k K p P R s u Z base-dir comment home-dir home expiredate inactive gid groups skel
        key password prefix root shell uid selinux-user selinux-range"""
    ),  # `--home`: getopt_long takes the unambiguous prefix of --home-dir
    paths=_names("b d k P R base-dir home-dir home skel prefix root"),
)
ADDUSER_OPTIONS = Options(
    flags=_names(
        """D S H system group disabled-password disabled-login no-create-home quiet debug force-badname
        allow-badname allow-all-names add-extra-groups encrypt-home"""
    ),
    valued=_names(
        """h g s G u k home shell uid firstuid lastuid gid firstgid lastgid ingroup gecos comment conf
        extrausers"""
    ),
    paths=_names("h k home conf"),
)


MANAGERS: dict[str, PackageManager] = {
    m.name: m
    for m in (
        PackageManager("apt-get", APT_OPTIONS, APT_SUBCOMMANDS, APT_INSTALLS),
        PackageManager("apt", APT_OPTIONS, APT_SUBCOMMANDS, APT_INSTALLS),
        PackageManager("apt-cache", APT_OPTIONS, APT_SUBCOMMANDS),
        PackageManager("apk", APK_OPTIONS, APK_SUBCOMMANDS, _names("add fix upgrade")),
        *(
            PackageManager(n, RPM_OPTIONS, RPM_SUBCOMMANDS, RPM_INSTALLS, _names("group groups module"))
            for n in ("yum", "dnf", "microdnf", "tdnf")
        ),
        PackageManager("zypper", ZYPPER_OPTIONS, ZYPPER_SUBCOMMANDS, ZYPPER_INSTALLS),
        PackageManager("pip", PIP_OPTIONS, PIP_SUBCOMMANDS, _names("install")),
        PackageManager("uv-pip", UV_PIP_OPTIONS, PIP_SUBCOMMANDS | _names("sync compile"), _names("install sync")),
        PackageManager("npm", NPM_OPTIONS, NPM_SUBCOMMANDS, _names("install i add isntall ci clean-install")),
        PackageManager("yarn", YARN_OPTIONS, _names("install add cache"), _names("install add")),
        PackageManager("pnpm", PNPM_OPTIONS, _names("install i add fetch"), _names("install i add fetch")),
        PackageManager("gem", GEM_OPTIONS, _names("install update uninstall cleanup"), _names("install update")),
        PackageManager("bundle", BUNDLE_OPTIONS, _names("install"), _names("install")),
        PackageManager("composer", COMPOSER_OPTIONS, _names("install update require"), _names("install")),
        PackageManager("poetry", POETRY_OPTIONS, _names("install"), _names("install")),
        PackageManager("uv", UV_SYNC_OPTIONS, _names("sync pip"), _names("sync")),
        PackageManager("pipenv", PIPENV_OPTIONS, _names("install sync"), _names("install sync")),
        PackageManager("go", GO_MOD_DOWNLOAD_OPTIONS, _names("mod"), frozenset()),
    )
}
