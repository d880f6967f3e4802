"""BuildKit's expansion rules (shell/lex.go) and the scope of global ARGs."""

from __future__ import annotations

import pytest

from fixer.model.variables import declared, expand, expand_global, global_args, substitute
from fixer.syntax import parse

VALUES: dict[str, str | None] = {"A": "a", "EMPTY": "", "UNKNOWN": None}


@pytest.mark.parametrize(
    ("word", "closed", "expected"),
    [
        ("$A", True, "a"),
        ("${A}x", True, "ax"),
        ("pre-$A-post", True, "pre-a-post"),
        ("$MISSING", True, None),  # a FROM line: meant to come from --build-arg
        ("$MISSING", False, None),  # in a stage: the base image may set it
        ("${MISSING:-def}", True, "def"),
        ("${EMPTY:-def}", True, "def"),
        ("${EMPTY-def}", True, ""),  # set but empty: `-` keeps it
        ("${MISSING-def}", True, "def"),
        ("${A:+alt}", True, "alt"),
        ("${EMPTY:+alt}", True, ""),
        ("${EMPTY+alt}", True, "alt"),
        ("${MISSING+alt}", True, ""),
        ("${MISSING:-${A}z}", True, "az"),  # the word is expanded too
        ("${MISSING:-d}", False, None),  # in a stage the base image may set it
        ("${TARGETARCH:-amd64}", True, None),
        ("${A:?must be set}", True, "a"),
        ("${MISSING:?must be set}", True, None),  # the build fails
        ("${UNKNOWN}", True, None),
        ("${UNKNOWN:-d}", True, None),
        ("${A#a}", True, None),  # pattern removal is not evaluated
        ("$TARGETARCH", True, None),  # automatic platform ARGs are never known
        ("'$A'", True, "$A"),  # single quotes: literal
        ('"$A b"', True, "a b"),
        ('"x\\$A"', True, "x$A"),  # \$ escapes inside double quotes
        ('"x\\n"', True, "x\\n"),  # other escapes inside double quotes stay as written
        ("x\\$A", True, "x$A"),
        ("a\\ b", True, "a b"),
        ('"open', True, None),
        ("$", True, "$"),
        ("$1", True, ""),
        ("cost$", True, "cost$"),
    ],
)
def test_expand(word: str, closed: bool, expected: str | None) -> None:
    assert expand(word, VALUES, closed=closed) == expected


def test_expand_backtick_escape() -> None:
    assert expand("C:`$A", {"A": "x"}, "`", closed=True) == "C:$A"
    assert expand("C:\\$A", {"A": "x"}, "`", closed=True) == "C:\\x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$A/$B", "a/$B"),
        ("${B:-b}", "b"),
        ("${A:+y}", "y"),
        ("${B:+y}", ""),
        ("'$A'", "'a'"),  # no quote handling: a textual substitution
    ],
)
def test_substitute_keeps_unknown(text: str, expected: str) -> None:
    assert substitute(text, {"A": "a"}) == expected


def test_global_args_expand_in_order_and_keep_unknown_as_none() -> None:
    df = parse(
        'ARG REG=docker.io\nARG IMAGE="$REG/library/alpine"\nARG TAG\nARG LATE=$LATER\nARG LATER=x\n'
        "FROM $IMAGE:${TAG:-3.19}\nARG INSIDE=1\n"
    )
    assert global_args(df) == {
        "REG": "docker.io",
        "IMAGE": "docker.io/library/alpine",
        "LATE": None,  # expanded when declared: LATER did not exist yet
        "LATER": "x",
    }
    # TAG has no default: unset in a build without --build-arg, so the fallback applies
    assert expand_global(df, df.stages[0].base) == "docker.io/library/alpine:3.19"
    assert expand_global(df, "alpine:$TAG") is None  # a plain reference means --build-arg gives it


def test_global_args_stop_at_first_from() -> None:
    df = parse("ARG A=1\nFROM alpine\nARG B=2\nFROM $B\n")
    assert global_args(df) == {"A": "1"}
    assert expand_global(df, df.stages[1].base) is None  # a stage's ARG is not visible to FROM
    assert expand_global(df, "${B:-alpine}") == "alpine"


def test_arg_expanded_from_an_automatic_arg_is_unknown_not_unset() -> None:
    df = parse('ARG L=${TARGETPLATFORM#linux/amd64}\nARG L=${L:+"unsupported"}\nFROM exit-${L}\n')
    assert global_args(df) == {"L": None}
    assert expand_global(df, df.stages[0].base) is None


def test_declared() -> None:
    df = parse("FROM x\nARG A B=2 C=\"q r\"\nENV D=1 E='two words'\nENV F legacy value\n")
    arg, env, legacy = df.instructions[1:]
    assert declared(df, arg) == (("A", None), ("B", "2"), ("C", '"q r"'))
    assert declared(df, env) == (("D", "1"), ("E", "'two words'"))
    assert declared(df, legacy) == (("F", "legacy value"),)
