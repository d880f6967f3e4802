"""`make bench`: dockfix's speed beside hadolint's, in one run (issue 16). Numbers for people, not a test.

Prints, each as the median of --repeat runs with the load average at the time:
- throughput on ../shared/corpus: hadolint; dockfix --check in the default mode (the registry as this
  machine reaches it), with --offline, and with every registry unreachable (a proxy that refuses);
- the median wall time of one small file (start-up included);
- how time grows with the number of RUN instructions (1,000 and 8,000 by default);
- peak memory: the corpus run's largest process, and one 10 MB RUN continued over many lines.

Every dockfix run gets an empty image cache, so no answer comes from an earlier run. Wall time on a
shared machine depends on what else runs; the CPU time (user + system, workers included) less so.

    make bench                               # or: .venv/bin/python tests/scripts/benchmark.py
    .venv/bin/python tests/scripts/benchmark.py --repeat 5 --runs 1000,8000
    PYTHONPATH=/some/other/checkout .venv/bin/python tests/scripts/benchmark.py   # measure another tree
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
BIN = Path(sys.executable).parent
NOT_DOCKERFILES = {"SOURCES.tsv", "STATS-per-file.tsv", "STATS.md", "MANIFEST.sha256"}


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float  # user + system of the command and every process it waited for
    rss_kib: int  # the largest of those processes
    load: float  # 1-minute load average when the run started
    code: int


def measure(cmd: Sequence[str], env: dict[str, str] | None = None) -> Run:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="dockfix-bench-cache-") as cache:
        full_env = {**os.environ, "DOCKFIX_CACHE_DIR": cache, **(env or {})}
        # as installed: modules load from their compiled .pyc (compiling them costs more than running them)
        full_env.pop("PYTHONDONTWRITEBYTECODE", None)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=full_env, cwd=tempfile.gettempdir())
        # wait4: this command's own usage, not the sum over everything the benchmark started
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, load, proc.returncode)


@dataclass(frozen=True)
class Series:
    runs: list[Run]

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_mib(self) -> float:
        return max(r.rss_kib for r in self.runs) / 1024

    @property
    def loads(self) -> str:
        return "/".join(f"{r.load:.1f}" for r in self.runs)


def series(cmd: Sequence[str], repeat: int, env: dict[str, str] | None = None) -> Series:
    return Series([measure(cmd, env) for _ in range(repeat)])


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_DOCKERFILES)


def closed_port() -> int:
    """A local port nothing listens on: a proxy there refuses every connection at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unreachable_env() -> dict[str, str]:
    proxy = f"http://127.0.0.1:{closed_port()}"
    return {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "ALL_PROXY": proxy, "NO_PROXY": ""}


# RUN lines of the kinds real files have, cycled: plain commands, package installs, a cd chain
RUN_KINDS = (
    'RUN echo "step {i}" > /tmp/step{i}',
    "RUN apt-get update && apt-get install -y pkg{i}",
    "RUN pip install pkg{i}",
    "RUN cd /src/part{i} && make && make install",
    "RUN mkdir -p /opt/app{i} && chmod 755 /opt/app{i}",
)


def many_runs(n: int) -> str:
    return "FROM debian:12\n" + "".join(RUN_KINDS[i % len(RUN_KINDS)].format(i=i) + "\n" for i in range(n))


def continued_run(megabytes: int) -> str:
    """One RUN of `megabytes` MB, continued over lines of one command each."""
    line = "    && echo 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz > /dev/null \\\n"
    count = megabytes * 1024 * 1024 // len(line)
    return "FROM debian:12\nRUN true \\\n" + line * count + "    && true\n"


def row(label: str, s: Series, files: int | None = None, ref: Series | None = None) -> str:
    rate = f"{files / s.wall:7.0f} files/s" if files else " " * 15
    ratio = f"  {ref.wall / s.wall:5.1f}x hadolint" if ref is not None else ""
    return (f"  {label:<34} {s.wall:7.2f} s wall {s.cpu:7.2f} s cpu {rate}  peak {s.rss_mib:5.0f} MiB"
            f"{ratio}  (load {s.loads})")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs per corpus figure (median reported)")
    ap.add_argument("--singles", type=int, default=25, help="files sampled for the single-file median")
    ap.add_argument("--runs", default="1000,8000", help="RUN counts for the scaling figure")
    ap.add_argument("--megabytes", type=int, default=10, help="size of the continued RUN for the memory figure")
    ap.add_argument("--skip", default="", help="comma-separated sections to skip: corpus,single,runs,memory")
    args = ap.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))

    dockfix = [str(BIN / "dockfix"), "--check", "--color", "never"]
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    print(f"dockfix from {_where()}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f} at start")
    measure([*dockfix, "--version"])  # writes the .pyc files a fresh checkout lacks: no run below pays for them

    if "corpus" not in skip:
        if not CORPUS.is_dir():
            print(f"no corpus at {CORPUS}")
            return 1
        files = corpus_files()
        names = [str(p) for p in files]
        print(f"\ncorpus: {len(files)} files, {sum(p.stat().st_size for p in files) / 1024:.0f} KiB, median of {args.repeat}")
        ref = series([hadolint, "--no-fail", *names], args.repeat) if hadolint else None
        if ref is not None:
            print(row("hadolint (one process)", ref, len(files)))
        for label, extra, env in (
            ("dockfix, default mode", [], None),
            ("dockfix --offline", ["--offline"], None),
            ("dockfix, registry unreachable", [], unreachable_env()),
            ("dockfix --offline --jobs 1", ["--offline", "--jobs", "1"], None),
        ):
            print(row(label, series([*dockfix, *extra, *names], args.repeat, env), len(files), ref))
            sys.stdout.flush()

    if "single" not in skip and CORPUS.is_dir():
        files = corpus_files()
        sample = [str(p) for p in files[:: max(1, len(files) // args.singles)]][: args.singles]
        for label, extra in (("default mode", []), ("--offline", ["--offline"])):
            runs = [measure([*dockfix, *extra, p]) for p in sample]
            wall = statistics.median(r.wall for r in runs)
            cpu = statistics.median(r.cpu for r in runs)
            print(f"\nsingle file, {label}: median {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms cpu over {len(sample)} files"
                  f" (load {runs[0].load:.1f}..{runs[-1].load:.1f})", end="")
        if hadolint:
            runs = [measure([hadolint, "--no-fail", p]) for p in sample]
            print(f"\nsingle file, hadolint: median {statistics.median(r.wall for r in runs) * 1000:.0f} ms wall", end="")
        print()

    with tempfile.TemporaryDirectory(prefix="dockfix-bench-") as tmp:
        if "runs" not in skip:
            counts = [int(c) for c in args.runs.split(",")]
            print(f"\nRUN count (dockfix --check --offline on one file of N RUNs; {len(RUN_KINDS)} kinds of RUN cycled):")
            first: Series | None = None
            for n in counts:
                path = _alone(Path(tmp), f"runs-{n}", many_runs(n))
                s = series([*dockfix, "--offline", str(path)], 1)
                growth = f"  {s.cpu / first.cpu:5.1f}x the cpu of {counts[0]} for {n / counts[0]:.0f}x the RUNs" if first else ""
                first = first or s
                print(f"  {n:>6} RUNs: {s.wall:7.2f} s wall {s.cpu:7.2f} s cpu  peak {s.rss_mib:5.0f} MiB{growth}  (load {s.loads})")
                sys.stdout.flush()
        if "memory" not in skip:
            path = _alone(Path(tmp), "continued", continued_run(args.megabytes))
            s = series([*dockfix, "--offline", str(path)], 1)
            size = path.stat().st_size / 1024 / 1024
            print(f"\none continued RUN of {size:.0f} MB: {s.wall:.2f} s wall {s.cpu:.2f} s cpu, peak {s.rss_mib:.0f} MiB"
                  f" (load {s.loads})")
    return 0


def _alone(tmp: Path, name: str, text: str) -> Path:
    # a folder of its own under one only this benchmark writes: DF005 reads the file's source tree (the
    # folder above when there is no .git), and /tmp's other contents are no part of the figure
    path = tmp / name / "Dockerfile"
    path.parent.mkdir()
    path.write_text(text)
    return path


def _where() -> str:
    probe = subprocess.run([sys.executable, "-c", "import fixer; print(fixer.__file__)"], capture_output=True, text=True,
                           cwd=tempfile.gettempdir())
    return str(Path(probe.stdout.strip()).parent) if probe.returncode == 0 else "?"


if __name__ == "__main__":
    raise SystemExit(main())
