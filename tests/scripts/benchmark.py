"""`make bench`: dockfix --check over ../shared/corpus beside hadolint on the same files, as a ratio.

Not a test: numbers for people. Prints files/s, peak memory, median single-file wall time, and how
parse time grows with file size.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
BIN = Path(sys.executable).parent


def corpus_files() -> list[Path]:
    skip = {"SOURCES.tsv", "STATS-per-file.tsv", "STATS.md", "MANIFEST.sha256"}
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in skip)


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and the child's peak RSS in KiB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    return wall, max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)


def main() -> int:
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}")
        return 1
    files = corpus_files()
    dockfix = [str(BIN / "dockfix"), "--check", "--offline", "--color", "never"]
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    print(f"corpus: {len(files)} files, {sum(p.stat().st_size for p in files) / 1024:.0f} KiB")

    wall, rss = timed([*dockfix, *map(str, files)])
    print(f"dockfix  --check, one process: {wall:.2f} s, {len(files) / wall:.0f} files/s, peak RSS {rss / 1024:.0f} MiB")
    if hadolint:
        # hadolint lints the whole list in one process too, so both pay start-up once
        hwall, _ = timed([hadolint, "--no-fail", *map(str, files)])
        print(f"hadolint, one process:         {hwall:.2f} s, {len(files) / hwall:.0f} files/s")
        print(f"throughput ratio dockfix/hadolint: {hwall / wall:.1f}x")
    sample = files[:: max(1, len(files) // 25)]
    singles = [timed([*dockfix, str(p)])[0] for p in sample]
    print(f"single file, median wall over {len(sample)} files: {statistics.median(singles) * 1000:.0f} ms (start-up included)")
    if hadolint:
        hsingles = [timed([hadolint, "--no-fail", str(p)])[0] for p in sample]
        print(f"hadolint single file, median wall: {statistics.median(hsingles) * 1000:.0f} ms")

    # linear in size: the same instruction mix repeated 1x, 10x, 100x
    from fixer.engine.pipeline import fix_text
    from fixer.engine.rules import FileContext, select_rules

    rules = [r for r in select_rules(["ALL"]) if r.code != "DF001"]
    unit = (CORPUS / "BretFisher__node-docker-good-defaults" / "Dockerfile").read_text()
    body = unit.split("\n", 1)[1]
    with tempfile.TemporaryDirectory():
        prev = None
        for k in (1, 10, 100):
            text = unit + body * (k - 1)
            t0 = time.perf_counter()
            fix_text(text, rules, FileContext())
            dt = time.perf_counter() - t0
            growth = f" ({dt / prev:.1f}x the previous for 10x the size)" if prev else ""
            print(f"fix_text on {len(text) / 1024:.0f} KiB: {dt * 1000:.0f} ms{growth}")
            prev = dt
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
