"""What the bot writes: the commit message, the pull request title, and its body.

The body explains every change: a table (file, rule, what changed), why each rule exists (from the
rule's own documentation), the unsafe fixes called out, and a collapsed diff per file. It never exceeds
the forge's limit: the diffs are cut first, and the table is kept whole.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fixer.bot.fixes import FileFix, FixRun
from fixer.engine.rules import Rule

GITHUB_BODY_LIMIT = 65_536
MARKER = "<!-- dockfix-bot -->"
TITLE_MAX = 72

def action(code: str, rules: Mapping[str, Rule]) -> str:
    """The rule's own short imperative phrase for commit subjects (declared with the rule)."""
    r = rules.get(code)
    if r is None:
        return f"fix {code}"
    return r.phrase or f"fix {r.name}"


def sections(doc: str) -> dict[str, str]:
    """A rule docstring's `## ` sections by heading."""
    out: dict[str, str] = {}
    heading: str | None = None
    lines: list[str] = []
    for line in doc.splitlines():
        if line.startswith("## "):
            if heading is not None:
                out[heading] = "\n".join(lines).strip()
            heading, lines = line[3:].strip(), []
        else:
            lines.append(line)
    if heading is not None:
        out[heading] = "\n".join(lines).strip()
    return out


def codes_applied(run: FixRun) -> list[str]:
    return sorted({f.code for ff in run.files for f in ff.fixed})


def title(run: FixRun, rules: Mapping[str, Rule]) -> str:
    phrases = [action(c, rules) for c in codes_applied(run)]
    full = "dockfix: " + ", ".join(phrases)
    if len(full) <= TITLE_MAX or len(phrases) < 2:
        return full
    for keep in range(len(phrases) - 1, 0, -1):
        short = "dockfix: " + ", ".join(phrases[:keep]) + f" and {len(phrases) - keep} more"
        if len(short) <= TITLE_MAX:
            return short
    return f"dockfix: {len(phrases)} kinds of Dockerfile fixes"


def commit_message(run: FixRun, rules: Mapping[str, Rule]) -> str:
    lines = [title(run, rules), "", "Rules applied:"]
    for code in codes_applied(run):
        counts = Counter(ff.path for ff in run.files for f in ff.fixed if f.code == code)
        where = ", ".join(f"{p} ({n})" if n > 1 else p for p, n in sorted(counts.items()))
        name = rules[code].name if code in rules else ""
        lines.append(f"- {code} {name}: {where}")
    unsafe = sorted({f"{f.code} in {ff.path}" for ff in run.files for f in ff.unsafe})
    if unsafe:
        lines += ["", "Unsafe fixes (review carefully): " + ", ".join(unsafe)]
    return "\n".join(lines) + "\n"


# -- the body ----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell: one line, pipes escaped, HTML only inside code spans."""
    parts = re.split(r"(`[^`\n]*`)", " ".join(text.split()))
    out = []
    for p in parts:
        if p.startswith("`") and p.endswith("`") and len(p) > 1:
            out.append(p.replace("|", "\\|"))
        else:
            out.append(p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|"))
    return "".join(out)


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def _rule_ref(code: str, rules: Mapping[str, Rule]) -> str:
    r = rules.get(code)
    return f"**{code}** {_code(r.name)}" if r else f"**{code}**"


@dataclass
class _Diff:
    path: str
    lines: list[str]

    @property
    def stat(self) -> str:
        added = sum(1 for ln in self.lines[2:] if ln.startswith("+"))
        removed = sum(1 for ln in self.lines[2:] if ln.startswith("-"))
        return f"+{added} \u2212{removed}"

    def fence(self) -> str:
        longest = max((len(m) for ln in self.lines for m in re.findall(r"`+", ln)), default=0)
        return "`" * max(3, longest + 1)

    def full(self) -> str:
        return self.block(len(self.lines))

    def block(self, shown: int) -> str:
        fence = self.fence()
        text = "".join(ln if ln.endswith("\n") else ln + "\n" for ln in self.lines[:shown])
        note = ""
        if shown < len(self.lines):
            note = (
                f"\n\u2026 diff cut after {shown} of {len(self.lines)} lines to fit the pull request body; "
                f"`dockfix --diff {self.path}` shows all of it.\n"
            )
        return (
            f"<details>\n<summary><code>{_html(self.path)}</code> ({self.stat})</summary>\n\n"
            f"{fence}diff\n{text}{fence}\n{note}\n</details>\n\n"
        )

    def omitted(self) -> str:
        return f"- {_code(self.path)} ({self.stat}): diff not shown, the body is at its size limit.\n"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(run: FixRun, rules: Mapping[str, Rule], compact: bool) -> str:
    rows = ["| File | Rule | What changed |", "| --- | --- | --- |"]
    for ff in run.files:
        fixed = ff.fixed
        if compact:
            # one row per file and rule: the fallback when a row per fix would not fit
            for code, n in sorted(Counter(f.code for f in fixed).items()):
                first = next(f for f in fixed if f.code == code)
                more = f" (and {n - 1} more)" if n > 1 else ""
                rows.append(f"| {_cell(_code(ff.path))} | {_rule_ref(code, rules)} | line {first.line}: {_cell(first.message)}{more} |")
            continue
        for f in fixed:
            mark = " \u26a0\ufe0f unsafe" if f in ff.unsafe else ""
            rows.append(f"| {_cell(_code(ff.path))} | {_rule_ref(f.code, rules)}{mark} | line {f.line}: {_cell(f.message)} |")
    return "\n".join(rows) + "\n"


def _unsafe(run: FixRun, rules: Mapping[str, Rule]) -> str:
    items = [(ff, f) for ff in run.files for f in ff.unsafe]
    if not items:
        return ""
    out = [
        "> [!WARNING]",
        f"> **{len(items)} unsafe fix{'es' if len(items) != 1 else ''}: review carefully.** "
        "These keep the Dockerfile valid but may change how the image builds or runs.",
    ]
    for ff, f in items:
        out.append(f"> - {_code(ff.path)} line {f.line}: {_rule_ref(f.code, rules)}: {' '.join(f.message.split())}")
    for code in sorted({f.code for _, f in items}):
        safety = sections(rules[code].doc).get("Fix safety", "") if code in rules else ""
        if safety:
            out.append(">")
            out.append(f"> {_rule_ref(code, rules)}: " + " ".join(safety.split()))
    return "\n".join(out) + "\n"


def _why(run: FixRun, rules: Mapping[str, Rule], brief: bool) -> str:
    out = ["### Why", ""]
    for code in codes_applied(run):
        r = rules.get(code)
        if r is None:
            continue
        secs = sections(r.doc)
        text = secs.get("Why is this bad?") or secs.get("What it does") or r.summary
        if brief:
            text = r.summary
        out.append(f"{_rule_ref(code, rules)}: {text.strip()}")
        out.append("")
    return "\n".join(out) + "\n"


def _header(run: FixRun) -> str:
    n = sum(len(ff.fixed) for ff in run.files)
    files = len(run.files)
    return (
        f"{MARKER}\n"
        f"dockfix fixed **{n} problem{'s' if n != 1 else ''}** in **{files} Dockerfile{'s' if files != 1 else ''}**. "
        "Each change is listed below with the reason for it; merging this pull request applies them.\n\n"
        "### Summary\n\n"
    )


def _problems(run: FixRun) -> str:
    if not run.problems:
        return ""
    shown = run.problems[:20]
    more = f"\n- \u2026 and {len(run.problems) - len(shown)} more" if len(run.problems) > len(shown) else ""
    return (
        "These files could not be fixed and were left as they are:\n\n"
        + "".join(f"- {_cell(p)}\n" for p in shown)
        + more
        + "\n"
    )


FOOTER = (
    "---\n"
    "<sub>Opened by dockfix-bot. Each run updates this pull request to match the base branch; "
    "once the base has every fix it is closed. Silence a rule with `# dockfix: ignore=CODE` above an instruction.</sub>\n"
)


def render(run: FixRun, rules: Mapping[str, Rule], limit: int = GITHUB_BODY_LIMIT) -> str:
    """The pull request body, at most `limit` characters."""
    diffs = [_Diff(ff.path, _diff_lines(ff)) for ff in run.files]
    for compact, brief in ((False, False), (False, True), (True, True)):
        head = (
            _header(run)
            + _table(run, rules, compact)
            + "\n"
            + (_unsafe(run, rules) + "\n" if run.files else "")
            + _why(run, rules, brief)
            + _problems(run)
            + "### Changes\n\n"
        )
        budget = limit - len(head) - len(FOOTER)
        if budget >= sum(len(d.omitted()) for d in diffs):
            return head + _fit(diffs, budget) + FOOTER
    # not even the compact table fits: the one case where the table itself has to be cut
    head = _header(run) + _table(run, rules, True)
    note = "\n\u2026 the table was cut to fit the pull request body; run `dockfix --check` to list everything.\n"
    cut = head[: max(0, limit - len(note) - len(FOOTER))]
    cut = cut[: cut.rfind("\n") + 1]
    return cut + note + FOOTER


def _diff_lines(ff: FileFix) -> list[str]:
    from fixer.diff import unified_diff

    return unified_diff(ff.source, ff.output, f"a/{ff.path}", f"b/{ff.path}")


def _fit(diffs: Sequence[_Diff], budget: int) -> str:
    """Whole diffs in order while they fit; the first that does not is cut at a line; the rest are only named."""
    out: list[str] = []
    left = budget
    for i, d in enumerate(diffs):
        rest = sum(len(x.omitted()) for x in diffs[i + 1 :])
        full = d.full()
        if len(full) + rest <= left:
            out.append(full)
            left -= len(full)
            continue
        shown = _most_lines(d, left - rest)
        if shown:
            out.append(d.block(shown))
        else:
            out.append(d.omitted())
        out.extend(x.omitted() for x in diffs[i + 1 :])
        break
    return "".join(out)


def _most_lines(d: _Diff, room: int) -> int:
    """The most diff lines (past the two file headers) whose cut block fits in `room`; 0 when none does."""
    lo, hi = 3, len(d.lines) - 1
    if hi < lo or len(d.block(lo)) > room:
        return 0
    while lo < hi:  # block length grows with the lines shown
        mid = (lo + hi + 1) // 2
        if len(d.block(mid)) <= room:
            lo = mid
        else:
            hi = mid - 1
    return lo
