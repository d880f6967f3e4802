"""`make bench-build`: what dockfix's fixes are worth when building, per e2e fixture (issue 16).

For each fixtures/e2e/<name>/ (the ones whose original build is meant to succeed), buildah builds the
original and the fixed Dockerfile with the layer cache on; prints each image's size and, after a one-line
edit of the same source file in both contexts, how many RUN steps the rebuild re-ran; then the totals.
Needs what the e2e suite needs (root, buildah, debootstrap; the debian:12 base is made once and cached).

    make bench-build                                   # or: .venv/bin/python tests/scripts/bench_build.py
    .venv/bin/python tests/scripts/bench_build.py df004-reorder-users multi-stage   # some fixtures only
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.e2e.base import SetupError  # noqa: E402 - after the path set-up a script needs
from tests.e2e.harness import load_fixtures  # noqa: E402
from tests.e2e.rebuild import PairCost, pair_cost  # noqa: E402
from tests.e2e.store import cache_dir, ready_buildah  # noqa: E402

FIXTURES = ROOT / "fixtures" / "e2e"


def _mb(size: int | None) -> str:
    return "-" if size is None else f"{size / 1e6:.1f}"


def _n(count: int | None) -> str:
    return "-" if count is None else str(count)


def print_row(p: PairCost) -> None:
    o, f = p.original, p.fixed
    state = "" if o.ok and f.ok else " (original fails)" if not o.ok else " (FIXED FAILS)"
    delta = f"{(f.size - o.size) / 1024:+9.0f}" if o.size is not None and f.size is not None else f"{'-':>9}"
    print(f"{p.fixture:<34} {_mb(o.size):>9} {_mb(f.size):>9} {delta}   {_n(o.rerun):>4} {_n(f.rerun):>4}   "
          f"{p.edited or '(no source file)'}{state}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("fixtures", nargs="*", help="fixture names (default: all that are meant to build)")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("bench-build needs root (buildah's chroot isolation, as the e2e suite)")
        return 1
    fixtures = [f for f in load_fixtures(FIXTURES) if not f.expect_failure and (not args.fixtures or f.name in args.fixtures)]
    cache = cache_dir()
    start = time.monotonic()
    try:
        with ready_buildah(cache) as buildah, tempfile.TemporaryDirectory(prefix="dockfix-bench-build-") as tmp:
            print(f"buildah ({buildah.driver}), layers on; {len(fixtures)} fixtures; RUN steps re-run after a one-line edit")
            print(f"{'fixture':<34} {'MB orig':>9} {'MB fixed':>9} {'KiB diff':>9}   {'re-run':>9}   edited file")
            print(f"{'':<34} {'':>9} {'':>9} {'':>9}   {'orig':>4} {'fix':>4}")
            results = []
            for k, fixture in enumerate(fixtures):
                work = Path(tmp) / str(k)
                work.mkdir()
                results.append(pair_cost(buildah, fixture, work, cache))
                print_row(results[-1])
    except SetupError as e:
        print(f"cannot build here: {e}")
        return 1
    both = [p for p in results if p.original.ok and p.fixed.ok]
    size_o = sum(p.original.size or 0 for p in both)
    size_f = sum(p.fixed.size or 0 for p in both)
    edited = [p for p in both if p.original.rerun is not None and p.fixed.rerun is not None]
    rerun_o = sum(p.original.rerun or 0 for p in edited)
    rerun_f = sum(p.fixed.rerun or 0 for p in edited)
    print(f"\ntotal over {len(both)} fixtures built both ways: images {size_o / 1e6:.1f} MB -> {size_f / 1e6:.1f} MB; "
          f"RUN steps re-run after an edit ({len(edited)} fixtures with a source file): {rerun_o} -> {rerun_f}"
          f"  ({time.monotonic() - start:.0f} s, load {os.getloadavg()[0]:.1f})")
    worse = [f"{p.fixture}: {problem}" for p in results for problem in p.problems()]
    for line in worse:
        print(f"WORSE: {line}")
    return 1 if worse else 0


if __name__ == "__main__":
    raise SystemExit(main())
