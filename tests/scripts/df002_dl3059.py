"""DF002 beside hadolint's DL3059 on the shared corpus: `python -m tests.scripts.df002_dl3059 [-v]`.

For every corpus file: RUN instructions before and after DF002's safe fixes (DF002 alone, offline),
hadolint's DL3059 findings before and after, files where hadolint reports a code it did not report
before, and comment lines (pragmas included) that are gone from the fixed file. A DF002 that merges
only what DL3059 flags removes about as many RUNs as DL3059 findings disappear.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from fixer.engine.pipeline import fix_text
from fixer.engine.rules import select_rules
from fixer.syntax import ParseError, parse

SHARED = Path(__file__).resolve().parents[3] / "shared"
HADOLINT = Path(sys.executable).with_name("hadolint")
CHUNK = 100


def _files() -> list[Path]:
    skip = {"MANIFEST.sha256", "result"}
    return sorted(p for p in (SHARED / "corpus").rglob("*") if p.is_file() and p.name not in skip and p.suffix not in (".md", ".tsv"))


def _hadolint(paths: list[Path]) -> dict[str, Counter[str]]:
    """hadolint's codes per file (default config, no colour)."""
    out: dict[str, Counter[str]] = {str(p): Counter() for p in paths}
    for i in range(0, len(paths), CHUNK):
        chunk = [str(p) for p in paths[i : i + CHUNK]]
        res = subprocess.run([str(HADOLINT), "--no-fail", "-f", "json", *chunk], capture_output=True, text=True)
        for item in json.loads(res.stdout or "[]"):
            out.setdefault(item["file"], Counter())[item["code"]] += 1
    return out


def _comments(text: str) -> Counter[str]:
    return Counter(ln.text.strip() for ln in parse(text).lines if ln.text.lstrip().startswith("#"))


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    rules = select_rules(["DF002"])
    runs_before = runs_after = changed = 0
    lost: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        befores: list[Path] = []
        afters: list[Path] = []
        names: list[str] = []
        removed: list[int] = []
        for n, path in enumerate(_files()):
            text = path.read_bytes().decode("utf-8")
            try:
                df = parse(text)
            except ParseError:
                continue
            out = fix_text(text, rules).output
            runs_before += sum(1 for i in df.instructions if i.cmd == "RUN")
            runs_after += sum(1 for i in parse(out).instructions if i.cmd == "RUN")
            if out == text:
                continue
            changed += 1
            gone = _comments(text) - _comments(out)
            lost += [f"{path.relative_to(SHARED)}: {c}" for c in gone.elements()]
            b, a = Path(tmp) / f"{n}.before", Path(tmp) / f"{n}.after"
            b.write_text(text)
            a.write_text(out)
            befores.append(b)
            afters.append(a)
            names.append(str(path.relative_to(SHARED)))
            removed.append(sum(1 for i in df.instructions if i.cmd == "RUN") - sum(1 for i in parse(out).instructions if i.cmd == "RUN"))
        hb, ha = _hadolint(befores), _hadolint(afters)
        dl_before = sum(hb[str(p)]["DL3059"] for p in befores)
        dl_after = sum(ha[str(p)]["DL3059"] for p in afters)
        new_codes = []
        for name, b, a, r in zip(names, befores, afters, removed):
            new = sorted(set(ha[str(a)]) - set(hb[str(b)]))
            if new:
                new_codes.append(f"{name}: {', '.join(new)}")
            if verbose:
                print(f"{name}: RUN -{r}, DL3059 {hb[str(b)]['DL3059']} -> {ha[str(a)]['DL3059']}")
    print(f"files changed by DF002: {changed}")
    print(f"RUN instructions: {runs_before} -> {runs_after} (DF002 removes {runs_before - runs_after})")
    print(f"DL3059 in the changed files: {dl_before} -> {dl_after} (falls by {dl_before - dl_after})")
    print(f"files where hadolint reports a code it did not report before: {len(new_codes)}")
    for line in new_codes:
        print(f"  {line}")
    print(f"comment lines lost: {len(lost)}")
    for line in lost:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
