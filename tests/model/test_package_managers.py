"""One option table per package manager, read the way getopt reads options (fixer.model.package_managers)."""

from __future__ import annotations

import pytest

from fixer.model.package_managers import (
    APK_OPTIONS,
    APT_OPTIONS,
    MANAGERS,
    PIP_OPTIONS,
    RPM_OPTIONS,
    USERADD_OPTIONS,
    ZYPPER_OPTIONS,
    OptionError,
    Options,
)
from fixer.shell.model import Word


def _w(*values: str) -> list[Word]:
    return [Word(v, v, 0, len(v)) for v in values]


@pytest.mark.parametrize(
    ("options", "word", "takes"),
    [
        (APT_OPTIONS, "-o", True),
        (APT_OPTIONS, "-oDebug=1", False),
        (APT_OPTIONS, "-qo", True),  # the value letter ends the cluster
        (APT_OPTIONS, "-yq", False),
        (APT_OPTIONS, "--option", True),
        (APT_OPTIONS, "--option=x", False),
        (APT_OPTIONS, "-P", True),  # build profiles
        (APT_OPTIONS, "--solver", True),
        (APK_OPTIONS, "--from", True),
        (APK_OPTIONS, "--timeout", True),
        (APK_OPTIONS, "--progress-fd", True),
        (APK_OPTIONS, "-U", False),
        (RPM_OPTIONS, "-R", True),  # --randomwait minutes
        (RPM_OPTIONS, "-C", False),  # --cacheonly
        (RPM_OPTIONS, "--disableexcludes", True),
        (ZYPPER_OPTIONS, "-R", True),  # --root
        (ZYPPER_OPTIONS, "-n", False),
        (PIP_OPTIONS, "-r", True),
        (PIP_OPTIONS, "--python", True),
    ],
)
def test_takes_value(options: Options, word: str, takes: bool) -> None:
    assert options.takes_value(word) is takes


def test_split_reads_clusters_attached_values_and_double_dash() -> None:
    opts, operands = APT_OPTIONS.split(_w("-yqoA=1", "--target-release", "bookworm", "install", "--", "-x"))
    assert opts == [("y", ""), ("q", ""), ("o", "A=1"), ("target-release", "bookworm")]
    assert [w.value for w in operands] == ["install", "-x"]


def test_split_stops_at_operand() -> None:
    _, operands = Options(frozenset({"v"})).split(_w("-v", "cmd", "-x"), stop_at_operand=True)
    assert [w.value for w in operands] == ["cmd", "-x"]


@pytest.mark.parametrize(
    ("words", "refused", "message"),
    [
        (("--nope",), frozenset(), "unknown option `--nope`"),
        (("-c", "/etc/apt.conf"), APT_OPTIONS.paths, "`-c` names files we cannot see"),
        (("-o",), frozenset(), "`-o` lacks its value"),
    ],
)
def test_split_is_strict(words: tuple[str, ...], refused: frozenset[str], message: str) -> None:
    with pytest.raises(OptionError, match=message):
        APT_OPTIONS.split(_w(*words), refused=refused)


def test_operand_index_is_lenient() -> None:
    words = _w("--unknown", "-o", "X", "install")
    assert APT_OPTIONS.operand_index(words, 0) == 3


@pytest.mark.parametrize("manager", sorted(MANAGERS))
def test_tables_are_consistent(manager: str) -> None:
    m = MANAGERS[manager]
    assert m.options.paths <= m.options.valued, "a path option takes a value"
    assert m.installs <= m.subcommands
    assert m.two_word <= m.subcommands


@pytest.mark.parametrize(
    ("words", "uid", "operands"),
    [
        (("-l", "-u", "100000", "bob"), "100000", ["bob"]),
        (("-lu100000", "bob"), "100000", ["bob"]),
        (("--uid=7", "--btrfs-subvolume-home", "bob"), "7", ["bob"]),  # a flag, not a value option
        (("--home", "/srv/bob", "-u", "9", "bob"), "9", ["bob"]),  # getopt prefix of --home-dir
        (("--frobnicate", "-u", "9", "bob"), "9", ["bob"]),  # lenient: unknown options are flags
        (("bob", "-u"), "", ["bob"]),  # lenient: a missing value is empty
    ],
)
def test_lenient_split_of_useradd(words: tuple[str, ...], uid: str, operands: list[str]) -> None:
    opts, rest = USERADD_OPTIONS.split(_w(*words), lenient=True)
    assert [v for n, v in opts if n in ("u", "uid")][-1] == uid
    assert [w.value for w in rest] == operands
