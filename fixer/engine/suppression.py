"""Suppression pragmas, applied in one place after the rules run (as hadolint does).

- `# dockfix: ignore=DF002,consecutive-run` in the comments directly above an instruction; `# dockfix: ignore` for all rules
- `# dockfix: global ignore=DF001` anywhere before the first FROM covers the whole file
- `# hadolint ignore=DL3059` / `# hadolint global ignore=DL3059` silence the rules that answer those codes
- BuildKit's `# check=skip=JSONArgsRecommended,…` (or `skip=all`) directive silences the rules answering those checks
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fixer.engine.finding import Finding
from fixer.model.memo import per_file
from fixer.syntax import Dockerfile

if TYPE_CHECKING:
    from fixer.engine.rules import Rule

_DOCKFIX = re.compile(r"^\s*#\s*dockfix:\s*(global\s+)?ignore(?:\s*=\s*([\w,\s-]+))?\s*$", re.IGNORECASE)
_HADOLINT = re.compile(r"^\s*#\s*hadolint\s+(global\s+)?ignore\s*=\s*([\w,\s]+)$", re.IGNORECASE)
ALL = "*"


@dataclass(eq=False)
class Pragma:
    line: int
    text: str
    tokens: set[str]  # rule codes/names, DL codes, BuildKit check names, or ALL
    instruction: int | None  # None: the whole file
    used: bool = False

    def covers(self, f: Finding | Rule) -> bool:
        """Whether this pragma names the rule (by code, name, hadolint code or BuildKit check)."""
        if ALL in self.tokens:
            return True
        up = {t.upper() for t in self.tokens}
        return (
            f.code in up
            or f.name.upper() in up
            or any(h.upper() in up for h in f.hadolint)
            or any(b.upper() in up for b in f.buildkit)
        )


def _tokens(spec: str | None) -> set[str]:
    if not spec:
        return {ALL}
    return {t.strip() for t in spec.split(",") if t.strip()}


def read_pragmas(df: Dockerfile) -> list[Pragma]:
    pragmas: list[Pragma] = []
    first_from = next((i.start for i in df.instructions if i.cmd == "FROM"), len(df.text))
    owner = {c.number: i.index for i in df.instructions for c in i.comments}
    for ln in df.lines:
        if "#" not in ln.text:  # most lines: no regex need look
            continue
        for regex, is_hadolint in ((_DOCKFIX, False), (_HADOLINT, True)):
            m = regex.match(ln.text)
            if not m:
                continue
            toks = _tokens(m.group(2))
            if m.group(1):
                if ln.start < first_from:
                    pragmas.append(Pragma(ln.number, ln.text, toks, None))
            elif ln.number in owner:
                pragmas.append(Pragma(ln.number, ln.text, toks, owner[ln.number]))
    check = df.directives.get("check")
    if check:
        for part in check.split(";"):
            key, _, value = part.partition("=")
            if key.strip().lower() == "skip":
                toks = {t.strip() for t in value.split(",") if t.strip()}
                if {t.lower() for t in toks} == {"all"}:
                    toks = {ALL}
                line = next((ln.number for ln in df.lines if ln.text.lstrip("# \t").lower().startswith("check")), 1)
                pragmas.append(Pragma(line, f"# check={check}", toks, None))
    return pragmas


def _instruction_of(df: Dockerfile, f: Finding) -> int | None:
    if f.instruction is not None:
        return f.instruction
    return next((i.index for i in df.instructions if i.start_line <= f.line <= i.end_line), None)


def suppress(df: Dockerfile, findings: Iterable[Finding], pragmas: list[Pragma] | None = None) -> list[Finding]:
    """The findings no pragma covers; pragmas that covered something are marked used."""
    pragmas = read_pragmas(df) if pragmas is None else pragmas
    if not pragmas:
        return list(findings)
    kept = []
    for f in findings:
        idx = _instruction_of(df, f)
        hit = [p for p in pragmas if (p.instruction is None or p.instruction == idx) and p.covers(f)]
        for p in hit:
            p.used = True
        if not hit:
            kept.append(f)
    return kept


@per_file
def _pragmas_of(df: Dockerfile) -> tuple[Pragma, ...]:
    # a copy for questions only: `suppress` marks its own pragmas used, these are never marked
    return tuple(read_pragmas(df))


def silences(df: Dockerfile, r: Rule, instruction: int) -> bool:
    """Whether a pragma of `df` silences rule `r` at the instruction with this index."""
    return any(p.instruction in (None, instruction) and p.covers(r) for p in _pragmas_of(df))


def unused(df: Dockerfile, findings: Iterable[Finding], known: Iterable[Rule]) -> list[tuple[int, str]]:
    """(line, text) of the dockfix/hadolint pragmas that suppress none of these findings, and of the
    `# dockfix:` pragmas naming a code none of the `known` rules (every registered one) answers (a typo
    silences nothing, ever). The caller passes the registry's rules: this module is below the registry."""
    known_names = _names(known)
    pragmas = read_pragmas(df)
    suppress(df, findings, pragmas)
    out = []
    for p in pragmas:
        unknown = _unknown_tokens(p, known_names) if _DOCKFIX.match(p.text) else []
        if unknown:
            names = ", ".join(f"`{t}`" for t in unknown)
            out.append((p.line, f"{p.text.strip()} ({names} {'names' if len(unknown) == 1 else 'name'} no rule)"))
        elif not p.used:
            out.append((p.line, p.text))
    return out


def _names(rules: Iterable[Rule]) -> set[str]:
    known = {ALL}
    for r in rules:
        known |= {r.code, r.name.upper(), *(h.upper() for h in r.hadolint), *(b.upper() for b in r.buildkit)}
    return known


def _unknown_tokens(p: Pragma, known: set[str]) -> list[str]:
    return sorted(t for t in p.tokens if t.upper() not in known)
