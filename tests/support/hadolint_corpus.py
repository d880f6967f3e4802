"""hadolint over the shared corpus before and after dockfix: what issue 10's rules are measured by.

Used by tests/corpus/test_hadolint_fixes_corpus.py and, for the before/after table, by running this module:
`.venv/bin/python -m tests.support.hadolint_corpus` (all rules, safe fixes; `--select DF021,...` to narrow).
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fixer.engine.pipeline import Result, fix_text
from fixer.engine.rules import Rule, FileContext, all_rules, select_rules
from fixer.syntax import ParseError, parse
from tests.support.corpus import SHARED, is_dockerfile, read

HADOLINT = Path(sys.executable).with_name("hadolint")
BATCH = 150  # files per hadolint call: it starts slowly, and argument lists have limits

# the rules of issue 10 (hadolint's and BuildKit's checks), by code
ISSUE10 = tuple(f"DF0{n}" for n in range(21, 40))
# hadolint checks these apt-get rules on `apt-get` only, so renaming `apt` (DF033) lets it see installs
# it skipped before: they are findings the file had all along, not ones the fix created
SEEN_THROUGH_APT_GET = frozenset({"DL3008", "DL3009", "DL3014", "DL3015"})


def corpus() -> list[Path]:
    root = SHARED / "corpus"
    return sorted(p for p in root.rglob("*") if p.is_file() and is_dockerfile(p)) if root.is_dir() else []


def hadolint(paths: Sequence[Path]) -> dict[Path, list[tuple[str, int]]]:
    """(code, line) of every finding hadolint reports, per file; files it cannot parse report DL1000."""
    found: dict[Path, list[tuple[str, int]]] = {p: [] for p in paths}
    for i in range(0, len(paths), BATCH):
        chunk = [str(p) for p in paths[i : i + BATCH]]
        out = subprocess.run(
            [str(HADOLINT), "--no-fail", "--no-color", "-f", "json", *chunk], capture_output=True, text=True, check=False
        ).stdout
        for row in json.loads(out or "[]"):
            found[Path(row["file"])].append((row["code"], int(row["line"])))
    return found


@dataclass
class FileRun:
    path: Path
    text: str
    result: Result | None  # None: our parser rejects the file (the parser tests cover those)
    second: str | None = None  # the output of a run on the output
    before: list[tuple[str, int]] = field(default_factory=list)
    after: list[tuple[str, int]] = field(default_factory=list)


def run_corpus(rules: Sequence[Rule], workdir: Path, files: Sequence[Path] | None = None) -> list[FileRun]:
    runs: list[FileRun] = []
    for p in files if files is not None else corpus():
        text = read(p)
        try:
            parse(text)
        except ParseError:
            runs.append(FileRun(p, text, None))
            continue
        result = fix_text(text, rules, FileContext())
        second = fix_text(result.output, rules, FileContext()).output
        runs.append(FileRun(p, text, result, second))
    fixed: dict[Path, FileRun] = {}
    for r in runs:
        if r.result is not None:
            dst = workdir / r.path.relative_to(SHARED)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(r.result.output.encode("utf-8"))
            fixed[dst] = r
    before = hadolint([r.path for r in runs if r.result is not None])
    after = hadolint(list(fixed))
    for dst, r in fixed.items():
        r.before = before[r.path]
        r.after = after[dst]
    return runs


def hadolint_codes(rules: Sequence[Rule]) -> dict[str, str]:
    """hadolint code → the dockfix rule code that answers it."""
    return {h: r.code for r in rules for h in r.hadolint}


def table(runs: Sequence[FileRun], codes: dict[str, str]) -> str:
    before = collections.Counter(c for r in runs for c, _ in r.before)
    after = collections.Counter(c for r in runs for c, _ in r.after)
    lines = ["| hadolint | rule | before | after |", "|---|---|---|---|"]
    for code in sorted(set(before) | set(after) | set(codes)):
        if code in codes or before[code] != after[code]:
            lines.append(f"| {code} | {codes.get(code, '-')} | {before[code]} | {after[code]} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    select = argv[argv.index("--select") + 1].split(",") if "--select" in argv else ["ALL"]
    rules = select_rules(select)
    with tempfile.TemporaryDirectory() as tmp:
        runs = run_corpus(rules, Path(tmp))
    print(f"{sum(r.result is not None for r in runs)} files, rules: {','.join(select)}")
    print(table(runs, hadolint_codes([r for r in all_rules() if r.code in ISSUE10])))


if __name__ == "__main__":
    main(sys.argv[1:])
