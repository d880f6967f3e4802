"""DF026 legacy-key-value-format: `ENV key value` / `LABEL key value` → `key=value`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.words import split_words
from fixer.syntax import Dockerfile, Instruction, ParseError
from fixer.syntax.buildkit import node_of


@rule(
    "DF026",
    "legacy-key-value-format",
    fixes=Fixes.SAFE,
    phrase="write ENV and LABEL as key=value",
    buildkit=("LegacyKeyValueFormat",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Rewrites the legacy whitespace form `ENV key value` (and `LABEL key value`) as `key=value`, quoting
    the value when it holds spaces: `ENV GREETING hello world` becomes `ENV GREETING="hello world"`.

    ## Why is this bad?
    The legacy form sets one variable to the whole rest of the line, which reads like several words;
    `ENV a b c` silently means `a="b c"`. BuildKit's `LegacyKeyValueFormat` check warns about it, and the
    form may be removed from a future Dockerfile syntax.

    ## Example
    ```dockerfile
    ENV JAVA_HOME /opt/java
    ENV GREETING hello  world
    ```
    Use instead:
    ```dockerfile
    ENV JAVA_HOME=/opt/java
    ENV GREETING="hello  world"
    ```

    ## Fix safety
    Safe: the value BuildKit computes is the same, byte for byte: whitespace inside the value is kept
    by double quotes, or escaped one character at a time when the value already holds quotes or escapes.
    """
    for instr in df.instructions:
        if instr.cmd not in ("ENV", "LABEL"):
            continue
        try:
            node = node_of(instr, df.escape)
        except ParseError:
            continue
        if not node.pairs or len(node.next) != 3 or node.next[2] != "":
            continue
        key, value = str(node.next[0]), str(node.next[1])
        message = f"Use `{instr.keyword} {key}=…` instead of the legacy `{instr.keyword} {key} …` form"
        yield ctx.report(df, instr.start, message, _fix(df, instr, key, value), instruction=instr.index)


def _unquoted_spaces(value: str, escape: str) -> list[int]:
    """Indices of the whitespace characters BuildKit's word splitting would split `value` at: every
    character that no word covers."""
    in_words = {i for w in split_words(value, escape) for i in range(w.start, w.end)}
    return [i for i in range(len(value)) if i not in in_words]


def _fix(df: Dockerfile, instr: Instruction, key: str, value: str) -> Fix | None:
    args = instr.args
    if not args.startswith(key):
        return None
    vstart = len(args) - len(value)
    if not args.endswith(value) or vstart <= len(key):
        return None
    # the separator may run over a line continuation (`ENV DEPS \` then the value indented below): it
    # is replaced whole, which pulls the value's first line up to the key
    a = instr.file_offset(instr.args_start + len(key))
    b = instr.file_offset(instr.args_start + vstart)
    esc = re.escape(df.escape)
    if not re.fullmatch(rf"[ \t]*(?:{esc}[ \t]*\r?\n[ \t]*)*", df.text[a:b]):
        return None  # a comment or an empty line inside: leave the layout to a human
    edits = [Edit(a, b, "=")]
    spaces = _unquoted_spaces(value, df.escape)
    if spaces and not any(c in value for c in ("'", '"', df.escape)):
        edits.append(Edit.insert(instr.file_offset(instr.args_start + vstart), '"'))
        edits.append(Edit.insert(instr.file_offset(instr.args_start + len(args) - 1) + 1, '"'))
    else:
        for i in spaces:
            edits.append(Edit.insert(instr.file_offset(instr.args_start + vstart + i), df.escape))
    return Fix.safe(*edits)
