"""BuildKit's own parser test files: our tree, read through `buildkit.node_of`, must print BuildKit's AST dump.

Each moby/buildkit testfiles/<case>/ directory holds a Dockerfile and `result`, the dump BuildKit's
parser produces for it. Matching it byte for byte shows that we split keywords, flags and arguments,
tell JSON from shell form and read ENV/LABEL pairs exactly as Docker does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.syntax import ParseError, parse
from fixer.syntax.buildkit import Node, dump, dump_node, go_quote, node_of, parse_node
from tests.support.corpus import buildkit_cases, corpus_params, params, read


def _nodes(text: str) -> list[Node]:
    df = parse(text)
    return [node_of(instr, df.escape) for instr in df.instructions]


@pytest.mark.parametrize("case", params(buildkit_cases("testfiles")))
def test_dump_matches_buildkit_result(case: Path) -> None:
    assert dump(_nodes(read(case / "Dockerfile"))) == read(case / "result")


@pytest.mark.parametrize("case", params(buildkit_cases("testfiles-negative")))
def test_buildkit_negative_case_is_rejected(case: Path) -> None:
    text = read(case / "Dockerfile")
    with pytest.raises(ParseError) as caught:
        parse(text)
    err = caught.value
    assert err.reason
    assert 0 <= err.line <= text.count("\n") + 1
    assert str(err) == f"line {err.line}: {err.reason}"


@pytest.mark.parametrize("case", params(buildkit_cases("testfiles-negative")))
def test_negative_case_fails_for_the_reason_buildkit_gives(case: Path) -> None:
    oracle = pytest.importorskip("dockerfile")
    text = read(case / "Dockerfile")
    with pytest.raises(oracle.GoParseError) as theirs:
        oracle.parse_string(text)
    with pytest.raises(ParseError) as ours:
        parse(text)
    assert ours.value.reason == str(theirs.value)


# strconv.Quote cases from Go's documentation and its quote tests
@pytest.mark.parametrize(
    ("raw", "quoted"),
    [
        ("\"Fran & Freddie's Diner\t☺\"", '"\\"Fran & Freddie\'s Diner\\t☺\\""'),
        ("\x00\x07\x1b\x7f", r'"\x00\a\x1b\x7f"'),
        ("\\", r'"\\"'),
        ("\u00a0\u2028\ufeff", r'"\u00a0\u2028\ufeff"'),
        ("\U000e0001\U0001f600", '"\\U000e0001\U0001f600"'),
        ("\ufffd", '"\ufffd"'),
        ("a\udcc3b", r'"a\xc3b"'),  # an undecodable byte carried through surrogateescape
    ],
)
def test_go_quote(raw: str, quoted: str) -> None:
    assert go_quote(raw) == quoted


def test_onbuild_nests_its_trigger_and_dumps_like_buildkit() -> None:
    node = parse_node('ONBUILD --x=1 COPY --from=a ["s", "d"]')
    sub = node.sub
    assert sub is not None
    assert (node.flags, sub.flags, sub.json, sub.words()) == (["--x=1"], ["--from=a"], True, ["s", "d"])
    assert dump([node]) == '(onbuild ["--x=1"] (copy ["--from=a"] "s" "d"))\n'


def test_env_pairs_keep_quotes_and_tell_legacy_from_assignment_form() -> None:
    assert parse_node('ENV a="b c" d=e').items() == [("a", '"b c"'), ("d", "e")]
    assert parse_node("ENV a b c").items() == [("a", "b c")]
    assert parse_node("ENV a b c").next[-1] == "" and parse_node("ENV a=b").next[-1] == "="


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("ENV a", "ENV must have two arguments"),
        ("LABEL a", "LABEL must have two arguments"),
        ("ENV a=b c", "Syntax error - can't find = in \"c\". Must be of the form: name=value"),
        ('RUN ["a", 1]', "when using JSON array syntax, arrays must be comprised of strings only"),
        ("ONBUILD ENV x", "ENV must have two arguments"),
    ],
)
def test_arguments_buildkit_rejects(line: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_node(line, line=7)
    assert (caught.value.line, caught.value.reason) == (7, reason)


@pytest.mark.parametrize("path", corpus_params())
def test_the_parsers_node_is_the_node_of_the_joined_line(path: Path) -> None:
    # rules read the node the parser built (node_of); it must be the one BuildKit builds from the line
    try:
        df = parse(read(path))
    except ParseError:
        return
    for instr in df.instructions:
        assert instr.node is not None
        node, built = node_of(instr, df.escape), parse_node(instr.logical, df.escape)
        assert (dump_node(node), node.json, node.pairs) == (dump_node(built), built.json, built.pairs), instr.logical
