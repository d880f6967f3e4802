"""DF038 missing-pipefail: a SHELL with `-o pipefail` before the first RUN of a stage that pipes."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.casing import cased
from fixer.edits.instruction import indent_of
from fixer.model.base_image import family as stage_family
from fixer.model.stages import descendants
from fixer.model.commands import script_of
from fixer.shell.lexer import SUBSTITUTION_OPENERS, LexError, tokenize
from fixer.shell.model import CommandList, Compound
from fixer.shell.parse import ShellParseError, parse
from fixer.model.shells import DEFAULT
from fixer.model.state import shell_at
from fixer.syntax import Dockerfile, Instruction, Stage

BASH = ["/bin/bash", "-o", "pipefail", "-c"]
ASH = ["/bin/ash", "-o", "pipefail", "-c"]
SHELLS = {"debian": BASH, "rhel": BASH, "alpine": ASH}
# /bin/sh of the family: switching from dash to bash changes more than pipefail
_SH_IS = {"debian": "dash", "rhel": "bash", "alpine": "ash"}
# inside `$(…)` (one word to the lexer) fall back to patterns
_SIGPIPE_TEXT = re.compile(r"(?:^|[\s;&|(])yes(?:\s[^|]*)?\|[^|]|\|\s*(?:head|grep\s+(?:-\w*[qlm]|--quiet|--max-count))\b")
_DASH_BASH_TEXT = re.compile(r"\becho\b[^\n;|&]*\\|\s==\s|\[\[|&>|(?:^|[;&|(]\s*)(?:source|function)\s")
_COMMAND_AFTER = frozenset({"then", "do", "else", "elif", "{", "!", "if", "while", "until"})


@functools.lru_cache(maxsize=1024)  # every RUN of the stage, asked again in each pass
def hazards(script: str) -> tuple[bool, bool]:
    """(a pipeline pipefail would fail on SIGPIPE, something bash reads differently from dash)."""
    try:
        tokens = [t for t in tokenize(script) if t.kind != "comment"]
    except LexError:
        return True, True
    sigpipe = dash = False
    prev_op: str | None = "\n"  # the operator before the current command ("\n" at the start)
    cmd: list[str] = []
    for t in tokens:
        if t.kind == "word":
            word = t.text
            code = re.sub(r"'[^']*'", "''", word)  # single-quoted text is data (an awk program, a sed script)
            if "$(" in code or "`" in code:
                sigpipe = sigpipe or bool(_SIGPIPE_TEXT.search(code))
                dash = dash or bool(_DASH_BASH_TEXT.search(code))
            if not cmd and word in _COMMAND_AFTER:
                continue
            cmd.append(word)
            if len(cmd) == 1 and word in ("source", "function", "[["):
                dash = True
            if word == "==" or _ansi_c(word) or _brace_list(word):
                dash = True
            if cmd[0] == "echo" and len(cmd) > 1 and "\\" in word:
                dash = True
            if prev_op == "|" and (cmd[0] == "head" or (cmd[0] == "grep" and re.match(r"-\w*[qlm]|--quiet|--max-count", word))):
                sigpipe = True
        elif t.kind in ("op", "newline", "heredoc"):
            if t.kind == "op" and t.text in ("&>", "&>>"):
                dash = True
            if t.kind == "op" and t.text.lstrip("0123456789") in _REDIRECTS:
                continue
            if t.text in ("|", "|&") and cmd and cmd[0] == "yes":
                sigpipe = True
            prev_op = t.text if t.kind == "op" else "\n"
            cmd = []
    return sigpipe, dash


_REDIRECTS = frozenset({"<", ">", ">>", "<<", "<<-", "<<<", ">&", "<&", "<>", ">|"})


def _ansi_c(word: str) -> bool:
    """`$'…'` outside single quotes: bash decodes escapes, dash keeps a literal `$`."""
    quote = ""
    for i, ch in enumerate(word):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            if ch == "'" and i > 0 and word[i - 1] == "$":
                return True
            quote = ch
    return False


def _brace_list(word: str) -> bool:
    """`{a,b}` outside quotes and not `${…}`: bash expands it, dash does not."""
    return re.search(r"(?<![$\\])\{[^{}\s'\"]*,[^{}\s'\"]*\}", word) is not None and "'" not in word and '"' not in word


def pipefail(argv: tuple[str, ...]) -> bool:
    return any(
        a == "pipefail" and i > 0 and (argv[i - 1] == "-o" or re.fullmatch(r"-[A-Za-z]*o", argv[i - 1]) is not None)
        for i, a in enumerate(argv)
    )


@functools.lru_cache(maxsize=1024)
def has_pipe(script: str) -> bool:
    """A pipeline anywhere in the script, `$(…)` and compound commands included."""
    try:
        tokens = tokenize(script)
    except LexError:
        return False
    if any(t.kind == "op" and t.text in ("|", "|&") for t in tokens):
        return True
    # an outer pipe is an operator token; any other is inside a substitution, so one of those words
    # holds a `|` (a `|` only quoted, as in `sed 's|a|b|'`, needs no parse)
    if not any(t.kind == "word" and "|" in t.text and any(s in t.text for s in SUBSTITUTION_OPENERS) for t in tokens):
        return False
    try:
        return _pipes(parse(script).body)
    except ShellParseError:
        return False


def _pipes(lst: CommandList) -> bool:
    for item in lst.items:
        for pl in item.and_or.pipelines:
            if pl.pipes:
                return True
            for cmd in pl.commands:
                inner = [*cmd.substitutions, *(cmd.bodies if isinstance(cmd, Compound) else [])]
                if any(_pipes(b) for b in inner):
                    return True
    return False


def _script(df: Dockerfile, instr: Instruction) -> str | None:
    run = script_of(df, instr)
    return None if run is None or instr.json else run.text


def _affected(df: Dockerfile, stage: Stage, first: Instruction) -> list[str]:
    """Scripts the new SHELL would run: the stage's RUNs from `first` on, and those of stages built from it."""
    runs = [i for i in stage.instructions if i.cmd == "RUN" and i.index >= first.index]
    runs += [i for st in descendants(df, stage) for i in st.instructions if i.cmd == "RUN"]
    return [s for s in (_script(df, i) for i in runs) if s is not None]


@rule(
    "DF038",
    "missing-pipefail",
    fixes=Fixes.SOMETIMES,
    phrase="set pipefail",
    hadolint=("DL4006",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Inserts `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (Alpine: `["/bin/ash", "-o", "pipefail", "-c"]`)
    before the first RUN of a stage whose script has a pipe, when the stage runs RUNs with the default
    `/bin/sh -c`.

    ## Why is this bad?
    A pipeline's status is its last command's: `RUN curl -fsSL https://… | tar -xz` succeeds when the
    download fails, and the image is built without the files. With `pipefail` any failing command of
    the pipeline fails the RUN. hadolint (DL4006) reports it.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local
    ```
    Use instead:
    ```dockerfile
    FROM debian:12
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    RUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local
    ```

    ## Fix safety
    Sometimes safe: on Debian/Ubuntu, the RHEL family and Alpine, whose images ship the shell, when none
    of the RUNs that will run under it (the rest of the stage and stages built from it) pipes from `yes`
    or into `head` or `grep -q` (whose SIGPIPE would now fail the build), and, where `/bin/sh` is dash,
    none uses what bash reads differently (`echo` with backslashes, `==`, `[[`, brace lists, `$'…'`,
    `&>`, `source`, `function`). Otherwise the fix is unsafe; with an unknown base image bash may be
    missing. Stages that already set a SHELL are only reported.
    """
    for stage in df.stages:
        first = next(
            (i for i in stage.instructions if i.cmd == "RUN" and not i.json and has_pipe(_script(df, i) or "")),
            None,
        )
        if first is None:
            continue
        shell = shell_at(df, first)
        if not shell.posix or pipefail(shell.argv):
            continue
        family = stage_family(df, stage).key
        fix = None
        if shell == DEFAULT:
            argv = SHELLS.get(family, BASH)
            line = f"{indent_of(df, first)}{cased(df, 'SHELL')} {json.dumps(argv)}"
            edit = Edit.insert(first.full_start, line + df.newline)
            scripts = _affected(df, stage, first)
            found = [hazards(s) for s in scripts]
            safe = family in SHELLS and not any(p for p, _ in found)
            if safe and _SH_IS[family] == "dash":
                safe = not any(d for _, d in found)
            fix = Fix.safe(edit) if safe else Fix.unsafe(edit)
        yield ctx.report(
            df,
            first.start,
            "A RUN pipes without `pipefail`: a failure on the left of `|` goes unnoticed",
            fix,
            instruction=first.index,
        )
