"""DF002 consecutive-run: merge a RUN into the RUN right above it, keeping what the build does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import RuleContext, rule
from fixer.shell.analysis import (
    code_end,
    has_top_level_list,
    last_and_or_has_compound,
    state_changes,
    top_level_commands,
    trailing_comment_span,
)
from fixer.shell.lexer import LexError
from fixer.shell.model import Script, Simple
from fixer.shell.parse import ShellParseError, parse
from fixer.shell.stage_shell import Shell, shell_at
from fixer.syntax import Dockerfile, Instruction, Line

_OPERATOR_STARTS = ("&&", "||", "|", ";")
_PRAGMA_PREFIXES = ("hadolint ignore", "dockfix: ignore", "dockfix:ignore")
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


MESSAGES = {
    "merge": "Merge this RUN into the RUN above: each RUN adds a layer",
    "isolate": "Merge this RUN into the RUN above; the earlier command runs in a subshell to keep {detail} from leaking",
    "escape-backtick": "Consecutive RUN (not fixed: the file's escape character is the backtick)",
    "non-posix-shell": "Consecutive RUN (not fixed: the stage's SHELL {detail} is not a POSIX shell)",
    "shell-parse": "Consecutive RUN (not fixed: a shell script could not be parsed: {detail})",
    "empty": "Consecutive RUN (not fixed: one of them has no command)",
    "state-change": "Consecutive RUN (not fixed: the earlier RUN's {detail} would change what the later one sees)",
    "errexit": "Consecutive RUN (not fixed: under `set -e` the earlier RUN's {detail} would lose errexit on the left of &&)",
    "comment-continues": "Consecutive RUN (not fixed: a shell comment in the earlier RUN spans a line continuation)",
}


def message(plan: Plan) -> str:
    return MESSAGES[plan.reason].format(detail=plan.detail)


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


@rule("DF002", "consecutive-run", hadolint=("DL3059",))
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Merges a `RUN` into the `RUN` right above it (same stage, only comments or blank lines between,
    both in shell form, no heredoc, identical `--mount`/`--network`/`--security` flags) by joining
    the scripts with `&&`. A lone `RUN apt-get update` thus ends up with the install that follows.

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
    Safe when the merged script fails whenever either RUN would have failed and runs each command in
    the same directory, environment and shell options. The fix therefore
    - wraps the later script as `{ …; }` when it has a top-level `;`, `||`, `&` or newline list;
    - moves a trailing shell comment of the earlier RUN onto its own comment line;
    - keeps comment lines, moves `# hadolint ignore=` / `# dockfix: ignore=` pragmas above the merged RUN.

    It does not merge (report only) when the earlier script starts a background job or a service,
    when a script cannot be parsed, under a PowerShell/cmd SHELL, or in a file whose escape is the
    backtick. When the earlier script changes shell state (`cd`, `export`, `set`, a function, a bare
    assignment …) the fix runs it in a subshell `( … )`: unsafe, since `exit`, traps and a process
    differ. Under a SHELL with `-e` (or a script that runs `set -e`) a compound command on the left
    of `&&` would lose errexit, so such pairs are left alone.
    """
    for a, b in candidate_pairs(df):
        plan = plan_merge(df, a, b)
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


def plan_merge(df: Dockerfile, a: Instruction, b: Instruction) -> Plan:
    """Decide how (and whether) RUN `b` can be merged into RUN `a` right above it."""
    if df.escape != "\\":
        return Plan("escape-backtick")
    shell = shell_at(df, a)
    if not shell.posix:
        return Plan("non-posix-shell", " ".join(shell.argv) or "(unreadable)")
    try:
        sa, sb = parse(a.args), parse(b.args)
        a_end, b_end = code_end(sa), code_end(sb, terminator=True)
    except (ShellParseError, LexError) as e:
        return Plan("shell-parse", str(e)[:80])
    if a_end == 0 or b_end == 0:
        return Plan("empty")
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
    return Plan("merge", "", Fix.safe(*edits))


# -- writing ---------------------------------------------------------------------------------------


def _is_comment(ln: Line) -> bool:
    return ln.text.lstrip(" \t").startswith("#")


def _is_pragma(ln: Line) -> bool:
    body = ln.text.lstrip(" \t")[1:].strip().lower()
    return any(body.startswith(p) for p in _PRAGMA_PREFIXES)


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
    pragmas: list[Line] = []
    for ln in df.lines:
        if ln.start < a_code_end or ln.text_end > b.args_offset or ln.start >= b.args_offset:
            continue
        if not _is_comment(ln):
            continue
        if ln in b.comments and _is_pragma(ln) and " global " not in f" {ln.text.lower()} ":
            pragmas.append(ln)
            continue
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
    edits.extend(_pragma_edits(a, pragmas, nl))
    return edits


def _pragma_edits(a: Instruction, pragmas: list[Line], nl: str) -> list[Edit]:
    """Put the later RUN's pragmas directly above the merged RUN (hadolint reads only that line)."""
    if not pragmas:
        return []
    hadolint = [p for p in pragmas if "hadolint" in p.text.lower()]
    others = [p for p in pragmas if p not in hadolint]
    above = a.comments[-1] if a.comments else None
    codes = [c.strip() for p in hadolint for c in p.text.split("=", 1)[1].split(",") if c.strip()]
    if above is not None and _is_pragma(above) and "hadolint" in above.text.lower() and " global " not in f" {above.text.lower()} ":
        # one hadolint pragma line directly above: extend it
        have = [c.strip() for c in above.text.split("=", 1)[1].split(",") if c.strip()]
        extra = [c for c in dict.fromkeys(codes) if c not in have]
        at = above.start + len(above.text.rstrip())
        edits = [Edit.insert(at, "".join("," + c for c in extra))] if extra else []
        if others:
            edits.append(Edit.insert(above.start, "".join(p.text + nl for p in others)))
        return edits
    text = "".join(p.text + nl for p in others)
    if codes:
        text += "# hadolint ignore=" + ",".join(dict.fromkeys(codes)) + nl
    return [Edit.insert(a.start, text)]
