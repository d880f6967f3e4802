"""A fix never makes a fixture's image larger, nor a rebuild after a source edit re-run more RUN steps.

Issue 16: smaller images and faster rebuilds are what the fixes are for; `make bench-build` prints the
figures, this test holds the line on each fixture.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .buildah import Buildah
from .harness import Fixture, fixer_command, load_fixtures
from .rebuild import pair_cost

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "e2e"


# Known costs, each a finding for the rule's owner; strict: the test says so once the rule is fixed.
KNOWN = {
    # DF005 inserts the user-creation RUN after the COPYs, so every source edit re-runs it (0 -> 1 steps);
    # before the first COPY of project files it would stay cached
    "nonroot-runs-cmd": "DF005's useradd RUN lands after the COPYs: a source edit re-runs it",
}


def _cases() -> list[object]:
    return [
        pytest.param(f, marks=pytest.mark.xfail(reason=KNOWN[f.name], strict=True)) if f.name in KNOWN else f
        for f in load_fixtures(FIXTURES)
        if not f.expect_failure
    ]


@pytest.mark.parametrize("fixture", _cases(), ids=lambda f: f.name)
def test_fix_costs_no_image_size_and_no_rebuild_steps(
    fixture: Fixture, buildah: Buildah, e2e_cache: Path, tmp_path: Path
) -> None:
    if fixer_command() is None:
        pytest.skip("e2e: dockfix's CLI (fixer.cli) does not exist yet")
    cost = pair_cost(buildah, fixture, tmp_path, e2e_cache)
    assert cost.original.ok, f"{fixture.name}: the original does not build:\n{cost.original.log[-3000:]}"
    assert not cost.problems(), f"{fixture.name}:\n" + "\n".join(cost.problems()) + "\n" + cost.fixed.log[-3000:]
