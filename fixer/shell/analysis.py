"""Questions the rules ask about a shell script: what runs at the top level, what leaks shell state.

Functions take a script text (parsed on demand, cached) or an already parsed `Script`. Those that need
the structure raise `ShellParseError` when the script cannot be parsed; a caller must then not fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fixer.shell.lexer import tokenize
from fixer.shell.model import Command, CommandList, Compound, Script, Simple
from fixer.shell.parse import parse

# builtins whose effect outlives the command in the running shell
STATE_BUILTINS = frozenset(
    {
        "cd", "pushd", "popd", "export", "unset", "set", "shopt", "source", ".", "umask", "ulimit",
        "alias", "unalias", "trap", "exec", "exit", "return", "logout", "eval", "declare", "typeset",
        "readonly", "local", "read", "getopts", "let", "mapfile", "readarray", "shift", "enable",
        "setopt", "unsetopt", "emulate", "newgrp", "hash", "builtin", "disown",
    }
)  # fmt: skip
# POSIX special builtins: an assignment prefixed to one of them stays set in dash
SPECIAL_BUILTINS = frozenset(
    {"break", ":", "continue", ".", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times", "trap", "unset"}
)
# commands that leave a process running after they return: a later command of the same RUN sees it,
# a later RUN does not (the build container of each RUN is torn down)
DAEMON_COMMANDS = frozenset(
    {
        "service", "rc-service", "invoke-rc.d", "start-stop-daemon", "nohup", "setsid", "daemonize",
        "daemon", "systemctl", "supervisord", "dockerd", "containerd", "mysqld_safe", "mysqld", "pg_ctl",
        "pg_ctlcluster", "redis-server", "mongod", "sshd", "crond", "Xvfb", "dbus-daemon", "memcached",
    }
)  # fmt: skip
_DAEMON_ARGS = frozenset({"--daemonize", "--daemon", "--fork", "--background", "-daemon"})
# `${x:=v}` / `${x=v}` assign in the current shell
_PARAM_ASSIGN = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?=")


def _daemonizes(base: str, args: list[str]) -> bool:
    """Servers that go to the background unless told otherwise."""
    if base == "nginx":  # `nginx -t` / `-v` only test or print; anything else starts the server
        return not any(a.startswith(("-t", "-T", "-v", "-V", "-h", "-?", "-s", "-q")) for a in args)
    if base in ("apachectl", "apache2ctl", "httpd", "apache2"):
        return any(a in ("start", "restart", "graceful") for a in args)
    if base.startswith("php-fpm"):
        return "-D" in args or "--daemonize" in args
    return False


def _script(script: str | Script) -> Script:
    return script if isinstance(script, Script) else parse(script)


@dataclass(frozen=True)
class StateChange:
    reason: str  # e.g. "cd", "export", "assignment", "function definition", "background job"
    start: int
    end: int
    # whether running the command in a subshell `( … )` keeps its effect from reaching later commands
    isolatable: bool = True


def top_level_commands(script: str | Script) -> list[Command]:
    """The commands of the top-level pipelines, in order; compound commands are not entered."""
    return list(_script(script).body.commands())


def has_top_level_list(script: str | Script) -> bool:
    """True when the top level is more than one `&&`-chain: a `;`, `||`, `&` or newline list.

    Such a script cannot simply follow `A &&`: the `&&` would bind only to its first part.
    """
    items = _script(script).body.items
    if len(items) > 1:
        return True
    return any(
        (it.terminator is not None and it.terminator.text == "&") or any(op.text == "||" for op in it.and_or.ops)
        for it in items
    )


def walk(lists: list[CommandList], *, subshells: bool = True, functions: bool = True) -> Iterator[Command]:
    """Every command in source order, entering compound commands (and, if asked, subshells,
    command substitutions and function bodies)."""
    for lst in lists:
        for cmd in lst.commands():
            yield cmd
            if isinstance(cmd, Compound):
                if (cmd.subshell and not subshells) or (cmd.kind == "function" and not functions):
                    continue
                yield from walk(cmd.bodies, subshells=subshells, functions=functions)
            if subshells:
                yield from walk(cmd.substitutions, subshells=subshells, functions=functions)


def simple_commands(script: str | Script) -> list[Simple]:
    """Every simple command, nested ones included, in source order."""
    return [c for c in walk([_script(script).body]) if isinstance(c, Simple)]


def command_words(script: str | Script) -> list[str]:
    """The command name of every simple command (nested ones included), in source order."""
    return [c.name for c in simple_commands(script) if c.name is not None]


def _unwrapped(cmd: Simple) -> tuple[str | None, list[str]]:
    """The command a `builtin X` / `command X` wrapper runs, and its arguments."""
    name, args = cmd.name, cmd.args
    while name in ("builtin", "command") and args:
        if name == "command" and args[0] in ("-v", "-V"):
            return "command -v", args[1:]  # a lookup: it runs nothing
        while args and args[0].startswith("-") and args[0] != "--":
            args = args[1:]
        if args and args[0] == "--":
            args = args[1:]
        if not args:
            break
        name, args = args[0], args[1:]
    return name, args


def state_changing(cmd: Command) -> StateChange | None:
    """How running `cmd` in the current shell changes what later commands of the same shell see.

    None when it changes nothing (as far as a static reading can tell). Compound commands are judged
    by their own kind only: use `state_changes` to look inside them.
    """
    if isinstance(cmd, Compound):
        if cmd.kind == "function":
            return StateChange("function definition", cmd.start, cmd.end)
        return None
    name, args = _unwrapped(cmd)
    if name is None:
        return StateChange("assignment", cmd.start, cmd.end) if cmd.assignments else None
    base = name.rsplit("/", 1)[-1]
    if base in DAEMON_COMMANDS or name.startswith("/etc/init.d/") or any(a in _DAEMON_ARGS for a in args) or _daemonizes(base, args):
        return StateChange(f"starts a service ({base})", cmd.start, cmd.end, isolatable=False)
    if name == "printf" and args and args[0].startswith("-v"):
        return StateChange("printf -v", cmd.start, cmd.end)
    if name in STATE_BUILTINS:
        return StateChange(name, cmd.start, cmd.end)
    if cmd.assignments and name in SPECIAL_BUILTINS:
        return StateChange("assignment", cmd.start, cmd.end)
    for w in [*cmd.assignments, *cmd.words]:
        if _PARAM_ASSIGN.search(w.raw):
            return StateChange("${name:=value} assignment", cmd.start, cmd.end)
    return None


def state_changes(script: str | Script) -> list[StateChange]:
    """Every command whose effect on the shell reaches commands run after `script` in the same shell.

    Commands in `( … )` subshells and `$( … )` substitutions do not count (their state dies with the
    child), except services and background jobs, which outlive any subshell. Pipelines count in full
    (zsh and ksh run the last command of a pipeline in the current shell).
    """
    sc = _script(script)
    out: list[StateChange] = []
    for cmd in walk([sc.body], subshells=False, functions=False):
        change = state_changing(cmd)
        if change is not None:
            out.append(change)
    for cmd in walk([sc.body], subshells=True, functions=False):
        change = state_changing(cmd)
        if change is not None and not change.isolatable and change not in out:
            out.append(change)
    for start, end in background_jobs(sc):
        out.append(StateChange("background job", start, end, isolatable=False))
    return sorted(out, key=lambda c: (c.start, c.reason))


def _lists(lst: CommandList) -> Iterator[CommandList]:
    """`lst` and every list nested in it: compound bodies, substitutions, function bodies."""
    yield lst
    for cmd in lst.commands():
        nested = [*cmd.substitutions, *(cmd.bodies if isinstance(cmd, Compound) else [])]
        for sub in nested:
            yield from _lists(sub)


def background_jobs(script: str | Script) -> list[tuple[int, int]]:
    """Spans of `&` terminators at any depth (a job started in a subshell outlives it too)."""
    return [
        (it.terminator.start, it.terminator.end)
        for lst in _lists(_script(script).body)
        for it in lst.items
        if it.terminator is not None and it.terminator.text == "&"
    ]


def trailing_comment_span(script: str | Script) -> tuple[int, int] | None:
    """The span of the comment(s) after the last code of the script, or None.

    In a RUN's one logical line such a comment runs to the end, so anything appended after it is
    commented out. Only the lexer is needed: this works on scripts bashlex cannot parse.
    """
    text = script.text if isinstance(script, Script) else script
    tokens = tokenize(text)
    last_code = max((i for i, t in enumerate(tokens) if t.kind in ("word", "op", "heredoc")), default=-1)
    trailing = [t for t in tokens[last_code + 1 :] if t.kind == "comment"]
    if not trailing:
        return None
    return trailing[0].start, trailing[-1].end


def code_end(script: str | Script, *, terminator: bool = False) -> int:
    """Index just past the script's last code token (comments and blanks after it excluded).

    With `terminator=False` a final top-level `;` is excluded too (`a; b;` → end of `b`): text can
    then follow with `&&`. Only the lexer is needed.
    """
    text = script.text if isinstance(script, Script) else script
    tokens = [t for t in tokenize(text) if t.kind in ("word", "op", "heredoc")]
    if not tokens:
        return 0
    last = tokens[-1]
    if not terminator and last.kind == "op" and last.text == ";" and len(tokens) > 1:
        return tokens[-2].end
    return last.end


def last_and_or_has_compound(script: str | Script) -> bool:
    """True when the script's last and-or list contains a compound command.

    Under `set -e` such a list must not be put on the left of `&&`: bash and dash ignore errexit for
    every command inside it there.
    """
    items = _script(script).body.items
    if not items:
        return False
    return any(isinstance(c, Compound) for pl in items[-1].and_or.pipelines for c in pl.commands)


def words(script: str) -> list[str]:
    """Every word token of the script as written, in order (no parse needed)."""
    return [t.text for t in tokenize(script) if t.kind == "word"]
