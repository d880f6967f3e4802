"""DF034 env-self-reference: an ENV that uses a variable it defines itself is split in two."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.edits.instruction import indent_of
from fixer.model.stages import lineage_before
from fixer.model.words import SpannedWord, expanded_names, mentioned_names, split_words
from fixer.shell.lexer import unquote
from fixer.syntax import Dockerfile, Instruction, ParseError
from fixer.syntax.buildkit import node_of


@rule(
    "DF034",
    "env-self-reference",
    fixes=Fixes.SOMETIMES,
    phrase="split self-referencing ENV",
    hadolint=("DL3044",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Splits an `ENV` whose value refers to a variable that the same `ENV` defines into consecutive
    `ENV` instructions, so each reference comes after its definition:
    `ENV APP_HOME=/app PATH=$APP_HOME/bin:$PATH` becomes `ENV APP_HOME=/app` and `ENV PATH=$APP_HOME/bin:$PATH`.

    ## Why is this bad?
    Within one `ENV`, every `$VAR` expands to the value from *before* the instruction: above,
    `PATH` gets the old `APP_HOME` (usually empty), not `/app`. That is rarely what was meant.
    hadolint (DL3044) reports it.

    ## Example
    ```dockerfile
    ENV APP_HOME=/app PATH=$APP_HOME/bin:$PATH
    ```
    Use instead:
    ```dockerfile
    ENV APP_HOME=/app
    ENV PATH=$APP_HOME/bin:$PATH
    ```

    A name the `ENV` only re-exports (`ARG LANG` then `ENV LANG=${LANG} LC_ALL=${LANG}`) keeps its
    value, so a reference to it sees the same value either way: nothing to fix (hadolint's DL3044
    does not report names an `ARG` declared either).

    ## Fix safety
    Sometimes safe. Splitting is safe when the reference does not expand (single quotes, an escaped `$`),
    names a variable the same `ENV` defines only later, or the variable already had the new value
    before the `ENV`. Otherwise the fix is unsafe: it changes the value to the one the author
    presumably meant.
    """
    for instr in df.instructions:
        if instr.cmd != "ENV":
            continue
        try:
            node = node_of(instr, df.escape)
        except ParseError:
            continue
        if not node.pairs or any(node.next[i] != "=" for i in range(2, len(node.next), 3)):
            continue
        words = split_words(instr.args, df.escape)
        if len(words) < 2 or any("=" not in w.raw for w in words):
            continue
        splits, safe, names = _splits(df, instr, words)
        if not splits:
            continue
        edits = _edits(df, instr, words, splits)
        fix = None if edits is None else (Fix.safe(*edits) if safe else Fix.unsafe(*edits))
        yield ctx.report(
            df,
            instr.start,
            f"`{instr.keyword}` uses {', '.join(f'`${n}`' for n in sorted(names))} that it defines itself: "
            "the reference sees the value from before the instruction",
            fix,
            instruction=instr.index,
        )


def _splits(df: Dockerfile, instr: Instruction, words: list[SpannedWord]) -> tuple[list[int], bool, set[str]]:
    """Indices of the words a new ENV starts at, whether that keeps every value, and the names involved."""
    pairs = [w.raw.partition("=") for w in words]
    splits: list[int] = []
    names: set[str] = set()
    start = 0
    for j, (key, _, value) in enumerate(pairs):
        chunk = pairs[start:j]
        # `ENV NAME=${NAME} OTHER=${NAME}`: NAME keeps the value it had, so OTHER sees it either way
        kept = {k for k, v in {k: v for k, _, v in chunk}.items() if _reexports(k, v)}
        backward = (mentioned_names(value) & {k for k, _, _ in chunk}) - {key} - kept
        forward = {key} if any(key in mentioned_names(v) for _, _, v in chunk) else set()
        if backward or forward:
            splits.append(j)
            names |= backward | forward
            start = j
    # a reference that now sees a value set by an earlier part must see the same value as before
    safe = True
    bounds = [0, *splits]
    for j, (key, _, value) in enumerate(pairs):
        first = max(b for b in bounds if b <= j)
        for name in expanded_names(value, df.escape):
            earlier = [v for k, _, v in pairs[:first] if k == name]
            if earlier and _value_before(df, instr, name) != _literal(earlier[-1]):
                safe = False
    return splits, safe, names


def _reexports(name: str, raw: str) -> bool:
    """The value is the variable's own value from before (`$NAME`, `${NAME}`, `"${NAME}"`)."""
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    return raw in (f"${name}", f"${{{name}}}")


def _literal(raw: str) -> str | None:
    return None if "$" in raw else unquote(raw)


def _value_before(df: Dockerfile, instr: Instruction, name: str) -> str | None:
    """The literal value `name` has just before `instr`, when an earlier ENV or ARG of the stage sets it."""
    for i in lineage_before(df, instr):
        if i.cmd not in ("ENV", "ARG"):
            continue
        for w in reversed(split_words(i.args, df.escape)):
            key, eq, value = w.raw.partition("=")
            if key == name:
                return _literal(value) if eq else None
    return None


def _edits(df: Dockerfile, instr: Instruction, words: list[SpannedWord], splits: list[int]) -> list[Edit] | None:
    lead = indent_of(df, instr) + instr.keyword + " "
    edits: list[Edit] = []
    for j in splits:
        a = instr.file_offset(instr.args_start + words[j - 1].end - 1) + 1
        b = instr.file_offset(instr.args_start + words[j].start)
        between = df.text[a:b]
        if any(ln.lstrip().startswith("#") for ln in between.splitlines()[1:]):
            return None  # a comment line inside the instruction: leave the layout to a human
        edits.append(Edit(a, b, df.newline + lead))
    return edits
