"""Suppression pragmas, applied in one place after the rules run (as hadolint does).

- `# dockfix: ignore=DF002,consecutive-run` in the comments directly above an instruction; `# dockfix: ignore` for all rules
- `# dockfix: global ignore=DF001` anywhere before the first FROM covers the whole file
- `# hadolint ignore=DL3059` / `# hadolint global ignore=DL3059` silence the rules that answer those codes
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from fixer.engine.finding import Finding
from fixer.syntax import Dockerfile

_DOCKFIX = re.compile(r"^\s*#\s*dockfix:\s*(global\s+)?ignore(?:\s*=\s*([\w,\s-]+))?\s*$", re.IGNORECASE)
_HADOLINT = re.compile(r"^\s*#\s*hadolint\s+(global\s+)?ignore\s*=\s*([\w,\s]+)$", re.IGNORECASE)
ALL = "*"


@dataclass
class Pragmas:
    file: set[str] = field(default_factory=set)  # codes/names, DL codes, or ALL
    by_instruction: dict[int, set[str]] = field(default_factory=dict)


def _tokens(spec: str | None) -> set[str]:
    if not spec:
        return {ALL}
    return {t.strip() for t in spec.split(",") if t.strip()}


def read_pragmas(df: Dockerfile) -> Pragmas:
    pragmas = Pragmas()
    first_from = next((i.start for i in df.instructions if i.cmd == "FROM"), len(df.text))
    for instr in df.instructions:
        for comment in instr.comments:
            _read(comment.text, comment.start < first_from, pragmas, instr.index)
    for ln in df.lines:
        # global pragmas may also stand detached (followed by a blank line)
        if ln.start < first_from:
            _read(ln.text, True, pragmas, None)
    return pragmas


def _read(text: str, before_from: bool, pragmas: Pragmas, index: int | None) -> None:
    for regex, is_hadolint in ((_DOCKFIX, False), (_HADOLINT, True)):
        m = regex.match(text)
        if not m:
            continue
        if is_hadolint and not m.group(2):
            continue
        toks = _tokens(m.group(2))
        if m.group(1):
            if before_from:
                pragmas.file |= toks
        elif index is not None:
            pragmas.by_instruction.setdefault(index, set()).update(toks)


def _covers(tokens: set[str], f: Finding) -> bool:
    if ALL in tokens:
        return True
    up = {t.upper() for t in tokens}
    return f.code in up or f.name.upper() in up or any(h in up for h in f.hadolint)


def suppress(df: Dockerfile, findings: Iterable[Finding]) -> list[Finding]:
    pragmas = read_pragmas(df)
    if not pragmas.file and not pragmas.by_instruction:
        return list(findings)
    kept = []
    for f in findings:
        if _covers(pragmas.file, f):
            continue
        idx = f.instruction
        if idx is None:
            idx = next((i.index for i in df.instructions if i.start_line <= f.line <= i.end_line), None)
        if idx is not None and _covers(pragmas.by_instruction.get(idx, set()), f):
            continue
        kept.append(f)
    return kept
