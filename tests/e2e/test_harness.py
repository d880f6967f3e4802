"""The comparison itself, checked with hand-made Dockerfile pairs built for real.

If two builds of one Dockerfile compared unequal, every red fixture would be noise; if a
broken pair compared equal, every green one would be. Both directions are tested here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .buildah import Buildah
from .compare import file_digest
from .harness import TIMINGS, PairReport, Side, build_sides, compare_builds, compare_sides

pytestmark = pytest.mark.e2e


def _pair(tmp_path: Path, original: str, fixed: str, files: dict[str, str] | None = None,
          modes: dict[str, int] | None = None) -> tuple[tuple[Path, Path], tuple[Path, Path]]:
    sides = []
    for name, text in (("original", original), ("fixed", fixed)):
        context = tmp_path / name
        context.mkdir(parents=True)
        (context / "Dockerfile").write_text(text)
        for rel, content in (files or {}).items():
            (context / rel).write_text(content)
            (context / rel).chmod((modes or {}).get(rel, 0o644))
        sides.append((context / "Dockerfile", context))
    return sides[0], sides[1]


def _compare(buildah: Buildah, name: str, pair: tuple[tuple[Path, Path], tuple[Path, Path]],
             expect_failure: bool = False) -> PairReport:
    report = compare_builds(buildah, *pair, expect_failure=expect_failure)
    TIMINGS.append(f"harness {name}: {report.summary()}")
    return report


APT_DOCKERFILE = """\
FROM debian:12
RUN apt-get update
RUN apt-get install -y --no-install-recommends file
COPY data.txt /opt/data.txt
CMD ["file", "--brief", "/opt/data.txt"]
"""
# What the rules aim at: merged update+install, lists removed, a non-root user added.
FAITHFUL_FIX = """\
FROM debian:12
RUN apt-get update \\
    && apt-get install -y --no-install-recommends file \\
    && rm -rf /var/lib/apt/lists/*
COPY data.txt /opt/data.txt
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-log-init --create-home app
USER 10001:10001
CMD ["file", "--brief", "/opt/data.txt"]
"""


@pytest.fixture(scope="module")
def apt_builds(buildah: Buildah, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Side, str]]:
    """One original apt build, a second build of it, and a faithful fix: built once, compared twice."""
    sides = []
    for name, text in (("original", APT_DOCKERFILE), ("again", APT_DOCKERFILE), ("faithful", FAITHFUL_FIX)):
        context = tmp_path_factory.mktemp(name)
        (context / "Dockerfile").write_text(text)
        (context / "data.txt").write_text("plain text\n")
        sides.append((context / "Dockerfile", context, name))
    built = build_sides(buildah, *sides)
    return {side[2]: (result, file_digest(side[0])) for side, result in zip(sides, built)}


def _compare_apt(apt_builds: dict[str, tuple[Side, str]], fixed: str) -> PairReport:
    (a, a_digest), (b, b_digest) = apt_builds["original"], apt_builds[fixed]
    report = compare_sides(a, b, (a_digest, b_digest))
    TIMINGS.append(f"harness apt original vs {fixed}: {report.summary()}")
    return report


def test_two_builds_of_one_dockerfile_are_equivalent(apt_builds: dict[str, tuple[Side, str]]) -> None:
    # apt, dpkg triggers, ldconfig and a COPY: everything a build leaves that changes from run to run
    report = _compare_apt(apt_builds, "again")
    assert report.problems == []
    assert report.original.image is not None and report.original.image.run == (0, "ASCII text\n")


def test_a_faithful_fix_is_equivalent(apt_builds: dict[str, tuple[Side, str]]) -> None:
    assert _compare_apt(apt_builds, "faithful").problems == []


def test_every_kind_of_difference_is_reported(buildah: Buildah, tmp_path: Path) -> None:
    original = """\
FROM debian:12
ENV MODE=one
RUN echo a > /content && touch /mode /owner /gone
CMD ["cat", "/content"]
"""
    fixed = """\
FROM debian:12
ENV MODE=two
RUN echo b > /content && touch /mode /owner /extra && chmod 600 /mode && chown nobody /owner
USER ghost
CMD ["cat", "/content"]
"""
    report = _compare(buildah, "broken fix", _pair(tmp_path, original, fixed))
    text = "\n".join(report.problems)
    assert "config Env:" in text and "MODE=two" in text
    assert "USER 'ghost' names a user missing" in text
    assert "changed:          /content: content" in text
    assert "changed:          /mode: mode 420 -> 384" in text
    assert "changed:          /owner: uid 0 -> 65534" in text
    assert "only in original: /gone" in text
    assert "only in fixed:    /extra" in text
    # buildah refuses to run as a user the image lacks, so the CMD's result differs too
    assert "running ENTRYPOINT+CMD: (0, 'a\\n') -> (" in text


def test_a_user_that_cannot_run_the_cmd_file_is_reported(buildah: Buildah, tmp_path: Path) -> None:
    # The non-root trap: the USER exists, the files are the same, but CMD's script is 0700 root.
    original = 'FROM debian:12\nCOPY run.sh /run.sh\nCMD ["/run.sh"]\n'
    fixed = 'FROM debian:12\nCOPY run.sh /run.sh\nUSER nobody\nCMD ["/run.sh"]\n'
    files = {"run.sh": "#!/bin/sh\necho ran\n"}
    report = _compare(buildah, "CMD file not runnable", _pair(tmp_path, original, fixed, files, {"run.sh": 0o700}))
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].startswith("running ENTRYPOINT+CMD: (0, 'ran\\n') -> (")


def test_a_fix_that_breaks_the_build_is_reported(buildah: Buildah, tmp_path: Path) -> None:
    original = "FROM debian:12\nRUN mkdir /data\nRUN touch /data/x\n"
    fixed = "FROM debian:12\nRUN touch /data/x\n"
    report = _compare(buildah, "fix breaks build", _pair(tmp_path, original, fixed))
    assert report.problems and report.problems[0].startswith("the original builds but the fixed Dockerfile fails")
    assert "/data/x" in report.problems[0]  # the failing build's log says what went wrong


def test_expected_failures_must_fail_on_both_sides(buildah: Buildah, tmp_path: Path) -> None:
    failing = "FROM debian:12\nRUN test -e /nonexistent\nRUN echo a; echo b\n"
    naive_merge = "FROM debian:12\nRUN test -e /nonexistent && echo a; echo b\n"
    assert _compare(buildah, "both fail", _pair(tmp_path / "a", failing, failing), expect_failure=True).problems == []
    report = _compare(buildah, "fix hides failure", _pair(tmp_path / "b", failing, naive_merge), expect_failure=True)
    assert report.problems == ["the original fails but the fixed Dockerfile builds"]
