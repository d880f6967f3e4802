"""DF002 consecutive-run: merge a RUN into the RUN right above it, keeping what the build does."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from fixer.layering.plan import dependency_install
from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.engine.suppression import read_pragmas
from fixer.model.commands import read_commands
from fixer.model.memo import per_file
from fixer.model.state import shell_at
from fixer.shell.analysis import (
    code_end,
    has_top_level_list,
    last_and_or_has_compound,
    state_changes,
    trailing_comment_span,
    walk,
)
from fixer.shell.lexer import RESERVED_WORDS, LexError, is_assignment, tokenize
from fixer.shell.model import Script, Simple
from fixer.shell.parse import ShellParseError, parse
from fixer.syntax import Dockerfile, Instruction, Line

_OPERATOR_STARTS = ("&&", "||", "|", ";")
_PRAGMA = re.compile(r"#\s*(hadolint\s+(global\s+)?ignore|dockfix\s*:\s*(global\s+)?ignore|check\s*=)", re.IGNORECASE)
# a comment that is an instruction switched off (`# COPY …`, `#RUN …`): docs tell readers to uncomment it
_COMMENTED_INSTRUCTION = re.compile(
    r"#\s*(FROM|RUN|CMD|LABEL|MAINTAINER|EXPOSE|ENV|ADD|COPY|ENTRYPOINT|VOLUME|USER|WORKDIR|ARG|ONBUILD"
    r"|STOPSIGNAL|HEALTHCHECK|SHELL)(\s|$)"
)
# region tags that documentation tooling cuts the file at (`# [START run_install]`)
_REGION_TAG = re.compile(r"\[(START|END)\b", re.IGNORECASE)
# a RUN that only refreshes the package index, and the installs that read what it fetched
_INDEX_UPDATE = {"apt-get": "update", "apt": "update", "apk": "update", "yum": "makecache", "dnf": "makecache", "microdnf": "makecache"}
_INSTALL = {"apt-get": "apt", "apt": "apt", "apk": "apk", "yum": "rpm", "dnf": "rpm", "microdnf": "rpm"}
_INSTALL_VERBS = {"apt": ("install",), "apk": ("add",), "rpm": ("install", "groupinstall")}
# single-letter `set` options by their `-o` names, so `set -e` and `set -o errexit` compare equal
_SET_LETTERS = {
    "e": "errexit", "u": "nounset", "x": "xtrace", "v": "verbose", "f": "noglob", "C": "noclobber",
    "a": "allexport", "E": "errtrace", "T": "functrace", "h": "hashall", "b": "notify", "m": "monitor",
    "n": "noexec", "B": "braceexpand", "H": "histexpand", "P": "physical", "k": "keyword",
}  # fmt: skip


@dataclass(frozen=True)
class Plan:
    """What to do with one pair of RUNs: a fix (or None) and why, as a short reason key."""

    reason: str  # "merge", "isolate" or the reason it is left alone
    detail: str = ""
    fix: Fix | None = None
    why: str = ""  # for "update-kept": what keeps the layout


MESSAGES = {
    "merge": "Merge this RUN into the RUN above: each RUN adds a layer",
    "update": "Merge this RUN into the `{detail}` RUN above: cached apart, the install reads stale package lists",
    "update-kept": "The {detail} RUN above is cached apart from this install, which can then read stale package lists (not merged: {why})",
    "isolate": "Merge this RUN into the RUN above; the earlier command runs in a subshell to keep {detail} from leaking",
    "escape-backtick": "Consecutive RUN (not fixed: the file's escape character is the backtick)",
    "non-posix-shell": "Consecutive RUN (not fixed: the stage's SHELL {detail} is not a POSIX shell)",
    "shell-parse": "Consecutive RUN (not fixed: a shell script could not be parsed: {detail})",
    "empty": "Consecutive RUN (not fixed: one of them has no command)",
    "state-change": "Consecutive RUN (not fixed: the earlier RUN's {detail} would change what the later one sees)",
    "errexit": "Consecutive RUN (not fixed: under `set -e` the earlier RUN's {detail} would lose errexit on the left of &&)",
    "comment-continues": "Consecutive RUN (not fixed: a shell comment in the earlier RUN spans a line continuation)",
}
# pairs whose split is the author's choice, not an oversight: left alone and not reported
DELIBERATE = {
    "chained": "a RUN runs more than one command (hadolint's DL3059 does not flag it: a deliberate split)",
    "policy": "the file keeps RUNs apart with `# hadolint ignore=DL3059`",
    "commented-instruction": "a commented-out instruction lies between them",
    "region-tag": "a region tag lies between them",
    "pragma": "a pragma is above one of them only",
    "paragraph": "a blank line separates them",
    "cache-boundary": "{detail} is a dependency install kept in its own layer",
}


def message(plan: Plan) -> str:
    return MESSAGES[plan.reason].format(detail=plan.detail, why=plan.why)


def candidate_pairs(df: Dockerfile) -> Iterator[tuple[Instruction, Instruction]]:
    """Adjacent RUNs of one stage that BuildKit could run as one: shell form, no heredoc, same flags."""
    for stage in df.stages:
        for a, b in zip(stage.instructions, stage.instructions[1:]):
            if a.cmd != "RUN" or b.cmd != "RUN":
                continue
            if a.json or b.json or a.heredocs or b.heredocs:
                continue
            if [f.raw for f in a.flags] != [f.raw for f in b.flags]:
                continue
            yield a, b


@rule(
    "DF002",
    "consecutive-run",
    fixes=Fixes.SOMETIMES,
    phrase="merge RUN instructions",
    hadolint=("DL3059",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Merges a `RUN` into the `RUN` right above it where hadolint's DL3059 flags the pair: same stage,
    only comment lines between, both in shell form with identical
    `--mount`/`--network`/`--security` flags, and each running a single command. A lone
    `RUN apt-get update` (`apk update`, `yum makecache`) is also merged into the install below it,
    however long that is.

    RUNs that chain several commands are a deliberate split (usually for layer caching: a large
    install kept apart from a pin, a download kept apart from the package install); like DL3059, the
    rule does not touch them. Nor does it merge across a comment block holding a commented-out
    instruction (`# COPY …`, `#RUN …`) or a region tag (`[START …]`, `[END …]`), nor (except for the
    package index update) across a blank line, which starts a paragraph of its own; when only one of
    the two RUNs carries a pragma (`# hadolint ignore=`, `# dockfix: ignore`, `# check=`); next to a
    dependency install (`npm ci`, `pip install -r …`, `go mod download` …), which stays its own layer
    (see DF004); nor anywhere in a file where a RUN carries `# hadolint ignore=DL3059`. None of these
    is reported, except a lone package index update kept apart by a comment or pragma: its install
    can read stale lists, so it is reported with the reason it was not merged.

    ## Why is this bad?
    Every `RUN` adds a layer and a cache entry. Worse, `RUN apt-get update` cached apart from the
    `RUN apt-get install` below it serves stale package lists the next time the install changes.

    ## Example
    ```dockerfile
    RUN apt-get update
    RUN apt-get install -y curl
    ```
    Use instead:
    ```dockerfile
    RUN apt-get update \\
        && apt-get install -y curl
    ```

    ## Fix safety
    Sometimes safe. A merge is safe when the merged script fails whenever either RUN would have failed
    and runs each command in the same directory, environment and shell options. The fix therefore
    - wraps the later script as `{ …; }` when it has a top-level `;`, `||`, `&` or newline list;
    - moves a trailing shell comment of the earlier RUN onto its own comment line;
    - keeps every comment line (pragmas included) where it is.

    It does not merge (report only) when the earlier script starts a background job or a service,
    when a script cannot be parsed, under a PowerShell/cmd SHELL, or in a file whose escape is the
    backtick. When the earlier script changes shell state (`cd`, `export`, `set`, a function, a bare
    assignment …) the fix runs it in a subshell `( … )`: unsafe, since `exit`, traps and a process
    differ. Under a SHELL with `-e` (or a script that runs `set -e`) a compound command on the left
    of `&&` would lose errexit, so such pairs are left alone.
    """
    if keeps_runs_apart(df):
        return
    for a, b in candidate_pairs(df):
        plan = plan_merge(df, a, b)
        if plan.reason in DELIBERATE:
            continue
        yield ctx.report(df, b.start, message(plan), fix=plan.fix, instruction=b.index)


# -- deciding --------------------------------------------------------------------------------------


def _set_options(cmd: Simple) -> frozenset[str] | None:
    """The options a `set` command turns on; None when it does anything else (`+e`, `set -- a`)."""
    if cmd.name != "set" or cmd.assignments or cmd.redirects:
        return None
    opts: set[str] = set()
    args = cmd.args
    i = 0
    while i < len(args):
        a = args[i]
        if not a.startswith("-") or a in ("-", "--") or not a[1:].isalpha():
            return None
        i += 1
        for ch in a[1:]:
            if ch == "o":
                if i >= len(args):
                    return None
                opts.add(args[i])
                i += 1
            else:
                opts.add(_SET_LETTERS.get(ch, ch))
    return frozenset(opts) if opts else None


def _leading_set(script: Script) -> frozenset[str] | None:
    """Options the script turns on with `set` before running anything else."""
    items = script.body.items
    if not items:
        return None
    first = items[0].and_or.pipelines[0]
    if first.bang or len(first.commands) != 1 or not isinstance(first.commands[0], Simple):
        return None
    return _set_options(first.commands[0])


def _harmless_sets(a: Script, b: Script, changes: list[str], a_sets: list[frozenset[str] | None]) -> bool:
    """True when A's only state changes are `set` options that B turns on first thing anyway."""
    if not changes or any(c != "set" for c in changes) or any(s is None for s in a_sets):
        return False
    wanted = frozenset().union(*[s for s in a_sets if s is not None])
    first = _leading_set(b)
    return first is not None and wanted <= first


def _a_sets(script: Script) -> list[frozenset[str] | None]:
    from fixer.shell.analysis import walk

    return [_set_options(c) for c in walk([script.body], subshells=False, functions=False)
            if isinstance(c, Simple) and c.name == "set"]  # fmt: skip


def _enables_errexit(sets: list[frozenset[str] | None], script: Script) -> bool:
    if any(s is None or "errexit" in s for s in sets):
        return True
    from fixer.shell.analysis import walk

    # `set` hidden behind `builtin`/`command`/`eval`: assume the worst
    return any(isinstance(c, Simple) and c.name in ("builtin", "command", "eval") and "set" in c.args
               for c in walk([script.body], subshells=False, functions=False))  # fmt: skip


@per_file
def keeps_runs_apart(df: Dockerfile) -> bool:
    """Whether a `# hadolint ignore=DL3059` pragma in the file states that its RUN layout is deliberate."""
    return any(
        "hadolint" in p.text.lower() and any(t.upper() == "DL3059" for t in p.tokens) for p in read_pragmas(df)
    )


def _named(cmd: Simple) -> bool:
    """Whether ShellCheck reads a command name here: a literal first word (no expansion, no glob)."""
    return bool(cmd.words) and not any(c in cmd.words[0].raw for c in "$`*?[")


def hadolint_commands(script: Script) -> int:
    """How many commands hadolint's DL3059 counts in a script: every simple command with a literal name,
    at any depth (compound bodies, functions, `$( … )`); bare assignments and `$CMD` do not count."""
    return sum(1 for c in walk([script.body]) if isinstance(c, Simple) and _named(c))


def dl3059_flags(sa: Script, sb: Script) -> bool:
    """Whether hadolint's DL3059 flags the later of two adjacent RUNs with the same flags.

    hadolint 2.x counts each command twice (ShellCheck hands it both the redirection wrapper and the
    command) and flags only counts of at most two: one command in each RUN. Checked against the
    binary on the shared corpus (tests/corpus/test_consecutive_run_corpus.py)."""
    return hadolint_commands(sa) <= 1 and hadolint_commands(sb) <= 1


def index_update(a: Instruction, b: Instruction) -> str | None:
    """`apt-get update` (or `apk update`, `yum makecache` …) when it is all the earlier RUN does and the
    later RUN installs with the same package manager; None otherwise."""
    first, later = read_commands(a.args), read_commands(b.args)
    updates = [c for c in first.calls if c.action == _INDEX_UPDATE.get(c.tool)]
    if not updates or len(updates) != len(first.commands):
        return None
    families = {_INSTALL[c.tool] for c in updates}
    for c in later.calls:
        if c.tool in _INSTALL and _INSTALL[c.tool] in families and c.action in _INSTALL_VERBS[_INSTALL[c.tool]]:
            # `apk add --no-cache` fetches its own index: the earlier update does not feed it
            if not c.has_long("--no-cache"):
                return " ".join(w.value for w in updates[0].cmd.words[updates[0].at : (updates[0].sub or 0) + 1])
    return None


def _pragma_lines(lines: list[Line]) -> list[str]:
    return sorted(" ".join(ln.text.split()).lower() for ln in lines if _PRAGMA.match(ln.text.lstrip(" \t")))


def _between(df: Dockerfile, a: Instruction, b: Instruction) -> list[Line]:
    """The comment lines between the end of RUN `a` and RUN `b`."""
    return [ln for ln in df.lines if a.end <= ln.start < b.start and _is_comment(ln)]


def deliberate(df: Dockerfile, a: Instruction, b: Instruction, flagged: bool) -> Plan | None:
    """Why the author's layout keeps RUNs `a` and `b` apart, or None when merging them is wanted.
    `flagged`: whether hadolint's DL3059 flags the pair (`dl3059_flags`)."""
    update = index_update(a, b)
    if update is None and not flagged:
        return Plan("chained")
    between = _between(df, a, b)
    kept: str | None = None
    for ln in between:
        body = ln.text.lstrip(" \t")
        if _COMMENTED_INSTRUCTION.match(body):
            kept = kept or "commented-instruction"
        if _REGION_TAG.search(body):
            kept = kept or "region-tag"
    if kept is None and _pragma_lines(list(a.comments)) != _pragma_lines(between):
        kept = "pragma"
    if kept is not None:
        # the stale package lists stay a real problem: say so, and leave the layout to the author
        return Plan("update-kept", f"`{update}`", why=DELIBERATE[kept]) if update is not None else Plan(kept)
    if update is None and any(not ln.text.strip() for ln in df.lines if a.end <= ln.start < b.start):
        # a blank line starts a new paragraph: the author grouped the steps (often under a comment of
        # their own), and a merge would fold that comment into the middle of a RUN
        return Plan("paragraph")
    for instr in (a, b):
        install = dependency_install(df, instr)
        if install is not None:
            return Plan("cache-boundary", f"`{install}`")
    if update is not None:
        return Plan("update", update)
    return None


# Commands hadolint counts that the lexer alone can see: the simple commands at the top level of a
# script, up to the first compound (`if`, `{`, `(` …), whose name is a literal word. A script with two
# of them leaves DL3059 silent whatever else it holds, so such a pair is decided without bashlex.
_LIST_JOINS = frozenset({"&&", "||", ";", "&", "|", "|&"})
_COMPOUND_OPS = frozenset({"(", ")", ";;", ";&", ";;&"})


def named_commands_at_least(text: str) -> int:
    """A lower bound of `hadolint_commands(parse(text))` read from the tokens (0 when they cannot be read)."""
    try:
        tokens = tokenize(text)
    except LexError:
        return 0
    count = 0
    at_start, after_redirect = True, False
    named = False  # the token before was a command name just counted
    for t in tokens:
        was_named, named = named, False
        if t.kind == "word":
            if after_redirect:  # a redirection's target, wherever it stands
                after_redirect = False
            elif at_start:
                if is_assignment(t.text):
                    continue  # `NAME=value cmd`: the command comes next
                if t.text in RESERVED_WORDS:
                    return count
                if not any(c in t.text for c in "$`*?["):  # a name ShellCheck reads, as `_named` has it
                    count += 1
                    named = True
                at_start = False
        elif t.kind == "newline" or (t.kind == "op" and t.text in _LIST_JOINS):
            at_start = True
        elif t.kind == "op":
            if t.text in _COMPOUND_OPS:
                # `name() …` defines a function: the name was no command
                return count - 1 if t.text == "(" and was_named else count
            after_redirect = True
    return count


def plainly_chained(a: Instruction, b: Instruction) -> bool:
    """Whether one of two RUNs runs two commands hadolint counts, so DL3059 is silent: decided by the
    lexer, so that a large RUN next to a chained one is never handed to bashlex for DF002."""
    return named_commands_at_least(a.args) > 1 or named_commands_at_least(b.args) > 1


def plan_merge(df: Dockerfile, a: Instruction, b: Instruction) -> Plan:
    """Decide how (and whether) RUN `b` can be merged into RUN `a` right above it."""
    if df.escape != "\\":
        return Plan("escape-backtick")
    shell = shell_at(df, a)
    if not shell.posix:
        return Plan("non-posix-shell", " ".join(shell.argv) or "(unreadable)")
    if plainly_chained(a, b):
        # `deliberate` decides as it would below with bashlex's count; a pair bashlex cannot read is
        # left alone unreported here, as hadolint (whose parser reads it) leaves it
        kept = deliberate(df, a, b, False)
        if kept is not None and kept.reason != "update":
            return kept
    try:
        sa, sb = parse(a.args), parse(b.args)
        a_end, b_end = code_end(sa), code_end(sb, terminator=True)
    except (ShellParseError, LexError) as e:
        return Plan("shell-parse", str(e)[:80])
    if a_end == 0 or b_end == 0:
        return Plan("empty")
    kept = deliberate(df, a, b, dl3059_flags(sa, sb))
    if kept is not None and kept.reason != "update":
        return kept
    changes = state_changes(sa)
    hard = [c for c in changes if not c.isolatable]
    if hard:
        return Plan("state-change", f"`{hard[0].reason}`")
    a_sets = _a_sets(sa)
    a_errexit = bool(a_sets) and _enables_errexit(a_sets, sa)
    isolate = bool(changes) and not _harmless_sets(sa, sb, [c.reason for c in changes], a_sets)
    if isolate and (shell.errexit or a_errexit):
        # `( … ) && B` puts the subshell where errexit is ignored: only report
        kind = "errexit from `set`" if a_errexit else f"SHELL {' '.join(shell.argv)}"
        return Plan("state-change", f"`{changes[0].reason}` (and {kind})")
    if (shell.errexit or a_errexit) and not isolate and last_and_or_has_compound(sa):
        return Plan("errexit", "last compound command")
    comment = trailing_comment_span(sa)
    edits = _edits(df, a, b, sa, sb, a_end, b_end, comment, isolate)
    if edits is None:
        return Plan("comment-continues")
    if isolate:
        detail = ", ".join(sorted({f"`{c.reason}`" for c in changes}))
        return Plan("isolate", detail, Fix.unsafe(*edits))
    if kept is not None:
        return Plan("update", kept.detail, Fix.safe(*edits))
    return Plan("merge", "", Fix.safe(*edits))


# -- writing ---------------------------------------------------------------------------------------


def _is_comment(ln: Line) -> bool:
    return ln.text.lstrip(" \t").startswith("#")


def _layout(df: Dockerfile, a: Instruction, b: Instruction) -> tuple[str, bool]:
    """(indent of continuation lines, whether operators lead the line), in the file's own style.

    Read from the earlier RUN, else the later one, else every RUN of the file; default: four spaces
    and a leading `&&`.
    """
    for group in ([a], [b], [i for i in df.instructions if i.cmd == "RUN"]):
        indents: Counter[str] = Counter()
        leading = trailing = 0
        for instr in group:
            body_start = min((h.body_start for h in instr.heredocs), default=None)
            prev: Line | None = instr.lines[0]
            for ln in instr.lines[1:]:
                if body_start is not None and ln.start >= body_start:
                    break
                if _is_comment(ln) or not ln.text.strip():
                    continue
                stripped = ln.text.lstrip(" \t")
                indents[ln.text[: len(ln.text) - len(stripped)]] += 1
                if stripped.startswith(_OPERATOR_STARTS):
                    leading += 1
                elif prev is not None and prev.text.rstrip(" \t").rstrip(df.escape).rstrip().endswith(("&&", ";", "||")):
                    trailing += 1
                prev = ln
        if indents:
            return indents.most_common(1)[0][0], leading >= trailing
    return "    ", True


def _edits(
    df: Dockerfile,
    a: Instruction,
    b: Instruction,
    sa: Script,
    sb: Script,
    a_end: int,
    b_end: int,
    comment: tuple[int, int] | None,
    isolate: bool,
) -> list[Edit] | None:
    a_code_end = a.file_offset(a.args_start + a_end - 1) + 1
    last = df.line_at(a_code_end - 1)
    nl = last.eol or df.newline
    indent, leading = _layout(df, a, b)
    out: list[str] = [" )" if isolate else "", " \\" if leading else " && \\", nl]
    if comment is not None:
        c_start = a.file_offset(a.args_start + comment[0])
        c_end = a.file_offset(a.args_start + comment[1] - 1) + 1
        if df.line_at(c_start) is not df.line_at(c_end - 1):
            return None
        out += [indent, df.text[c_start:c_end], nl]
    for ln in df.lines:
        if ln.start < a_code_end or ln.text_end > b.args_offset or ln.start >= b.args_offset:
            continue
        if _is_comment(ln):
            # every comment line stays, pragmas too: a pragma between two merged RUNs is the same as the
            # one above the earlier RUN (see `deliberate`), so its scope does not change
            out += [ln.text, ln.eol or nl]
    wrap = has_top_level_list(sb)
    out += [indent, "&& " if leading else "", "{ " if wrap else ""]
    edits = [Edit(a_code_end, b.args_offset, "".join(out))]
    if wrap:
        b_code_end = b.file_offset(b.args_start + b_end - 1) + 1
        ends_listed = sb.text[:b_end].rstrip().endswith((";", "&"))
        edits.append(Edit.insert(b_code_end, " }" if ends_listed else "; }"))
    if isolate:
        edits.append(Edit.insert(a.args_offset, "( "))
    return edits
