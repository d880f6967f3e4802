"""How DF002 treats the RUN pairs of the shared corpus: `python -m tests.scripts.df002_corpus_stats [--unsafe] [-v]`.

Counts every pair of adjacent RUNs of one stage in the original files (the pairs hadolint's DL3059
looks at) by what DF002 decides for it, and how many merges the fixed-point pipeline applied.
"""

from __future__ import annotations

import sys
from collections import Counter

from fixer.engine.finding import Applicability
from fixer.engine.rules import select_rules
from fixer.rules.consecutive_run import plan_merge
from fixer.syntax import Dockerfile, ParseError, parse
from tests.support.corpus import SHARED, is_dockerfile, read


def classify(df: Dockerfile) -> list[tuple[int, str, str]]:
    """(line of the later RUN, reason, detail) for every adjacent RUN pair of one stage."""
    out: list[tuple[int, str, str]] = []
    for stage in df.stages:
        for a, b in zip(stage.instructions, stage.instructions[1:]):
            if a.cmd != "RUN" or b.cmd != "RUN":
                continue
            if a.json or b.json:
                out.append((b.start_line, "exec-form", ""))
            elif a.heredocs or b.heredocs:
                out.append((b.start_line, "heredoc", ""))
            elif [f.raw for f in a.flags] != [f.raw for f in b.flags]:
                out.append((b.start_line, "flags-differ", ""))
            else:
                plan = plan_merge(df, a, b)
                out.append((b.start_line, plan.reason, plan.detail))
    return out


def main(argv: list[str]) -> int:
    from fixer.engine.pipeline import fix_text

    unsafe = "--unsafe" in argv
    verbose = "-v" in argv
    rules = select_rules(["DF002"])
    reasons: Counter[str] = Counter()
    details: Counter[str] = Counter()
    merges = files = changed = 0
    for path in sorted(p for p in (SHARED / "corpus").rglob("*") if p.is_file() and is_dockerfile(p)):
        text = read(path)
        try:
            df = parse(text)
        except ParseError:
            continue
        files += 1
        for line, reason, detail in classify(df):
            reasons[reason] += 1
            if reason in ("state-change", "shell-parse", "non-posix-shell", "errexit"):
                details[f"{reason}: {detail.split(':')[0][:60]}"] += 1
            if verbose and reason not in ("merge",):
                print(f"{path.relative_to(SHARED)}:{line}: {reason} {detail}")

        def allow(f: object) -> bool:
            fix = getattr(f, "fix", None)
            return fix is not None and (unsafe or fix.applicability is Applicability.SAFE)

        result = fix_text(text, rules, allow=allow)
        merges += sum(1 for f in result.findings if f.fixed)
        changed += result.changed
    total = sum(reasons.values())
    print(f"files parsed: {files}, changed: {changed}")
    print(f"adjacent RUN pairs in one stage: {total}")
    for reason, n in reasons.most_common():
        print(f"  {reason:18} {n}")
    print(f"merges applied by the fixed-point pipeline ({'safe+unsafe' if unsafe else 'safe only'}): {merges}")
    print("details:")
    for d, n in details.most_common():
        print(f"  {n:4} {d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
