"""Writing values that BuildKit reads back unchanged: double-quoted words for LABEL and ENV."""

from __future__ import annotations


def double_quoted(value: str, escape: str) -> str:
    """`value` as one double-quoted word that BuildKit's word processing turns back into `value`,
    with no variable expanded (inside double quotes the escape character protects `"`, `$` and itself)."""
    out = ['"']
    for ch in value:
        if ch in ('"', "$", escape):
            out.append(escape)
        out.append(ch)
    out.append('"')
    return "".join(out)
