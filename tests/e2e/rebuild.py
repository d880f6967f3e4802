"""What a fix is worth to someone building the image: its size, and the RUN steps a rebuild re-runs (issue 16).

Each side (the fixture's original Dockerfile and dockfix's fixed one) is built with buildah's layer cache
on, then one source file of the build context gets a one-line edit and the same Dockerfile is built again:
the RUN steps that build executes rather than takes from the cache are what a developer waits for after
each edit. The edit carries a token of its own, so an earlier run's cached layers never answer for it.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import re
import uuid
from pathlib import Path

from fixer.layering.manifests import ECOSYSTEMS
from fixer.model.context import context_for

from .buildah import BUILD_FLAGS, Buildah
from .harness import Fixture, parallel_builds, prepare_context, run_fixer

# the suite's flags with the layer cache on: a rebuild reuses every step whose inputs did not change
LAYER_FLAGS = tuple("--layers=true" if f == "--layers=false" else f for f in BUILD_FLAGS)

_STEP = re.compile(r"^(?:\[\d+/\d+\] )?STEP \d+/\d+: (\w+)", re.MULTILINE)
_CACHED = "--> Using cache "
# what a dependency install reads: an edit there re-runs the install however the file is written
_MANIFESTS = frozenset(n for e in ECOSYSTEMS.values() for n in (*e.required, *e.optional)) | {"wheels.txt"}
_GENERATED = ("wheels/",)  # made by the set-up from wheels.txt, not a project file
_COMMENTED = {".py", ".sh", ".conf", ".txt", ".md", ".yaml", ".yml", ".toml", ".cfg", ".ini", ""}


@dataclasses.dataclass(frozen=True)
class Cost:
    ok: bool
    size: int | None = None  # bytes: the image's layers, uncompressed
    runs: int = 0  # RUN steps of the first build
    rerun: int | None = None  # RUN steps the rebuild after the edit executed; None: nothing to edit
    log: str = ""


# What a fix may add to an image without counting as larger: a new layer's own tar headers and padding, and
# the account lines and home folder of a user a fix creates (DF005), measured at 11-20 KiB on the fixtures.
LAYER_SLACK = 64 * 1024


@dataclasses.dataclass(frozen=True)
class PairCost:
    fixture: str
    edited: str | None  # the context file both sides' edit went to
    original: Cost
    fixed: Cost

    def problems(self) -> list[str]:
        """How the fixed build costs more than the original: a larger image, or more steps re-run."""
        out = []
        o, f = self.original, self.fixed
        if o.ok and not f.ok:
            out.append("the fixed Dockerfile does not build")
        if o.size is not None and f.size is not None and f.size > o.size + LAYER_SLACK:
            out.append(f"the fixed image is larger: {f.size} bytes against {o.size}")
        if o.rerun is not None and f.rerun is not None and f.rerun > o.rerun:
            out.append(f"after editing {self.edited}, the fixed build re-runs {f.rerun} RUN steps against {o.rerun}")
        return out


def executed_runs(log: str) -> tuple[int, int]:
    """(RUN steps, RUN steps executed rather than taken from the cache) in a buildah build log."""
    steps = list(_STEP.finditer(log))
    total = executed = 0
    for k, step in enumerate(steps):
        if step.group(1).upper() != "RUN":
            continue
        total += 1
        block = log[step.end() : steps[k + 1].start() if k + 1 < len(steps) else len(log)]
        if _CACHED not in block:
            executed += 1
    return total, executed


def source_to_edit(context: Path) -> str | None:
    """A file of the project a developer would edit: sent to the build, not a dependency manifest."""
    sent = context_for(context, context / "Dockerfile")
    candidates = []
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        rel = path.relative_to(context).as_posix()
        name = path.name
        if rel in ("Dockerfile", ".dockerignore") or rel.startswith(_GENERATED) or name in _MANIFESTS:
            continue
        if re.fullmatch(r"(requirements|constraints).*\.(txt|in)", name) or (sent is not None and sent.ignored(rel)):
            continue
        # a file a comment line can go in comes first: the edit then leaves its format valid
        candidates.append((path.suffix not in _COMMENTED, rel))
    return min(candidates)[1] if candidates else None


def edit(path: Path, token: str) -> None:
    """One line added to the end of the file, in a form its format allows."""
    text = path.read_text()
    if not text.endswith("\n") and text:
        text += "\n"
    if path.suffix == ".json":
        # JSON has no comments; trailing white space is still the same document
        line = " " * (1 + int(token, 16) % 4096)
    else:
        line = f"# edited by bench-build {token}"
    path.write_text(text + line + "\n")


def _build(buildah: Buildah, dockerfile: Path, context: Path, tag: str) -> tuple[bool, str]:
    proc = buildah.run("bud", *LAYER_FLAGS, "-t", tag, "-f", str(dockerfile), str(context), check=False, timeout=1800)
    return proc.returncode == 0, proc.stdout + proc.stderr


def image_size(buildah: Buildah, tag: str) -> int:
    manifest = json.loads(buildah.image(tag)["Manifest"])
    return sum(int(layer["size"]) for layer in manifest["layers"])


def build_cost(buildah: Buildah, dockerfile: Path, context: Path, edited: str | None, token: str) -> Cost:
    tag = f"localhost/dockfix-bench-{uuid.uuid4().hex[:12]}"
    try:
        ok, log = _build(buildah, dockerfile, context, tag)
        if not ok:
            return Cost(False, log=log)
        size = image_size(buildah, tag)
        runs, _ = executed_runs(log)
        if edited is None:
            return Cost(True, size, runs, None, log)
        edit(context / edited, token)
        ok, again = _build(buildah, dockerfile, context, tag)
        if not ok:
            return Cost(False, size, runs, None, log + again)
        return Cost(True, size, runs, executed_runs(again)[1], log + again)
    finally:
        buildah.remove_image(tag)


def pair_cost(buildah: Buildah, fixture: Fixture, work: Path, cache_dir: Path) -> PairCost:
    """Build the fixture as written and as dockfix fixes it; edit the same file in both and rebuild."""
    original = prepare_context(fixture, work / "original", cache_dir)
    fixed = prepare_context(fixture, work / "fixed", cache_dir)
    run_fixer(fixed / "Dockerfile", fixture.fix_args)
    edited = source_to_edit(original)
    # a token per side: one side's edited layers must not answer for the other's (they share the cache)
    sides = [(ctx, uuid.uuid4().hex[:12]) for ctx in (original, fixed)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel_builds()) as pool:
        a, b = pool.map(lambda side: build_cost(buildah, side[0] / "Dockerfile", side[0], edited, side[1]), sides)
    return PairCost(fixture.name, edited, a, b)
