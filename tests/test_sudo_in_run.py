from pathlib import Path

import dockerfile
import pytest

from tests.fixture_pairs import check_keep, check_pair, keeps, pairs, read
from tests.reported_cases import check_reported

RULE = "sudo-in-run"


@pytest.mark.parametrize("src,expected", pairs(RULE))
def test_fixes(src: Path, expected: Path) -> None:
    check_pair(src, expected, RULE)
    dockerfile.parse_string(read(expected))  # BuildKit's parser accepts the fixed file


@pytest.mark.parametrize("src", keeps(RULE))
def test_keeps(src: Path) -> None:
    check_keep(src, RULE)
    check_reported(src, RULE)
