"""DF005 on every file of ../shared/corpus: what it writes parses, satisfies hadolint DL3002, names only
users that exist, and is a fixed point.

Run as a script (`.venv/bin/python -m tests.test_root_user_corpus`) it prints how the corpus splits by
base-image family and outcome.
"""

from __future__ import annotations

import collections
import difflib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fixer.engine.rules import FileContext, select_rules
from fixer.nonroot.assess import Assessment, assess
from fixer.syntax import Dockerfile, ParseError, parse
from tests.support.corpus import SHARED, available, is_dockerfile, label, params, read
from tests.support.fixture_pairs import run

RULE = "root-user"
HADOLINT = Path(sys.executable).with_name("hadolint")
_BATCH = 100


def corpus_paths() -> list[Path]:
    root = SHARED / "corpus"
    if not available():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and is_dockerfile(p))


@dataclass
class Outcome:
    source: str
    output: str
    df: Dockerfile | None  # the parsed input, None when it does not parse
    assessment: Assessment | None


def _assess(df: Dockerfile) -> Assessment | None:
    return assess(df, FileContext().for_rule(select_rules([RULE])[0]))


def outcome(path: Path) -> Outcome:
    text = read(path)
    try:
        df = parse(text)
    except ParseError:
        return Outcome(text, text, None, None)
    return Outcome(text, run(text, RULE, unsafe=True).output, df, _assess(df))


@pytest.fixture(scope="session")
def outcomes() -> dict[Path, Outcome]:
    return {p: outcome(p) for p in corpus_paths()}


def user_skeleton(text: str) -> str:
    """Only the FROM and USER lines of `text`, each on its own line number, everything else blank.

    DL3002 reads nothing but FROM and USER, while hadolint spends seconds per file running shellcheck
    on RUNs; on the skeleton it answers the same (`test_skeleton_agrees_with_full_hadolint` checks).
    """
    df = parse(text)
    lines = [""] * len(df.lines)
    for instr in df.instructions:
        if instr.cmd in ("FROM", "USER"):
            for ln in instr.lines:
                lines[ln.number - 1] = ln.text
    return "\n".join(lines) + "\n"


def hadolint_dl3002(texts: dict[Path, str], folder: Path) -> dict[Path, list[int]]:
    """Lines where hadolint reports DL3002 in each text (many files per hadolint call)."""
    if not HADOLINT.exists():
        pytest.skip(f"hadolint not found at {HADOLINT}")
    names: dict[str, Path] = {}
    for i, (path, text) in enumerate(texts.items()):
        name = str(folder / f"{i:04d}.Dockerfile")
        Path(name).write_bytes(text.encode("utf-8"))
        names[name] = path
    found: dict[Path, list[int]] = collections.defaultdict(list)
    files = list(names)
    for start in range(0, len(files), _BATCH):
        proc = subprocess.run(
            [str(HADOLINT), "--no-fail", "--no-color", "-f", "json", *files[start : start + _BATCH]],
            capture_output=True,
            text=True,
            check=False,
        )
        for row in json.loads(proc.stdout or "[]"):
            if row["code"] == "DL3002":
                found[names[row["file"]]].append(int(row["line"]))
    return found


@pytest.fixture(scope="session")
def dl3002(outcomes: dict[Path, Outcome], tmp_path_factory: pytest.TempPathFactory) -> dict[Path, list[int]]:
    skeletons = {p: user_skeleton(o.output) for p, o in outcomes.items() if o.df is not None}
    return hadolint_dl3002(skeletons, tmp_path_factory.mktemp("df005-skeletons"))


CASES = params(corpus_paths())


def _final_lines(df: Dockerfile) -> range:
    st = df.final_stage
    assert st is not None
    return range(st.from_.start_line, st.instructions[-1].end_line + 1)


def _created_names(df: Dockerfile) -> set[str]:
    """Names that follow useradd/adduser in any RUN (a reading independent of the rule's own)."""
    names: set[str] = set()
    for instr in df.instructions:
        if instr.cmd != "RUN":
            continue
        text = "\n".join([instr.logical, *(h.content for h in instr.heredocs)])
        for m in re.finditer(r"\b(?:useradd|adduser)\b([^;&|\n]*)", text):
            names.update(w.strip("'\"") for w in m.group(1).split())
    return names


def shipped_by(df: Dockerfile) -> set[str]:
    """The user the final stage's base image ships for apps, by the table (`node` in node images)."""
    from fixer.data.base_families import defaults_of
    from fixer.model.base_image import base_image

    st = df.final_stage
    image = base_image(df, st) if st is not None else None
    defaults = defaults_of(image) if image is not None else None
    return {defaults.conventional} if defaults is not None and defaults.conventional else set()


def _added_lines(before: str, after: str) -> Iterator[str]:
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("+ "):
            yield line[2:]


def _removed_lines(before: str, after: str) -> Iterator[str]:
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            yield line[2:]


@pytest.mark.parametrize("path", CASES)
def test_output_parses_under_the_oracle(path: Path, outcomes: dict[Path, Outcome]) -> None:
    oracle: Any = pytest.importorskip("dockerfile")
    o = outcomes[path]
    if o.output == o.source:
        return
    before = collections.Counter(c.original for c in oracle.parse_string(o.source))
    after = collections.Counter(c.original for c in oracle.parse_string(o.output))
    # the fix only adds a user-creating RUN and a USER, or rewrites a trailing `USER root`
    added = after - before
    removed = before - after
    assert all(re.match(r"(?i)(USER \S+|RUN (groupadd|addgroup) .*)$", a) for a in added), added
    assert all(re.match(r"(?i)USER (root|0)(:\S+)?$", r) for r in removed), removed
    assert sum(1 for a in added if a.upper().startswith("USER")) == 1


@pytest.mark.parametrize("path", CASES)
def test_hadolint_dl3002_silent_on_final_stage(path: Path, outcomes: dict[Path, Outcome], dl3002: dict[Path, list[int]]) -> None:
    o = outcomes[path]
    if o.df is None or o.df.final_stage is None:
        return
    final = _final_lines(parse(o.output))
    assert [ln for ln in dl3002.get(path, []) if ln in final] == []


def test_skeleton_agrees_with_full_hadolint(outcomes: dict[Path, Outcome], tmp_path: Path) -> None:
    """On inputs where DL3002 fires, their outputs, and a sample of the rest, hadolint on the whole
    text and on its FROM/USER skeleton report DL3002 on the same lines."""
    if not outcomes:
        pytest.skip("no corpus")
    root_user = re.compile(r"(?im)^\s*user\s+(root|0)\b")
    texts: dict[Path, str] = {}
    for i, (path, o) in enumerate(outcomes.items()):
        if o.df is not None and (root_user.search(o.source) or i % 40 == 0):
            texts[path.with_suffix(".in")] = o.source
            texts[path.with_suffix(".out")] = o.output
    full = hadolint_dl3002(texts, tmp_path)
    (tmp_path / "skeleton").mkdir()
    skeleton = hadolint_dl3002({p: user_skeleton(t) for p, t in texts.items()}, tmp_path / "skeleton")
    assert dict(full) == dict(skeleton)
    assert any(full.values()), "the sample should include inputs where DL3002 fires"


@pytest.mark.parametrize("path", CASES)
def test_inserted_user_exists(path: Path, outcomes: dict[Path, Outcome]) -> None:
    o = outcomes[path]
    if o.df is None:
        return
    created = _created_names(o.df)
    for line in _added_lines(o.source, o.output):
        m = re.match(r"(?i)USER\s+(\S+)$", line)
        if m is None:
            continue
        user = m.group(1)
        assert re.fullmatch(r"[0-9]+(:[0-9]+)?", user) or user.split(":")[0] in created | shipped_by(o.df), line


@pytest.mark.parametrize("path", CASES)
def test_second_run_changes_nothing(path: Path, outcomes: dict[Path, Outcome]) -> None:
    o = outcomes[path]
    if o.df is None:
        return
    assert run(o.output, RULE, unsafe=True).output == o.output


@pytest.mark.parametrize("path", CASES)
def test_changes_exactly_when_a_fix_is_planned(path: Path, outcomes: dict[Path, Outcome]) -> None:
    o = outcomes[path]
    fixes = o.assessment is not None and o.assessment.outcome == "fix"
    assert (o.output != o.source) == fixes
    if fixes:
        assert _assess(parse(o.output)).outcome == "non-root"  # type: ignore[union-attr]


def family_counts(paths: list[Path]) -> collections.Counter[tuple[str, str]]:
    """(family, outcome) over the corpus; a fix outcome says how the user is chosen."""
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for path in paths:
        try:
            df = parse(read(path))
        except ParseError:
            counts[("-", "does not parse")] += 1
            continue
        a = _assess(df)
        if a is None:
            counts[("-", "no FROM")] += 1
            continue
        kind = a.outcome
        if a.plan is not None:
            kind += ": create user" if a.plan.create else f": USER {'number' if a.plan.user[0].isdigit() else 'name'}"
        counts[(a.family.key, kind)] += 1
    return counts


if __name__ == "__main__":
    paths = corpus_paths()
    counts = family_counts(paths)
    print(f"{len(paths)} files of {label(SHARED / 'corpus')}")
    for (family, kind), n in sorted(counts.items()):
        print(f"{n:5d}  {family:13s} {kind}")
