from pathlib import Path

import dockerfile
import pytest

from tests.support.fixture_pairs import pairs, read


RULE = "legacy-key-value-format"


def _buildkit_word(text: str, escape: str = "\\") -> str:
    """BuildKit's reading of an ENV/LABEL value without `$` (shell/lex.go): quotes removed, the escape
    character taking the next character literally (inside double quotes only before `"`, `$` or
    itself), whitespace kept as written."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "'":
            end = text.index("'", i + 1)
            out.append(text[i + 1 : end])
            i = end + 1
        elif ch == '"':
            i += 1
            while text[i] != '"':
                if text[i] == escape and text[i + 1] in ('"', "$", escape):
                    i += 1
                out.append(text[i])
                i += 1
            i += 1
        elif ch == escape and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_values_are_kept(src: Path, expected: Path) -> None:
    """BuildKit reads the same value from the legacy form as from the new word; for plain words, bash
    (which reads quotes and escapes like BuildKit's word processing where there is no `$` to expand)
    agrees on the new word."""
    import subprocess

    def values(text: str) -> list[str]:
        return [c.value[1] for c in dockerfile.parse_string(text) if c.cmd in ("ENV", "LABEL")]

    compared = 0
    for old, new in zip(values(read(src)), values(read(expected)), strict=True):
        if "$" in old:
            continue  # expansion: BuildKit's reading of these is pinned by the fixture pairs
        assert _buildkit_word(new) == _buildkit_word(old)
        compared += 1
        if not any(ch in old for ch in "\\'\"*?["):
            word = subprocess.run(["bash", "-c", f"printf %s {new}"], capture_output=True, text=True, check=True).stdout
            assert word == old
    assert compared, "no value of this pair was compared"
