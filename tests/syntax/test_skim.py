"""Line continuation as BuildKit reads it, and `skim`, which cuts instructions out along those lines."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.rules.unpinned_base_image import _names_images, lookups, targets
from fixer.syntax import ParseError, parse
from fixer.syntax.parser import _Escape
from fixer.syntax.skim import skim
from tests.support.corpus import MISSING, SHARED, available, corpus_files, read


def _buildkit_trim(char: str, s: str) -> tuple[str, bool]:
    # BuildKit's definition (frontend/dockerfile/parser): `(^|[^E])E[ \t]*$`
    m = re.search("(?:^|[^" + re.escape(char) + "])(" + re.escape(char) + r"[ \t]*)$", s)
    return (s[: m.start(1)], False) if m else (s, True)


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(["\\", "`"]), st.text(alphabet="\\` \ta#\u00a0", max_size=8))
def test_continuation_is_read_as_buildkits_pattern_reads_it(char: str, line: str) -> None:
    assert _Escape(char).trim(line) == _buildkit_trim(char, line)


def _keep_from(keyword: str, instruction: str) -> bool:
    return keyword == "FROM"


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("FROM a\nRUN x\nFROM b\n", "FROM a\nFROM b\n"),
        # directives and the comments above the first instruction stay: the escape is the file's
        ("# escape=`\n# c\nRUN x `\n  FROM y\nFROM a `\n  AS b\n", "# escape=`\n# c\nFROM a `\n  AS b\n"),
        # continued, with comment and blank lines inside: the instruction is cut whole
        ("RUN a \\\n# FROM c\n\n  && b\nFROM \\\n  # x\n  img\n", "FROM \\\n  # x\n  img\n"),
        # a keyword continued mid-word is the keyword of the joined line
        ("FR\\\nOM a\nRUN b\n", "FR\\\nOM a\n"),
        # CRLF lines are kept as they are
        ("RUN a\r\nFROM b\r\n", "FROM b\r\n"),
        # an escaped escape ends the instruction: the next line is an instruction of its own
        ("RUN a \\\\\nFROM b\n", "FROM b\n"),
    ],
)
def test_skim_cuts_whole_instructions(text: str, cut: str) -> None:
    assert skim(text, _keep_from) == cut


def test_a_here_document_is_not_skimmed() -> None:
    # its body could read as instructions once the RUN above it is cut
    assert skim("RUN <<EOF\nFROM x\nEOF\nFROM a\n", _keep_from) is None


def _full(text: str) -> list[object] | None:
    try:
        return [t.ref for t in targets(parse(text))]
    except ParseError:
        return None


@pytest.mark.skipif(not available(), reason=MISSING)
def test_lookups_from_the_cut_are_the_lookups_of_the_whole_file() -> None:
    paths = list(corpus_files()) + sorted(p for p in (SHARED / "repos").rglob("*Dockerfile*") if p.is_file())
    compared, cut = 0, 0
    for path in paths:
        try:
            text = read(path)
        except UnicodeDecodeError:
            continue
        whole = _full(text)
        if whole is None:
            continue  # a file BuildKit rejects is reported when it is fixed; what it looks up is moot
        assert lookups(text) == whole, path
        compared += 1
        cut += skim(text, _names_images) is not None
    assert compared > 900 and cut > compared * 0.8
