from pathlib import Path

import dockerfile
import pytest

from tests.support.fixture_pairs import pairs, read


RULE = "legacy-key-value-format"


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_values_are_kept(src: Path, expected: Path) -> None:
    """The value BuildKit's parser reads from the legacy form equals the new word after quote removal,
    done here by bash (which reads quotes and escapes like BuildKit's word processing where there is
    no `$` or glob to expand)."""
    import subprocess

    def values(text: str) -> list[str]:
        return [c.value[1] for c in dockerfile.parse_string(text) if c.cmd in ("ENV", "LABEL")]

    for old, new in zip(values(read(src)), values(read(expected)), strict=True):
        if any(ch in old for ch in "$\\'\"*?["):
            continue  # BuildKit's own reading of these is pinned by the fixture pairs
        word = subprocess.run(["bash", "-c", f"printf %s {new}"], capture_output=True, text=True, check=True).stdout
        assert word == old
