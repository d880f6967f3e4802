from pathlib import Path

import dockerfile
import pytest

from tests.support.fixture_pairs import pairs, read


RULE = "maintainer-deprecated"


def _label_value(word: str, escape: str) -> str:
    """BuildKit's reading of a double-quoted word: the escape character protects the next character."""
    assert word.startswith('"') and word.endswith('"')
    out, i, body = [], 0, word[1:-1]
    while i < len(body):
        if body[i] == escape and i + 1 < len(body) and body[i + 1] in ('"', "$", escape):
            i += 1
        out.append(body[i])
        i += 1
    return "".join(out)


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_label_holds_the_maintainer_text(src: Path, expected: Path) -> None:
    before = [c for c in dockerfile.parse_string(read(src)) if c.cmd == "MAINTAINER"]
    after = [c for c in dockerfile.parse_string(read(expected)) if c.cmd == "LABEL"][-len(before) :]
    escape = "`" if "escape=`" in read(src) else "\\"
    for m, label in zip(before, after, strict=True):
        assert label.value[0] == "org.opencontainers.image.authors"
        assert _label_value(label.value[1], escape) == m.value[0]
