"""Reports for people and machines: text, json, SARIF 2.1.0, GitHub workflow commands, statistics."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import fixer
from fixer.engine.finding import Finding

if TYPE_CHECKING:
    from fixer.engine.rules import Rule

DOCS_URL = "https://github.com/dockfix/dockfix/blob/main/docs/rules.md"


@dataclass
class FileOutcome:
    name: str
    changed: bool = False
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    diff: list[str] = field(default_factory=list)
    source: str = ""
    unused_pragmas: list[tuple[int, str]] = field(default_factory=list)


def anchor(rule: Rule) -> str:
    return f"{DOCS_URL}#{rule.code.lower()}-{rule.name}"


def fix_safety(rule: Rule) -> str:
    """'safe', 'unsafe', 'sometimes' or 'none', as the rule declares it."""
    return rule.fixes.value


def _row(name: str, f: Finding) -> dict[str, Any]:
    return {
        "file": name,
        "line": f.line,
        "column": f.column,
        "code": f.code,
        "name": f.name,
        "message": f.message,
        "fixable": f.fixable,
        "applicability": f.applicability,
        "fixed": f.fixed,
        "hadolint": list(f.hadolint),
        "buildkit": list(f.buildkit),
    }


def write_json(out: TextIO, outcomes: Sequence[FileOutcome]) -> None:
    rows = [_row(o.name, f) for o in outcomes for f in o.findings]
    out.write(json.dumps(rows, indent=2) + "\n")


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return s.replace(":", "%3A").replace(",", "%2C") if prop else s


def write_github(out: TextIO, outcomes: Sequence[FileOutcome]) -> None:
    for o in outcomes:
        for f in o.findings:
            level = "notice" if f.fixed else "warning"
            props = f"file={_gh_escape(o.name, True)},line={f.line},col={f.column},title={_gh_escape(f.code + ' ' + f.name, True)}"
            state = " (fixed)" if f.fixed else ""
            out.write(f"::{level} {props}::{_gh_escape(f.message + state)}\n")
        if o.error:
            out.write(f"::error file={_gh_escape(o.name, True)}::{_gh_escape(o.error)}\n")


def sarif(outcomes: Sequence[FileOutcome], rules: Sequence[Rule]) -> dict[str, Any]:
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    for o in outcomes:
        uri = o.name.removeprefix("./")
        for f in o.findings:
            res: dict[str, Any] = {
                "ruleId": f.code,
                "level": "note" if f.fixed else "warning",
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": {"startLine": f.line, "startColumn": f.column},
                        }
                    }
                ],
            }
            if f.code in index:
                res["ruleIndex"] = index[f.code]
            # edits are offsets into the text the rule saw; only first-pass fixes index the file as it is
            if f.fix is not None and f.pass_no == 1:
                res["fixes"] = [
                    {
                        "description": {"text": f"{f.code} {f.name}: {f.message}"},
                        "artifactChanges": [
                            {
                                "artifactLocation": {"uri": uri},
                                "replacements": [
                                    {
                                        "deletedRegion": {"charOffset": e.start, "charLength": e.end - e.start},
                                        "insertedContent": {"text": e.text},
                                    }
                                    for e in f.fix.edits
                                ],
                            }
                        ],
                    }
                ]
            results.append(res)
    driver = {
        "name": "dockfix",
        "version": fixer.__version__,
        "informationUri": DOCS_URL,
        "rules": [
            {
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.doc},
                "helpUri": anchor(r),
                "properties": {"hadolint": list(r.hadolint), "buildkit": list(r.buildkit), "fix": fix_safety(r)},
            }
            for r in rules
        ],
    }
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


def write_text(out: TextIO, outcomes: Sequence[FileOutcome], mode: str) -> None:
    fixed = remaining = 0
    for o in outcomes:
        for f in o.findings:
            if f.fixed:
                fixed += 1
                if mode == "write":
                    continue
            else:
                remaining += 1
            mark = " [*]" if f.fixed else ""
            hint = " (unsafe fix available with --unsafe-fixes)" if not f.fixed and f.fixable else ""
            out.write(f"{o.name}:{f.line}:{f.column}: {f.code} {f.name}{mark} {f.message}{hint}\n")
        for line, text in o.unused_pragmas:
            out.write(f"{o.name}:{line}:1: unused pragma: {text.strip()}\n")
    changed = sum(1 for o in outcomes if o.changed)
    verb = "fixed" if mode == "write" else "fixable"
    summary = f"{fixed} {verb}, {remaining} remaining"
    if mode == "check" and changed:
        summary += f"; {changed} file{'s' if changed != 1 else ''} would change"
    out.write(summary + "\n")


def write_statistics(out: TextIO, outcomes: Sequence[FileOutcome]) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    fixed: Counter[str] = Counter()
    for o in outcomes:
        for f in o.findings:
            counts[(f.code, f.name)] += 1
            fixed[f.code] += f.fixed
    for (code, name), n in sorted(counts.items()):
        out.write(f"{n:6d}  {code}  {name}  ({fixed[code]} fixed)\n")


def write_show_fixes(out: TextIO, outcomes: Sequence[FileOutcome]) -> None:
    for o in outcomes:
        done = [f for f in o.findings if f.fixed]
        if not done:
            continue
        out.write(f"{o.name}:\n")
        for f in done:
            out.write(f"    {f.line}:{f.column} {f.code} {f.name}: {f.message}\n")


def rules_table(rules: Sequence[Rule]) -> str:
    head = ("code", "name", "fix", "hadolint", "buildkit")
    rows = [head] + [
        (r.code, r.name, fix_safety(r), ",".join(r.hadolint) or "-", ",".join(r.buildkit) or "-") for r in rules
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return "".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n" for row in rows)


def rules_markdown(rules: Sequence[Rule]) -> str:
    """docs/rules.md, generated from the rules' declarations and docstrings (`make docs`)."""
    out = [
        "# dockfix rules\n\n",
        "Generated from the rules' declarations and docstrings by `make docs`; do not edit by hand.\n\n",
        "| code | name | fix | hadolint | BuildKit check |\n|---|---|---|---|---|\n",
    ]
    for r in rules:
        link = f"[{r.name}](#{r.code.lower()}-{r.name})"
        out.append(f"| {r.code} | {link} | {fix_safety(r)} | {', '.join(r.hadolint) or '-'} | {', '.join(r.buildkit) or '-'} |\n")
    for r in rules:
        out.append(f"\n## {r.code} {r.name}\n\n")
        body = re.sub(r"^## ", "### ", r.doc, flags=re.MULTILINE)
        out.append(body.rstrip() + "\n")
    return "".join(out)
