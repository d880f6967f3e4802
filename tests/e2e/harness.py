"""Build a Dockerfile and its dockfix-fixed twin with buildah and say whether they are equivalent.

An e2e fixture is a folder fixtures/e2e/<name>/ holding a Dockerfile and its build context.
Comment lines at the top of the Dockerfile configure it:

    # e2e: what the fixture proves (required; several lines allowed)
    # e2e-expect: fail          the original build fails on purpose; the fixed one must fail too
    # e2e-fix-args: --unsafe-fixes   extra dockfix arguments for this fixture

A `wheels.txt` in the folder lists pinned requirements that the set-up downloads from PyPI
into the context's `wheels/` (builds cannot reach PyPI, and wheels are never committed).
ENTRYPOINT+CMD of each final image is run once, so fixture CMDs must exit quickly.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import difflib
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

from .buildah import Buildah, BuildResult
from .compare import Image, differences, file_digest, read_accounts, snapshot

# Lines for the run's closing summary: set-up and per-fixture build times.
TIMINGS: list[str] = []

HEADER = re.compile(r"^#\s*(e2e(?:-expect|-fix-args)?)\s*:\s*(.*?)\s*$")


@dataclasses.dataclass(frozen=True)
class Fixture:
    name: str
    path: Path
    proves: str
    expect_failure: bool
    fix_args: tuple[str, ...]


def load_fixture(path: Path) -> Fixture:
    proves: list[str] = []
    expect_failure = False
    fix_args: tuple[str, ...] = ()
    for line in (path / "Dockerfile").read_text().splitlines():
        match = HEADER.match(line)
        if not match:
            if line.startswith("#") or not line.strip():
                continue
            break
        key, value = match.groups()
        if key == "e2e":
            proves.append(value)
        elif key == "e2e-expect":
            if value not in ("fail", "build"):
                raise ValueError(f"{path.name}: e2e-expect must be fail or build, not {value!r}")
            expect_failure = value == "fail"
        else:
            fix_args = tuple(value.split())
    if not proves:
        raise ValueError(f"{path.name}: the Dockerfile must start with '# e2e: <what it proves>'")
    return Fixture(path.name, path, " ".join(proves), expect_failure, fix_args)


def load_fixtures(root: Path) -> list[Fixture]:
    return [load_fixture(p) for p in sorted(root.iterdir()) if (p / "Dockerfile").is_file()]


def fetch_wheels(requirements: Path, cache_dir: Path) -> Path:
    """A folder of the wheels `requirements` pins, downloaded once and kept in cache_dir."""
    key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    target = cache_dir / "wheels" / key
    if not (target / ".complete").is_file():
        partial = target.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "-r", str(requirements), "-d", str(partial)],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"pip download -r {requirements} failed:\n{proc.stdout}{proc.stderr}")
        (partial / ".complete").write_text("")
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    return target


def prepare_context(fixture: Fixture, dest: Path, cache_dir: Path) -> Path:
    """A copy of the fixture's folder with its generated files, ready to build or fix."""
    shutil.copytree(fixture.path, dest)
    wheels_txt = dest / "wheels.txt"
    if wheels_txt.is_file():
        wheels = fetch_wheels(wheels_txt, cache_dir)
        shutil.copytree(wheels, dest / "wheels", ignore=shutil.ignore_patterns(".complete"))
    return dest


def fixer_command() -> list[str] | None:
    """How to run dockfix from this checkout, or None while the CLI does not exist yet."""
    if importlib.util.find_spec("fixer.cli") is None:
        return None
    return [sys.executable, "-m", "fixer"]


def run_fixer(dockerfile: Path, args: tuple[str, ...]) -> str:
    command = fixer_command()
    if command is None:
        raise RuntimeError("dockfix's CLI (fixer.cli) does not exist yet")
    proc = subprocess.run([*command, "--write", *args, str(dockerfile)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300, cwd=dockerfile.parent)
    # 0: nothing to do or all fixed; 1: files changed / findings left (pre-commit style). Above: a crash.
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"dockfix --write {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return proc.stdout + proc.stderr


@dataclasses.dataclass
class Side:
    build: BuildResult
    image: Image | None
    capture_seconds: float


def entry_command(config: dict[str, object]) -> list[str]:
    entrypoint = config.get("Entrypoint") or []
    cmd = config.get("Cmd") or []
    assert isinstance(entrypoint, list) and isinstance(cmd, list)
    return [str(x) for x in [*entrypoint, *cmd]]


def build_side(buildah: Buildah, dockerfile: Path, context: Path, label: str) -> Side:
    tag = f"localhost/dockfix-e2e-{label}-{uuid.uuid4().hex[:12]}"
    build = buildah.build(dockerfile, context, tag)
    if not build.ok:
        return Side(build, None, 0.0)
    start = time.monotonic()
    try:
        config = buildah.image_config(tag)
        with buildah.mounted(tag) as (container, root):
            image = Image(config=config, files=snapshot(root), accounts=read_accounts(root))
            argv = entry_command(config)
            if argv:
                result = buildah.run_in(container, argv)
                image.run = (result.returncode, result.stdout)
    finally:
        # under vfs each image holds a full copy of the file system: never leave one behind
        buildah.remove_image(tag)
    return Side(build, image, time.monotonic() - start)


@dataclasses.dataclass
class PairReport:
    original: Side
    fixed: Side
    problems: list[str]

    def summary(self) -> str:
        def state(side: Side) -> str:
            return f"{'built' if side.build.ok else 'FAILED'} in {side.build.seconds:.1f}s"
        return f"original {state(self.original)}, fixed {state(self.fixed)}"


def _tail(log: str, lines: int = 25) -> str:
    return "\n".join("    | " + line for line in log.rstrip().splitlines()[-lines:])


def parallel_builds() -> int:
    """How many builds run at once: the two sides of a pair overlap unless DOCKFIX_E2E_JOBS=1.

    A build waits on the network and on dpkg's disk writes as much as on a core, so two at a
    time finish sooner even on two cores.
    """
    return max(1, int(os.environ.get("DOCKFIX_E2E_JOBS", "2")))


def build_sides(buildah: Buildah, *sides: tuple[Path, Path, str]) -> list[Side]:
    """build_side for each (dockerfile, context, label), parallel_builds() at a time, in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel_builds()) as pool:
        return list(pool.map(lambda side: build_side(buildah, *side), sides))


def compare_sides(a: Side, b: Side, dockerfiles: tuple[str, str], expect_failure: bool = False) -> PairReport:
    """Every way side b (the fixed build) is not equivalent to side a (the original)."""
    problems: list[str] = []
    if a.build.ok == expect_failure:
        problems.append(f"the original was expected to {'fail' if expect_failure else 'build'} but did not:\n"
                        + _tail(a.build.log))
    if a.build.ok and not b.build.ok:
        problems.append("the original builds but the fixed Dockerfile fails:\n" + _tail(b.build.log))
    elif b.build.ok and not a.build.ok:
        problems.append("the original fails but the fixed Dockerfile builds")
    if a.image is not None and b.image is not None:
        problems.extend(differences(a.image, b.image, dockerfiles=dockerfiles))
    return PairReport(a, b, problems)


def compare_builds(buildah: Buildah, original: tuple[Path, Path], fixed: tuple[Path, Path],
                   expect_failure: bool = False) -> PairReport:
    """Build (dockerfile, context) pairs and list every way the fixed one is not equivalent."""
    a, b = build_sides(buildah, (*original, "orig"), (*fixed, "fixed"))
    return compare_sides(a, b, (file_digest(original[0]), file_digest(fixed[0])), expect_failure)


def unified_diff(before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                        "Dockerfile (original)", "Dockerfile (fixed)"))
