"""DF036 shell-form-command: shell-form CMD/ENTRYPOINT of plain words becomes exec (JSON) form."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.base_image import base_image
from fixer.model.stages import chain, descendants
from fixer.model.state import shell_at
from fixer.shell.model import Compound
from fixer.shell.parse import ShellParseError, parse
from fixer.syntax import Dockerfile, Instruction, Stage

# characters the shell would interpret: expansions, quoting, globs, braces, operators, comments
_SPECIAL = re.compile(r"[$`'\"\\*?\[\]{}~;&|<>()#!\n]")
_HEALTH_CMD = re.compile(r"^CMD\s+", re.IGNORECASE)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# words that only a shell runs: keywords and builtins with no program of the same name
SHELL_ONLY = frozenset(
    {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "function",
     "select", "time", "cd", "export", "set", "unset", "source", ".", "eval", "exit", "return", "ulimit",
     "umask", "alias", "unalias", "trap", "shift", "wait", "read", "readonly", "declare", "typeset",
     "local", "hash", "type", "times", "command", "builtin", "let", "shopt", "jobs", "fg", "bg", ":"}
)  # fmt: skip
# Docker Official Images whose image sets no ENTRYPOINT (a CMD's argv is then run as is)
NO_ENTRYPOINT = frozenset(
    {"scratch", "alpine", "debian", "ubuntu", "busybox", "centos", "fedora", "rockylinux", "almalinux",
     "amazonlinux", "oraclelinux", "golang", "python", "ruby", "rust", "openjdk", "gcc", "perl", "pypy",
     "buildpack-deps", "haskell", "julia", "swift", "clojure", "maven", "gradle"}
)  # fmt: skip


def plain_words(args: str) -> list[str] | None:
    """The command as words when the shell would run it unchanged, word for word; else None."""
    words = args.split()
    if not words or _SPECIAL.search(args) or _ASSIGNMENT.match(words[0]):
        return None
    if words[0] == "exec":  # the shell's exec replaces itself with the rest: exec form is just that
        words = words[1:]
    if not words or words[0] in SHELL_ONLY:
        return None
    return words


_EXPANSION = re.compile(r"\$(?:[A-Za-z_{(]|[0-9@*#?$!-])")


def _unquoted_features(raw: str) -> set[str]:
    """What a word asks of the shell outside quotes (expansions inside double quotes count too)."""
    found: set[str] = set()
    quote = ""
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and quote != "'":
            i += 2
            continue
        if ch in "'\"" and (not quote or quote == ch):
            quote = "" if quote else ch
        elif quote != "'" and ch == "$" and _EXPANSION.match(raw, i):
            found.add("variable expansion")
        elif quote != "'" and ch == "`":
            found.add("command substitution")
        elif not quote and ch in "*?[":
            found.add("a glob")
        elif not quote and ch == "~" and (i == 0 or raw[i - 1] in "=:"):
            found.add("`~`")
        i += 1
    return found


@dataclass(frozen=True)
class ShellNeeds:
    """Why a shell-form command needs its shell, and whether its last program already replaces it."""

    reasons: list[str]  # [] when exec form could run the same words
    execs: bool  # the program that runs last is started with `exec`
    exec_hint: bool  # a program runs last that `exec` could start


def shell_needs(command: str) -> ShellNeeds:
    """What in `command` only a shell does (variable expansion, globs, operators, redirections …)."""
    try:
        script = parse(command)
    except ShellParseError:
        return ShellNeeds(["shell syntax"], False, False)
    reasons: list[str] = []
    if script.comments:
        reasons.append("a comment")
    if script.heredocs:
        reasons.append("a here-document")
    items = script.body.items
    ops = [op.text for it in items for op in it.and_or.ops]
    ops += [it.terminator.text for it in items[:-1] if it.terminator is not None]
    ops += [p.text for it in items for pl in it.and_or.pipelines for p in pl.pipes]
    ops = [("newline" if o == "\n" else f"`{o}`") for o in dict.fromkeys(ops)]
    if any(pl.bang for it in items for pl in it.and_or.pipelines):
        ops.append("`!`")
    reasons += ops
    last = items[-1].and_or.pipelines[-1].commands[-1] if items else None
    execs = exec_hint = False
    for cmd in (c for it in items for pl in it.and_or.pipelines for c in pl.commands):
        if isinstance(cmd, Compound):
            reasons.append(f"`{cmd.kind}`")
            continue
        found: set[str] = set()
        for w in [*cmd.assignments, *cmd.words, *(r.target for r in cmd.redirects if r.target is not None)]:
            found |= _unquoted_features(w.raw)
        if cmd.assignments:
            found.add("a variable assignment")
        if cmd.redirects:
            found.add("a redirection")
        if cmd.substitutions:
            found.add("command substitution")
        name = cmd.name
        if name in SHELL_ONLY and name != "exec":
            found.add(f"the shell builtin `{name}`")
        reasons += sorted(found - set(reasons))
        if cmd is last and name is not None:
            execs = name == "exec"
            exec_hint = not execs and name not in SHELL_ONLY
    return ShellNeeds(list(dict.fromkeys(reasons)), execs, exec_hint)


def _entrypoints(df: Dockerfile, stage: Stage) -> list[Instruction]:
    return [i for st in chain(df, stage) for i in st.instructions if i.cmd == "ENTRYPOINT"]


def _sets_cmd(df: Dockerfile, stage: Stage) -> bool:
    return any(i.cmd == "CMD" for st in [stage, *descendants(df, stage)] for i in st.instructions)


@rule(
    "DF036",
    "shell-form-command",
    fixes=Fixes.SOMETIMES,
    phrase="use exec form for commands",
    hadolint=("DL3025",),
    buildkit=("JSONArgsRecommended",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Rewrites a shell-form `CMD`, `ENTRYPOINT` or `HEALTHCHECK CMD` made of plain words (no `$`, quotes, globs, `~`,
    redirections, `&&`, `|`, `;`, no shell builtin) in exec form: `CMD python app.py` becomes
    `CMD ["python", "app.py"]`; a leading `exec` is dropped. A command that needs its shell (variable
    expansion, globs, operators, redirections, builtins) keeps the shell form: it is reported with what
    needs the shell, and with the advice to start its last program with `exec` where that applies;
    one that already does, and a `HEALTHCHECK`, is left alone. Other shell-form commands are reported.

    ## Why is this bad?
    In shell form the container's main process is `/bin/sh -c "…"`. Depending on the shell, the program
    runs as its child, so `docker stop`'s SIGTERM goes to the shell, which ignores it, and the container is
    killed after the timeout; a shell-form `ENTRYPOINT` also ignores `CMD` and `docker run` arguments.
    hadolint (DL3025) and BuildKit (`JSONArgsRecommended`) warn.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD python -m http.server 8000
    ```
    Use instead:
    ```dockerfile
    FROM python:3.12-slim
    CMD ["python", "-m", "http.server", "8000"]
    ```

    ## Fix safety
    Sometimes safe. The program and its arguments are the same; it receives signals directly. A
    `HEALTHCHECK` is safe: its exit status is the program's either way. A `CMD` is
    safe when no `ENTRYPOINT` receives it: the stage and the stages it is built from set none, and the
    base is an official image that sets none (`python`, `debian`, `alpine`, …); with a shell-form
    `ENTRYPOINT`, which ignores `CMD`, it is safe too. Otherwise (an `ENTRYPOINT` would now receive
    the words instead of `/bin/sh -c …`) it is unsafe. An `ENTRYPOINT` is always unsafe, because
    `docker run` arguments start reaching it, and is only reported when the stage or a stage built from
    it sets a `CMD`, which exec form would append. Stages whose SHELL is not a POSIX shell are only reported.
    """
    for instr in df.instructions:
        if instr.cmd not in ("CMD", "ENTRYPOINT", "HEALTHCHECK") or instr.json or instr.stage is None or instr.heredocs:
            continue
        command, at = instr.args, instr.args_start
        if instr.cmd == "HEALTHCHECK":
            m = _HEALTH_CMD.match(instr.args)
            if m is None:
                continue  # NONE, or not a command BuildKit accepts
            command, at = instr.args[m.end() :], instr.args_start + m.end()
        if not command.strip():
            continue
        # PowerShell and cmd parse their command line their own way: report only
        posix = shell_at(df, instr).posix
        words = plain_words(command) if posix else None
        what = "the health check" if instr.cmd == "HEALTHCHECK" else "the program"
        message = f"Use exec (JSON) form for `{instr.keyword}` so {what} runs without a shell"
        needs = shell_needs(command) if posix and words is None else None
        if needs is not None and needs.reasons:
            # exec form cannot expand, glob or chain: the shell form is right. A health check's status
            # is the same either way, and a program started with `exec` already replaces the shell.
            if instr.cmd == "HEALTHCHECK" or needs.execs:
                continue
            message = f"`{instr.keyword}` needs a shell ({', '.join(needs.reasons)}), so exec form cannot replace it"
            if needs.exec_hint:
                message += ": start the last program with `exec` so that it, not the shell, gets `docker stop`'s signal"
        fix = None
        if words is not None:
            edit = _edit(df, instr, at, json.dumps(words, ensure_ascii=False))
            if edit is not None:
                if instr.cmd == "HEALTHCHECK":
                    fix = Fix.safe(edit)
                elif instr.cmd == "CMD":
                    fix = Fix.safe(edit) if _cmd_safe(df, instr.stage) else Fix.unsafe(edit)
                elif not _sets_cmd(df, instr.stage):
                    fix = Fix.unsafe(edit)
        yield ctx.report(df, instr.start, message, fix, instruction=instr.index)


def _cmd_safe(df: Dockerfile, stage: Stage) -> bool:
    entrypoints = _entrypoints(df, stage)
    if entrypoints:
        # the last one the stage's chain sets wins; in shell form it ignores CMD altogether
        last = max(entrypoints, key=lambda i: i.index)
        return not last.json and bool(last.args.strip())
    image = base_image(df, stage)
    return image is not None and image.repository in NO_ENTRYPOINT


def _edit(df: Dockerfile, instr: Instruction, at: int, text: str) -> Edit | None:
    start = instr.file_offset(at)
    end = instr.file_offset(len(instr.logical) - 1) + 1
    if any(ln.lstrip().startswith("#") for ln in df.text[start:end].splitlines()[1:]):
        return None
    return Edit(start, end, text)
