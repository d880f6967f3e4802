"""DF004 over the shared corpus: how many COPYs move, how many manifest splits, why the others stay.

Run: .venv/bin/python -m tests.scripts.df004_corpus_stats [--unsafe]
The corpus has no build contexts, so splits there are unsafe fixes (applied only with --unsafe).
"""

from __future__ import annotations

import collections
import re
import sys

from fixer.layering.plan import plan
from fixer.model.state import states
from fixer.engine.finding import Applicability, Finding
from fixer.engine.pipeline import fix_text
from fixer.engine.rules import FileContext, select_rules
from fixer.syntax import ParseError, parse
from tests.support.corpus import SHARED, is_dockerfile, read


def main() -> None:
    unsafe = "--unsafe" in sys.argv
    rules = select_rules(["DF004"])
    files = sorted(p for p in (SHARED / "corpus").rglob("*") if p.is_file() and is_dockerfile(p))
    moved = splits = splits_unsafe = reported = changed = 0
    stops: collections.Counter[str] = collections.Counter()
    copies = 0
    for path in files:
        def allow(f: Finding) -> bool:
            return f.fix is not None and (unsafe or f.fix.applicability is Applicability.SAFE)

        try:
            result = fix_text(read(path), rules, FileContext(), allow=allow)
        except ParseError:
            continue
        changed += result.changed
        for f in result.findings:
            if f.fixed and "copies the whole project" in f.message:
                splits += 1
                splits_unsafe += "(unsafe:" in f.message
            elif f.fixed:
                moved += 1
            elif "cannot be split off" in f.message:
                reported += 1
        df = parse(result.output)
        for stage in df.stages:
            before = states(df, stage)
            for pos, instr in enumerate(stage.instructions):
                if instr.cmd in ("COPY", "ADD"):
                    p = plan(df, stage, pos, None, before)
                    if p is None:
                        continue
                    copies += 1
                    reason = re.sub(r"`[^`]*`", "`…`", p.stop)
                    if p.split is not None and p.split.unsafe:
                        reason = "manifest split offered as an unsafe fix"
                    stops[reason.split(" (")[0]] += 1
    print(f"files: {len(files)}, changed: {changed}")
    print(f"COPYs moved: {moved}; manifest splits: {splits} ({splits_unsafe} unsafe); installs reported, not split: {reported}")
    print(f"build-context COPY/ADD left in place after fixing: {copies}; why each stops where it is:")
    for reason, n in stops.most_common():
        print(f"  {n:4d}  {reason}")


if __name__ == "__main__":
    main()
