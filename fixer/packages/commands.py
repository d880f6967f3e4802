"""Package-manager invocations in a shell script: which tool, which subcommand, which options.

Commands come from `fixer.shell`: its parser where it can read the script, otherwise the simple
commands its lexer's tokens delimit (bashlex does not read `case`, which the official images use
in most RUNs; a token-level reading still finds `apt-get install` and its words there, only the
structure — what a `&&` binds to — is unknown, and `structured` says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from fixer.packages.script import RunScript, run_script

from fixer.shell.lexer import LexError, tokenize, unquote
from fixer.shell.model import Script, Simple, Word
from fixer.shell.parse import ShellParseError, parse
from fixer.syntax import Dockerfile, Instruction

# what precedes a command word without being the command (`sudo -E apt-get …`), and its value options
_WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "--user", "--group"}),
    "env": frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}),
    "eatmydata": frozenset(),
    "nice": frozenset({"-n", "--adjustment"}),
    "nohup": frozenset(),
    "xargs": frozenset({"-n", "-P", "-I", "-L", "-d", "-a", "-s", "-E", "--max-args", "--max-procs", "--arg-file"}),
    "command": frozenset(),
    "exec": frozenset({"-a"}),
    "time": frozenset(),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
_RESERVED = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "in", "time"})
_REDIRECTS = frozenset({"<", ">", ">>", "<<", "<<-", "<<<", ">&", "<&", "&>", "&>>", "<>", ">|"})
_PIP = re.compile(r"^pip[0-9.]*$")
_PYTHON = re.compile(r"^python[0-9.]*$|^py$")

# value-taking options per tool, so that `apt-get -o X=1 install` finds `install`
APT_VALUES = frozenset(
    {"-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release", "-a",
     "--host-architecture", "-P", "--build-profiles", "--solver"}
)  # fmt: skip
APK_VALUES = frozenset(
    {"-X", "--repository", "-p", "--root", "--keys-dir", "--repositories-file", "--arch", "--cache-dir",
     "--cache-max-age", "--timeout", "-t", "--virtual", "--progress-fd", "--wait", "--from"}
)  # fmt: skip
RPM_VALUES = frozenset(
    {"-c", "--config", "--installroot", "--releasever", "--enablerepo", "--disablerepo", "-x", "--exclude",
     "--repo", "--repoid", "--setopt", "--forcearch", "--downloaddir", "--destdir", "-d", "--debuglevel",
     "-e", "--errorlevel", "--rpmverbosity", "--color", "--comment", "--advisory", "--advisories", "--bz",
     "--cve", "--sec-severity", "--secseverity", "--module-platform-id", "-R", "--randomwait",
     "--disableplugin", "--enableplugin", "--repofrompath"}
)  # fmt: skip
ZYPPER_VALUES = frozenset(
    {"-R", "--root", "-D", "--reposd-dir", "-C", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir",
     "--pkg-cache-dir", "-c", "--config", "--releasever", "--userdata", "-t", "--type", "-r", "--repo", "--from"}
)  # fmt: skip
PIP_VALUES = frozenset(
    {"--proxy", "--retries", "--timeout", "--exists-action", "--trusted-host", "--cert", "--client-cert",
     "--cache-dir", "--log", "--log-file", "--python", "--root-user-action", "--use-feature",
     "--use-deprecated", "--keyring-provider", "--resume-retries"}
)  # fmt: skip
# value-taking options of each tool, by canonical tool name
VALUE_OPTIONS = {
    "apt-get": APT_VALUES, "apt": APT_VALUES, "apt-cache": APT_VALUES, "apk": APK_VALUES,
    "yum": RPM_VALUES, "dnf": RPM_VALUES, "microdnf": RPM_VALUES, "tdnf": RPM_VALUES,
    "zypper": ZYPPER_VALUES, "pip": PIP_VALUES,
}  # fmt: skip
TOOLS = frozenset(VALUE_OPTIONS) | {"rm", "set"}
# subcommands that take a second word naming the action: `dnf group install`, `dnf module enable`
_TWO_WORD = frozenset({"group", "groups", "module"})


@dataclass(frozen=True)
class Cmd:
    """A simple command: its words (assignments excluded) and their span in the script."""

    words: tuple[Word, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Call:
    """A command that runs `tool`, found behind wrappers (`sudo`, `env`, `xargs` …)."""

    cmd: Cmd
    tool: str  # canonical name: apt-get, apt, apt-cache, apk, yum, dnf, microdnf, tdnf, zypper, pip, rm, set
    at: int  # index in cmd.words of the tool's own word (`pip` of `python -m pip`)
    sub: int | None  # index of the subcommand word
    sub2: int | None = None  # `install` of `dnf group install`

    @property
    def args(self) -> tuple[Word, ...]:
        return self.cmd.words[self.at + 1 :]

    @property
    def subcommand(self) -> str | None:
        return self.cmd.words[self.sub].value if self.sub is not None else None

    @property
    def action(self) -> str | None:
        """The subcommand, or `group install` as `group-install`."""
        if self.sub is None:
            return None
        if self.sub2 is not None:
            return f"{self.cmd.words[self.sub].value}-{self.cmd.words[self.sub2].value}"
        return self.cmd.words[self.sub].value

    @property
    def action_word(self) -> Word | None:
        """The last word naming the action: where options of the action go after."""
        i = self.sub2 if self.sub2 is not None else self.sub
        return self.cmd.words[i] if i is not None else None

    def values(self) -> list[str]:
        return [w.value for w in self.args]

    def operands(self) -> list[str]:
        """Arguments that are not options nor option values (the subcommand words included)."""
        vals = VALUE_OPTIONS.get(self.tool, frozenset())
        out: list[str] = []
        skip = False
        for w in self.args:
            if skip:
                skip = False
                continue
            v = w.value
            if v == "--":
                continue
            if v.startswith("-") and len(v) > 1:
                skip = v in vals
                continue
            out.append(v)
        return out


@dataclass
class Commands:
    text: str
    calls: list[Call]
    commands: list[Cmd]
    error: str | None = None  # why the lexer could not read the script (then nothing is found)

    def of(self, *tools: str) -> list[Call]:
        return [c for c in self.calls if c.tool in tools]

    @cached_property
    def script(self) -> Script | None:
        """The parsed structure, None when `fixer.shell` cannot read it with confidence."""
        try:
            return parse(self.text)
        except ShellParseError:
            return None

    @property
    def structured(self) -> bool:
        return self.script is not None

    def node_of(self, cmd: Cmd) -> Simple | None:
        """The parser's node for a command the lexer delimited (same command word)."""
        if self.script is None:
            return None
        from fixer.shell.analysis import simple_commands

        first = cmd.words[0].start
        return next((c for c in simple_commands(self.script) if c.words and c.words[0].start == first), None)


# a script that names none of the tools needs no look (most RUNs of a file)
_MENTIONS_TOOL = re.compile(r"apt|apk|yum|dnf|zypper|pip|python|\bpy\b")


@lru_cache(maxsize=2048)
def read(script: str) -> Commands:
    """Every simple command of `script` and the tool calls among them, as the lexer delimits them.

    The lexer is enough to find commands and their words (and much faster than the parser, which only
    runs when an edit needs the structure). Cached: every rule of the family asks about the same RUNs
    in every pass; callers must not mutate the result.
    """
    if not _MENTIONS_TOOL.search(script):
        return Commands(script, [], [])
    try:
        cmds = token_commands(script)
    except LexError as e:
        return Commands(script, [], [], str(e))
    return Commands(script, _calls(cmds), cmds)


def token_commands(script: str) -> list[Cmd]:
    """Simple commands as the lexer's separators delimit them (no nesting inside `$(…)` words)."""
    out: list[Cmd] = []
    cur: list[Word] = []
    skip_target = False

    def flush() -> None:
        ws = list(cur)
        while ws and (ws[0].raw in _RESERVED or _ASSIGNMENT.match(ws[0].raw)):
            ws.pop(0)
        if ws:
            out.append(Cmd(tuple(ws), ws[0].start, ws[-1].end))
        cur.clear()

    for t in tokenize(script):
        if t.kind == "word":
            if skip_target:
                skip_target = False
                continue
            cur.append(Word(t.text, unquote(t.text), t.start, t.end))
        elif t.kind == "op" and t.text.lstrip("0123456789") in _REDIRECTS:
            skip_target = True
        elif t.kind in ("op", "newline"):
            flush()
    flush()
    return out


def _basename(value: str) -> str:
    return value.rsplit("/", 1)[-1]


def skip_options(words: Sequence[Word], i: int, values: Iterable[str]) -> int:
    """Index of the first non-option word at or after `i` (option values skipped)."""
    vals = frozenset(values)
    while i < len(words):
        v = words[i].value
        if v == "--":
            return i + 1
        if not v.startswith("-") or v == "-":
            return i
        i += 2 if v in vals else 1
    return i


def _unwrap(words: Sequence[Word]) -> int:
    """Index of the word that names the command actually run."""
    i = 0
    while i < len(words):
        name = _basename(words[i].value)
        if name not in _WRAPPERS:
            return i
        if name == "command" and i + 1 < len(words) and words[i + 1].value in ("-v", "-V"):
            return len(words)  # a lookup, runs nothing
        i = skip_options(words, i + 1, _WRAPPERS[name])
        if name == "env":
            while i < len(words) and _ASSIGNMENT.match(words[i].value):
                i += 1
    return i


def _calls(cmds: list[Cmd]) -> list[Call]:
    out: list[Call] = []
    for cmd in cmds:
        call = recognise(cmd)
        if call is not None:
            out.append(call)
    return out


def recognise(cmd: Cmd) -> Call | None:
    words = cmd.words
    i = _unwrap(words)
    if i >= len(words):
        return None
    name = _basename(words[i].value)
    if _PYTHON.match(name):
        # `python3 -m pip install`: options of the interpreter, then `-m pip`
        j = i + 1
        while j < len(words) and words[j].value.startswith("-") and words[j].value != "-m":
            j += 1
        if j + 1 < len(words) and words[j].value == "-m" and words[j + 1].value == "pip":
            i, name = j + 1, "pip"
        else:
            return None
    elif _PIP.match(name):
        name = "pip"
    elif name == "dnf5":
        name = "dnf"
    if name not in TOOLS:
        return None
    if name in ("rm", "set"):
        return Call(cmd, name, i, None)
    s = skip_options(words, i + 1, VALUE_OPTIONS[name])
    if s >= len(words):
        return Call(cmd, name, i, None)
    sub2 = None
    if name in ("yum", "dnf", "microdnf", "tdnf") and words[s].value in _TWO_WORD:
        t = skip_options(words, s + 1, VALUE_OPTIONS[name])
        sub2 = t if t < len(words) else None
    return Call(cmd, name, i, s, sub2)


def short_flags(value: str, values: Iterable[str] = ()) -> str:
    """The letters of a short option cluster (`-yqq` → `yqq`); a value-taking letter ends it."""
    if not value.startswith("-") or value.startswith("--") or len(value) < 2:
        return ""
    vals = {v[1] for v in values if len(v) == 2}
    out = []
    for ch in value[1:]:
        out.append(ch)
        if ch in vals:
            break
    return "".join(out)


def has_long(call: Call, *names: str) -> bool:
    """`--name` or `--name=…` among the arguments."""
    return any(w.value.split("=", 1)[0] in names for w in call.args)


def has_short(call: Call, letter: str) -> bool:
    vals = VALUE_OPTIONS.get(call.tool, frozenset())
    return any(letter in short_flags(w.value, vals) for w in call.args)


def each_run(df: Dockerfile) -> Iterator[tuple[Instruction, RunScript, Commands]]:
    """Every RUN (and ONBUILD RUN trigger) with its script and commands; the first item is the
    instruction findings belong to (the ONBUILD for a trigger)."""
    for instr in df.instructions:
        target = instr.sub if instr.cmd == "ONBUILD" and instr.sub is not None else instr
        run = run_script(df, target)
        if run is not None:
            yield instr, run, read(run.text)
