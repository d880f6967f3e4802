"""Fixing one file, and many files in parallel with their results in a stable order."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fixer.engine.finding import Applicability, Finding
from fixer.engine.pipeline import Result
from fixer.engine.rules import all_rules
from fixer.report import FileOutcome

if TYPE_CHECKING:
    import multiprocessing.pool

    from fixer.prepare import Prepared


@dataclass(frozen=True)
class Job:
    name: str  # what the user sees; for a bad command-line argument, the error itself
    path: Path | None  # None: stdin when name is "-", else an argument error
    mode: str  # diff | check | write


def allow_policy(unsafe: bool | None) -> Callable[[Finding], bool]:
    by_default = {r.code for r in all_rules() if r.unsafe_by_default}

    def allow(f: Finding) -> bool:
        if f.fix is None:
            return False
        if f.fix.applicability is Applicability.SAFE:
            return True
        return f.code in by_default if unsafe is None else unsafe

    return allow


@dataclass
class FileResult:
    result: Result
    unused_pragmas: list[tuple[int, str]] = field(default_factory=list)


def fix_file(text: str, path: Path | None, run: Prepared, unused: bool = False) -> FileResult:
    """Fix one file's text as configured: the one way the command line, the bot and the fixture tests fix a file.

    Raises ParseError (the input does not parse) and FixedPointError (a dockfix bug); nothing is written.
    """
    from fixer.engine.pipeline import fix_text, unused_pragmas

    rules = run.rules
    off = {t.upper() for t in run.config.ignores_for(path)}
    if off:
        rules = [r for r in rules if r.code not in off and r.name.upper() not in off]
    ctx = replace(run.ctx, path=path)
    result = fix_text(text, rules, ctx, allow=run.allow)
    return FileResult(result, unused_pragmas(result) if unused else [])


def process(job: Job, run: Prepared, unused: bool = False) -> FileOutcome:
    from fixer.diff import unified_diff
    from fixer.engine.pipeline import FixedPointError
    from fixer.files import InputError, decode, read, write_atomic
    from fixer.syntax import ParseError

    outcome = FileOutcome(job.name)
    if job.path is None and job.name != "-":
        outcome.error = job.name
        return outcome
    try:
        text = decode(sys.stdin.buffer.read(), "<stdin>") if job.path is None else read(job.path)
        done = fix_file(text, job.path, run, unused)
    except InputError as e:
        outcome.error = str(e)
        return outcome
    except ParseError as e:
        outcome.error = f"{job.name}:{e.line}: {e.reason}"
        return outcome
    except FixedPointError as e:
        outcome.error = f"{job.name}: internal error, left unchanged: {e} (please report this)"
        return outcome
    result = done.result
    outcome.unused_pragmas = done.unused_pragmas
    outcome.findings = result.findings
    outcome.changed = result.changed
    outcome.source = result.source
    if job.path is None and job.mode == "write":
        sys.stdout.write(result.output)
        return outcome
    if result.changed:
        if job.mode == "write":
            try:
                write_atomic(job.path, result.output)  # type: ignore[arg-type]
            except OSError as e:
                outcome.error = f"{job.name}: cannot write ({e.strerror})"
                from dataclasses import replace as unfixed

                # the summary counts what reached the disk; what did not is a problem left, with no fix to offer
                outcome.findings = [unfixed(f, fixed=False, fix=None) if f.fixed else f for f in outcome.findings]
        elif job.mode == "diff":  # --check prints no diff: difflib's cost grows faster than the file
            from fixer.files import quote  # as git quotes names: a newline cannot split the header

            label = (str(job.path) if job.path else job.name).lstrip("/")  # `a//abs/path` is no path a patch tool reads
            outcome.diff = unified_diff(result.source, result.output, quote(f"a/{label}"), quote(f"b/{label}"))
    return outcome


# set in each worker process by fork; the rules and context cannot always be pickled
_WORKER: tuple[Prepared, bool] | None = None


def _work(job: Job) -> FileOutcome:
    assert _WORKER is not None
    run, unused = _WORKER
    return process(job, run, unused)


# files a worker takes at a time: fewer round trips to the parent, and still an even share at the end
CHUNK = 4


def default_workers() -> int:
    """The cores this process may run on and nobody else is using.

    A container or `taskset` may allow fewer cores than the machine has. On a busy machine a second
    worker only competes for a core that is already taken, and costs its own caches (measured on 2
    cores at load 4.5: one worker 5.0 s for ../shared/corpus, two 6.5 s), so the cores in use are
    taken off the count, as `make --load-average` does. In use means both now and over the last
    minute: the average alone still counts a build that ended seconds ago (run right after hadolint,
    whose threads had kept both cores busy, dockfix went on one worker for the next minute), and the
    processes runnable at this instant alone may be a blip.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:
        busy = 0.0
    now = _others_runnable()
    if now is not None:
        busy = min(busy, now)
    return max(1, min(cores, int(cores - busy + 0.5)))


def _others_runnable() -> int | None:
    """Threads of other processes that are running or waiting for a core right now (Linux only)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            running = int(f.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0, running - 1)  # this process is one of them


def prefetch(run: Prepared, paths: list[Path]) -> None:
    """Start every file's registry lookups at once: the files are then fixed from the answers.

    Finding what to look up reads each file's FROM, ARG and image-naming flags (a rule's `lookups`),
    for about half the cost of parsing the file (0.11 s for the corpus's 619 files), so the parent does
    it itself, before any lookup thread starts.
    """
    from fixer.files import InputError, read

    readers = [r.lookups for r in run.rules if r.lookups is not None]
    if not readers or run.ctx.resolver is None:
        return
    found: list[Any] = []
    for path in paths:
        try:
            text = read(path)
        except InputError:
            continue  # reported when the file itself is processed
        found.extend(x for reader in readers for x in reader(text))
    run.ctx.resolver.prefetch(found)


def run_jobs(jobs: list[Job], run: Prepared, workers: int, unused: bool, progress: bool) -> Iterator[FileOutcome]:
    """Outcomes in the order of `jobs`, whatever order the workers finish in."""
    bar = _Progress(len(jobs)) if progress and sys.stderr.isatty() and len(jobs) > 1 else None
    # a worker with less than a couple of chunks to do costs its fork more than it saves
    workers = min(workers, len(jobs) // (2 * CHUNK))
    parallel = workers > 1 and not any(j.path is None and j.name == "-" for j in jobs)
    if not parallel:
        for job in jobs:
            yield process(job, run, unused)
            if bar:
                bar.step()
    else:
        import gc

        if run.ctx.resolver is not None:
            # registry answers are read from memory in the workers; no lookup thread may be running at fork
            run.ctx.resolver.settle()
        global _WORKER
        _WORKER = (run, unused)
        # objects made so far are shared with the workers: a collection there would touch (copy) every page
        gc.freeze()
        try:
            with _fork_pool(workers) as pool:
                for outcome in pool.imap(_work, jobs, chunksize=CHUNK):
                    yield outcome
                    if bar:
                        bar.step()
        finally:
            _WORKER = None
            gc.unfreeze()
    if bar:
        bar.done()


def _fork_pool(workers: int) -> multiprocessing.pool.Pool:
    """A pool of forked workers that die of SIGTERM, as the pool expects when it ends them.

    The command line turns SIGTERM into SystemExit so that a write removes its temp file. A worker writes
    nothing, and one that caught the pool's SIGTERM in a fork hook (where exceptions are swallowed) would
    live on and wait for work forever, and the pool would wait for it.
    """
    import multiprocessing
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        # Python lets only the main thread set a handler, so no other thread can have set this one
        return multiprocessing.get_context("fork").Pool(workers)
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        return multiprocessing.get_context("fork").Pool(workers)
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Progress:
    """A one-line counter on stderr, shown only once the run has lasted about a second."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.start = time.monotonic()
        self.shown = False

    def step(self) -> None:
        self.count += 1
        if time.monotonic() - self.start < 1.0:
            return
        self.shown = True
        width = 30
        filled = width * self.count // max(self.total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total} files")
        sys.stderr.flush()

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()
