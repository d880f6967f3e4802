"""Every e2e fixture builds the same image before and after `dockfix --write`.

The fixtures live in fixtures/e2e/<name>/ (see harness.py for their header comments). A red
test prints what the fixture proves, dockfix's diff, and each difference between the images.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .buildah import Buildah
from .harness import TIMINGS, Fixture, compare_builds, fixer_command, load_fixtures, prepare_context, run_fixer, unified_diff

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "e2e"


def _fixtures() -> list[Any]:
    # a fixture with a wheels.txt downloads its wheels from the package index (once, then from the cache)
    return [
        pytest.param(f, id=f.name, marks=[pytest.mark.network] if (f.path / "wheels.txt").is_file() else [])
        for f in load_fixtures(FIXTURES)
    ]


@pytest.mark.parametrize("fixture", _fixtures())
def test_fixed_dockerfile_builds_an_equivalent_image(
    fixture: Fixture, buildah: Buildah, e2e_cache: Path, tmp_path: Path
) -> None:
    if fixer_command() is None:
        pytest.skip("e2e: dockfix's CLI (fixer.cli) does not exist yet")
    original = prepare_context(fixture, tmp_path / "original", e2e_cache)
    fixed = prepare_context(fixture, tmp_path / "fixed", e2e_cache)
    fixer_output = run_fixer(fixed / "Dockerfile", fixture.fix_args)
    diff = unified_diff((original / "Dockerfile").read_text(), (fixed / "Dockerfile").read_text())

    report = compare_builds(buildah, (original / "Dockerfile", original), (fixed / "Dockerfile", fixed),
                            expect_failure=fixture.expect_failure)
    verdict = "ok" if not report.problems else f"{len(report.problems)} problem(s)"
    TIMINGS.append(f"{fixture.name}: {report.summary()}{'' if diff else ' (dockfix changed nothing)'}: {verdict}")

    assert not report.problems, (
        f"{fixture.name}: {fixture.proves}\n\n"
        f"dockfix --write {' '.join(fixture.fix_args)}:\n{fixer_output}\n{diff or '(no change)'}\n"
        "differences:\n" + "\n".join(f"  - {p}" for p in report.problems)
    )
