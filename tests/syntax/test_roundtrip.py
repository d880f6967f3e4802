"""The tree is lossless: str(parse(text)) == text, byte for byte, for every input that parses."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixer.engine.pipeline import fix_text
from fixer.syntax import ParseError, parse
from tests.support import corpus


@pytest.mark.parametrize("path", corpus.params(corpus.corpus_files()))
def test_corpus_round_trip(path: Path) -> None:
    text = corpus.read(path)
    try:
        df = parse(text)
    except ParseError:
        pytest.skip("BuildKit rejects this file too (see test_oracle)")
    assert str(df) == text
    # every byte is owned by exactly one node, in order
    assert "".join(str(n) for n in df.nodes) == text.removeprefix("\ufeff")
    # with every rule off, the pipeline gives back the input
    assert fix_text(text, []).output == text


KEYWORDS = ["FROM", "RUN", "run", "COPY", "ADD", "ENV", "LABEL", "CMD", "WORKDIR", "ONBUILD RUN", "USER"]
WORDS = st.sampled_from(
    ["a", "b=c", "--mount=type=cache,target=/x", '"q s"', "'s q'", "&&", "#", "x#y", "$V", "[\"j\"]", "<<EOF", "<<-'E'", "\t"]
)


@st.composite
def dockerfile_texts(draw: st.DrawFn) -> str:
    esc = draw(st.sampled_from(["\\", "`"]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    out: list[str] = []
    if esc == "`":
        out.append("# escape=`" + eol)
    if draw(st.booleans()):
        out.append("\ufeff" + "# syntax=docker/dockerfile:1" + eol if not out else "")
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["instr", "comment", "blank", "heredoc"]))
        if kind == "comment":
            out.append("# " + draw(WORDS) + eol)
        elif kind == "blank":
            out.append(draw(st.sampled_from(["", "  ", "\t"])) + eol)
        elif kind == "heredoc":
            dash = draw(st.booleans())
            body = draw(st.lists(st.sampled_from(["echo hi", "\tindented", "", "EOFX"]), max_size=3))
            out.append(f"RUN <<{'-' if dash else ''}EOF" + eol)
            out.extend(b + eol for b in body)
            out.append(("\tEOF" if dash else "EOF") + eol)
        else:
            parts = [draw(st.sampled_from(KEYWORDS))] + draw(st.lists(WORDS, min_size=1, max_size=4))
            n_cont = draw(st.integers(0, 3))
            line = " ".join(parts)
            for _ in range(n_cont):
                line += " " + esc + draw(st.sampled_from(["", " ", " \t"])) + eol
                if draw(st.booleans()):
                    line += draw(st.sampled_from(["  # inner comment", "", "   "])) + eol
                line += "  " + draw(WORDS)
            out.append(line + eol)
    text = "".join(out)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfile_texts())
def test_generated_round_trip(text: str) -> None:
    try:
        df = parse(text)
    except ParseError:
        return
    assert str(df) == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("RUN FROM\\`#<>EOF\n\r\t '\"-=$[]x")), max_size=200))
def test_arbitrary_text_round_trips_or_errors(text: str) -> None:
    try:
        df = parse(text)
    except ParseError as e:
        assert e.line >= 1 and e.reason
        return
    assert str(df) == text


def _parse_seconds(text: str) -> float:
    t0 = time.process_time()
    parse(text)
    return time.process_time() - t0


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda n: "FROM a\nRUN x \\\n" + "  y \\\n" * n + "  z\n", id="continuations"),
        pytest.param(lambda n: "FROM a\nRUN <<EOF\n" + "echo hi\n" * n + "EOF\n", id="heredoc"),
        pytest.param(lambda n: "FROM a\n" + "# c\n" * n + "RUN x\n", id="comments"),
        pytest.param(lambda n: "FROM a\n" + "RUN x\n" * n, id="instructions"),
    ],
)
def test_parse_time_is_linear(make: object) -> None:
    """100,000 lines parse, and ten times the input costs about ten times the time, not a hundred."""
    assert callable(make)
    small = min(_parse_seconds(make(10_000)) for _ in range(3))
    big = min(_parse_seconds(make(100_000)) for _ in range(2))
    assert big < 25 * max(small, 1e-3), f"10x input took {big / small:.1f}x the time"
