"""Checks for fixtures whose finding must be reported with an unsafe fix, or with none at all.

A `CASE.keep.Dockerfile` named `*-safe-only` must stay unchanged by safe fixes while the rule still
reports it with an unsafe fix; one named `*-report-only` must be reported with no fix."""

from __future__ import annotations

from pathlib import Path

from tests.support.fixture_pairs import read, run


def check_reported(src: Path, rule: str) -> None:
    stem = src.name.split(".")[0]
    findings = run(read(src), rule, path=src).findings
    if stem.endswith("-safe-only"):
        assert findings and all(f.applicability == "unsafe" for f in findings), findings
    elif stem.endswith("-report-only"):
        assert findings and all(f.fix is None for f in findings), findings
