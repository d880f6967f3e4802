"""`fixer.shell.plain` reads plain command lists without bashlex: where it answers, bashlex must agree.

The check is differential: `with_bashlex` is the parse as it was before the fast path (bashlex's tree
converted and cross-checked against the lexer), and `plain` may only answer for scripts on which that
parse succeeds with the very same nodes. Anything else must be left to bashlex (None).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.shell.lexer import LexError, tokenize
from fixer.shell.model import CommandList
from fixer.shell.parse import ShellParseError, parse, with_bashlex
from fixer.layering.effects import Unrecognised, flatten
from fixer.shell.plain import beyond_simple, plain
from fixer.syntax import ParseError
from fixer.syntax import parse as parse_dockerfile
from tests.support.corpus import MISSING, SHARED, available, corpus_files, read


def _bashlex(script: str) -> CommandList | None:
    """The parse without the fast path: None where it raises."""
    try:
        tokens = tokenize(script)
        if not any(t.kind in ("word", "op") for t in tokens):
            return CommandList([])  # as `parse` answers before either reader is asked
        return with_bashlex(script, tokens)
    except (ShellParseError, LexError):
        return None


def _plain(script: str) -> CommandList | None:
    try:
        return plain(tokenize(script))
    except LexError:
        return None


def _lexes(script: str) -> bool:
    try:
        tokenize(script)
    except LexError:
        return False
    return True


def _agrees(script: str) -> bool:
    """False when `plain` answers and the answer is not bashlex's."""
    fast = _plain(script)
    return fast is None or fast == _bashlex(script)


@pytest.mark.parametrize(
    "script",
    [
        "apt-get update && apt-get install -y curl",
        "a | b || c; d & e",
        "cd /src;",
        "FOO=1 BAR+=2 cmd x=1 | d 2> e",
        "a 2>&1 >/dev/null && b >&2 x; c &> f &>> g",
        "cmd <f >>g 3<>h i>|j",
        ">out cmd arg",
        "X=1",
        "echo 'single $V' \"double ${V:-x}\" $V a\\ b",
        ">f x=1 cmd",
        "x=1 >f x=1",
        "pip install -r requirements.txt # a comment at the end",
        "find . -name '*.pyc' -exec rm {} \\;",
    ],
)
def test_plain_lists_are_read_as_bashlex_reads_them(script: str) -> None:
    fast = _plain(script)
    assert fast is not None
    assert fast == _bashlex(script)


@pytest.mark.parametrize(
    "script",
    [
        "if true; then a; fi",
        "for x in 1 2; do echo $x; done",
        "{ a; b; }",
        "(cd /x && make)",
        "! grep x f",
        "echo $(uname -m)",
        "echo `date`",
        "echo $((1 + 2))",
        "diff <(a) <(b)",
        "a\nb",
        "cat <<EOF\nx\nEOF",
        "a |& b",
        "case $x in a) b;; esac",
        "a &&",
        "&& a",
        "a | | b",
        "a >",
        "a[1]=x cmd",
        "cmd >&file",
        "f() { a; }",
        "time make",
        "[[ -f x ]] && y",
        "echo $'a\\tb'",
        "echo 'not run: $(x)'",
        "a } }",
        "a;#c b",
    ],
)
def test_what_is_not_a_plain_list_is_left_to_bashlex(script: str) -> None:
    assert _plain(script) is None


def _corpus_scripts() -> Iterator[str]:
    seen: set[str] = set()
    paths = list(corpus_files()) + sorted(p for p in (SHARED / "repos").rglob("*Dockerfile*") if p.is_file())
    for path in paths:
        try:
            df = parse_dockerfile(read(path))
        except (ParseError, UnicodeDecodeError):
            continue
        for instr in df.instructions:
            carrier = instr.sub if instr.sub is not None else instr
            if carrier.cmd == "RUN" and not carrier.json and carrier.args not in seen:
                seen.add(carrier.args)
                yield carrier.args


@pytest.mark.skipif(not available(), reason=MISSING)
def test_every_corpus_script_plain_reads_is_read_alike_by_bashlex() -> None:
    scripts = list(_corpus_scripts())
    answered = [s for s in scripts if _plain(s) is not None]
    wrong = [s[:120] for s in answered if _plain(s) != _bashlex(s)]
    assert wrong == []
    # the fast path is worth having only if it reads most scripts (1,400 of 1,750 when written)
    assert len(answered) > len(scripts) // 2


_WORDS = st.sampled_from(
    ["a", "make", "x=1", "FOO=bar", "A+=b", "'q q'", '"d $V"', "$V", "${V}", "1", "-", "-f", "/dev/null", "a\\ b", "}",
     "{}", "if", "in", "time", "!", "[[", "]]", "#c", "a#b", "=x", "x[1]=2", "{a,b}", "$((1))", "~", "*.py", '"$@"']
)  # fmt: skip
_JOINS = st.sampled_from([" && ", " || ", "; ", " ; ", " & ", " | ", " ", "  ", ";", "&", "|"])
_REDIRECTS = st.sampled_from(
    [" >f", " > f", " 2>&1", " 2>/dev/null", " >&2", " <in", " >>log", " &>out", " 3<>h", "", " 2>&-", " >|x", " 10>x"]
)


@st.composite
def _scripts(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        words = draw(st.lists(_WORDS, min_size=1, max_size=4))
        parts.append(" ".join(words) + draw(_REDIRECTS) + draw(_JOINS))
    return "".join(parts) + draw(st.sampled_from(["", ";", " # c", " &&"]))


@settings(max_examples=500, deadline=None)
@given(_scripts())
def test_generated_scripts_plain_reads_are_read_alike_by_bashlex(script: str) -> None:
    assert _agrees(script)


def _not_simple(script: str) -> bool:
    """What `beyond_simple` claims, asked of the parser: bashlex fails, or the script has a compound or
    a substitution that `flatten` (the caller that accepts only simple commands) refuses."""
    try:
        flatten([parse(script).body])
    except (ShellParseError, Unrecognised):
        return True
    return False


@pytest.mark.parametrize(
    ("script", "beyond"),
    [
        ("set -eux; saved=\"$(apt-mark showmanual)\"; apt-get update", True),
        ("if [ -f x ]; then a; fi", True),
        ("a && for i in 1 2; do b; done", True),
        ("while true; do a; done", True),
        ("f() { a; }", True),
        ("echo `date`", True),
        ("diff <(a) b", True),
        ("[[ -f x ]] && a", True),
        ("echo if for while", False),
        ("echo '$(not run)' \\$(x)", False),
        ("echo $((1 + 2))", False),
        ("echo ${x:-$(y)}", False),
        ("(cd /x && make) && { a; b; }", False),
        ("FOO=1 if", False),
        (">f for", False),
    ],
)
def test_what_is_beyond_simple_commands_is_seen_in_the_tokens(script: str, beyond: bool) -> None:
    assert (beyond_simple(tokenize(script)) is not None) is beyond
    if beyond:
        assert _not_simple(script)


@pytest.mark.skipif(not available(), reason=MISSING)
def test_every_corpus_script_beyond_simple_commands_is_refused_by_the_parser_too() -> None:
    claimed = [s for s in _corpus_scripts() if _lexes(s) and beyond_simple(tokenize(s)) is not None]
    assert len(claimed) > 100, "the corpus has many such scripts"
    assert [s[:120] for s in claimed if not _not_simple(s)] == []


_PIECES = st.sampled_from(
    ["a", "b c", "x=$(d)", "echo \"$(e | f)\"", "echo '$(g)'", "if a; then b; fi", "for i in 1; do c; done",
     "( d )", "{ e; }", "echo if", "FOO=1", "g() { h; }", "echo `i`", "echo $((1))", "while a; do b; done", "! a",
     "echo ${x:-$(y)}", "case a in b) c;; esac", "time a", "a >$(c)", "function f { a; }"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=4), st.lists(_JOINS, min_size=4, max_size=4))
def test_generated_scripts_beyond_simple_commands_are_refused_by_the_parser_too(
    pieces: list[str], joins: list[str]
) -> None:
    script = "".join(p + j for p, j in zip(pieces, joins)).rstrip(" |&;")
    if _lexes(script) and beyond_simple(tokenize(script)) is not None:
        assert _not_simple(script)
