"""What a RUN runs: its script, the simple commands of that script, and the package-manager calls among them.

A RUN runs one of:
- its shell-form arguments (`RUN apt-get update && …`, continuation lines joined as BuildKit joins them);
- the body of its only heredoc (`RUN <<EOF`, or `RUN <<EOF bash` / `RUN bash <<EOF`: a shell reading it);
- its arguments followed by heredoc bodies the shell reads as data (`RUN cat <<EOF > /etc/x`);
- an exec-form argv (`RUN ["sh", "-c", "…"]` reads as its `-c` script, anything else as the quoted argv).
Exec form, a non-POSIX SHELL (PowerShell, cmd), a Windows base image and the backtick escape still give
a script to look at, with `refusal` saying why it must not be edited.

Simple commands come from the lexer of `fixer.shell` (it reads `case`, which bashlex does not; the
official images use it in most RUNs): the words between list operators, assignments and reserved
words in front dropped, redirection targets left out. Their words keep their script offsets, which
`RunScript.offset` maps to the file. The parsed structure (what a `&&` binds to) is there too, when
bashlex reads the script with confidence.

Wrapper commands (`sudo`, `env`, `nice`, `xargs` …) run the command that follows their own options;
`WRAPPERS` is the one list, and `SimpleCommand.program` the index of the word actually run.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from fixer.model.memo import per_file
from fixer.model.package_managers import MANAGERS, PIP_PROGRAM, PYTHON_PROGRAM, Options
from fixer.model.shells import POSIX_SHELLS, program, shell_from_argv
from fixer.model.stages import owner
from fixer.model.state import shell_at
from fixer.shell.lexer import LexError, tokenize, unquote
from fixer.shell.model import Script, Simple, Word
from fixer.shell.parse import ShellParseError, parse
from fixer.syntax import Dockerfile, Heredoc, Instruction

# --- wrappers -----------------------------------------------------------------------------------------


def _o(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Wrapper:
    """A command that runs the command after its own options (and operands)."""

    options: Options = Options()
    operands: int = 0  # words it reads before the command: `timeout 10 cmd`, `gosu user cmd`
    assignments: bool = False  # `env A=1 cmd`, `sudo A=1 cmd`


WRAPPERS: dict[str, Wrapper] = {
    "sudo": Wrapper(
        Options(
            flags=_o("A b E H i K k l n P S s V v e preserve-env set-home non-interactive login shell stdin"),
            valued=_o("u g h p C D r t U T user group host prompt close-from chdir role type other-user command-timeout"),
        ),
        assignments=True,
    ),
    "doas": Wrapper(Options(flags=_o("n s"), valued=_o("u C"))),
    "env": Wrapper(
        Options(flags=_o("i 0 v ignore-environment null debug"), valued=_o("u C S unset chdir split-string")),
        assignments=True,
    ),
    "eatmydata": Wrapper(),
    "nice": Wrapper(Options(valued=_o("n adjustment"))),
    "ionice": Wrapper(Options(flags=_o("t ignore"), valued=_o("c n p P u class classdata"))),
    "nohup": Wrapper(),
    "setsid": Wrapper(Options(flags=_o("c f w ctty fork wait"))),
    "xargs": Wrapper(
        Options(
            flags=_o("0 r t p x null no-run-if-empty verbose interactive exit open-tty"),
            valued=_o("n P I L d a s E max-args max-procs arg-file delimiter max-chars max-lines eof"),
        )
    ),
    "command": Wrapper(Options(flags=_o("p"))),
    "builtin": Wrapper(),
    "exec": Wrapper(Options(flags=_o("c l"), valued=_o("a"))),
    "time": Wrapper(Options(flags=_o("p v a portability verbose append"), valued=_o("f o format output"))),
    "stdbuf": Wrapper(Options(valued=_o("i o e input output error"))),
    "timeout": Wrapper(
        Options(flags=_o("v foreground preserve-status verbose"), valued=_o("s k signal kill-after")), operands=1
    ),
    "gosu": Wrapper(operands=1),
    "su-exec": Wrapper(operands=1),
}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")


def program_name(word: str) -> str:
    """The program a command word runs, as a name: `/usr/bin/apt-get` is `apt-get`."""
    return word.rsplit("/", 1)[-1]


def unwrap(words: Sequence[Word]) -> int:
    """Index of the word that names the command actually run behind wrappers; `len(words)` when the
    wrappers run nothing (`command -v x` is a lookup, `sudo -l` lists)."""
    i = 0
    while i < len(words):
        name = program_name(words[i].value)
        wrapper = WRAPPERS.get(name)
        if wrapper is None:
            return i
        if name == "command" and i + 1 < len(words) and words[i + 1].value in ("-v", "-V"):
            return len(words)
        i = wrapper.options.operand_index(words, i + 1)
        if wrapper.assignments:
            while i < len(words) and _ASSIGNMENT.match(words[i].value):
                i += 1
        i += wrapper.operands
    return min(i, len(words))


# --- simple commands ----------------------------------------------------------------------------------

_RESERVED = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "in", "time"})
_REDIRECTS = frozenset({"<", ">", ">>", "<<", "<<-", "<<<", ">&", "<&", "&>", "&>>", "<>", ">|"})


@dataclass(frozen=True)
class SimpleCommand:
    """A simple command as the lexer delimits it: its words (assignments before it and redirections
    left out) and their span in the script. `$(…)` contents stay inside their word."""

    words: tuple[Word, ...]
    start: int
    end: int

    @property
    def name(self) -> str:
        """The program of the first word (a wrapper such as `sudo` is a name too)."""
        return program_name(self.words[0].value)

    @property
    def program(self) -> int:
        """Index of the word naming the command run behind wrappers (`len(words)`: none)."""
        return unwrap(self.words)


def split_commands(script: str) -> list[SimpleCommand]:
    """Every simple command of `script` in order, as the lexer's separators delimit them. Raises LexError."""
    out: list[SimpleCommand] = []
    cur: list[Word] = []
    skip_target = False

    def flush() -> None:
        ws = list(cur)
        while ws and (ws[0].raw in _RESERVED or _ASSIGNMENT.match(ws[0].raw)):
            ws.pop(0)
        if ws:
            out.append(SimpleCommand(tuple(ws), ws[0].start, ws[-1].end))
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


# --- package-manager calls ----------------------------------------------------------------------------

# the tools a `ToolCall` names; `rm` and `set` for the cache rules' cleanup and errexit questions
TOOLS = frozenset({"apt-get", "apt", "apt-cache", "apk", "yum", "dnf", "microdnf", "tdnf", "zypper", "pip", "rm", "set"})
_NO_OPTIONS = Options()


@dataclass(frozen=True)
class ToolCall:
    """A simple command that runs one of `TOOLS`, found behind wrappers (`sudo`, `env`, `xargs` …)."""

    cmd: SimpleCommand
    tool: str  # canonical name: apt-get, apt, apt-cache, apk, yum, dnf, microdnf, tdnf, zypper, pip, rm, set
    at: int  # index in cmd.words of the tool's own word (`pip` of `python -m pip`)
    sub: int | None  # index of the subcommand word
    sub2: int | None = None  # `install` of `dnf group install`

    @property
    def options(self) -> Options:
        manager = MANAGERS.get(self.tool)
        return manager.options if manager is not None else _NO_OPTIONS

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
        """Arguments that are neither options nor option values (the subcommand words included)."""
        return [w.value for w in self.options.operands(self.args)]

    def has_long(self, *names: str) -> bool:
        """`--name` or `--name=…` among the arguments."""
        return any(w.value.split("=", 1)[0] in names for w in self.args)

    def has_short(self, letter: str) -> bool:
        """`-x` as a letter of a short option cluster (`-yq` has `y` and `q`)."""
        return any(letter in self.options.short_letters(w.value) for w in self.args)


def recognise(cmd: SimpleCommand) -> ToolCall | None:
    """The tool call `cmd` makes, or None when it runs none of `TOOLS`."""
    words = cmd.words
    i = cmd.program
    if i >= len(words):
        return None
    name = program_name(words[i].value)
    if PYTHON_PROGRAM.fullmatch(name):
        # `python3 -m pip install`: options of the interpreter, then `-m pip`
        j = i + 1
        while j < len(words) and words[j].value.startswith("-") and words[j].value != "-m":
            j += 1
        if j + 1 < len(words) and words[j].value == "-m" and words[j + 1].value == "pip":
            i, name = j + 1, "pip"
        else:
            return None
    elif PIP_PROGRAM.fullmatch(name):
        name = "pip"
    elif name == "dnf5":
        name = "dnf"
    if name not in TOOLS:
        return None
    manager = MANAGERS.get(name)
    if manager is None:  # rm, set
        return ToolCall(cmd, name, i, None)
    s = manager.options.operand_index(words, i + 1)
    if s >= len(words):
        return ToolCall(cmd, name, i, None)
    sub2 = None
    if words[s].value in manager.two_word:
        t = manager.options.operand_index(words, s + 1)
        sub2 = t if t < len(words) else None
    return ToolCall(cmd, name, i, s, sub2)


# a script that names none of the tools makes no call (most RUNs of a file): no need to lex it for calls
_MENTIONS_TOOL = re.compile(r"apt|apk|yum|dnf|zypper|pip|python|\bpy\b")


@dataclass(eq=False)
class ScriptCommands:
    """The simple commands of one script text, the tool calls among them, and its parsed structure."""

    text: str

    @cached_property
    def _read(self) -> tuple[list[SimpleCommand], str | None]:
        try:
            return split_commands(self.text), None
        except LexError as e:
            return [], str(e)

    @property
    def commands(self) -> list[SimpleCommand]:
        """Every simple command; empty when the lexer cannot read the script (see `error`)."""
        return self._read[0]

    @property
    def error(self) -> str | None:
        """Why the lexer could not read the script."""
        return self._read[1]

    @cached_property
    def calls(self) -> list[ToolCall]:
        if not _MENTIONS_TOOL.search(self.text):
            return []
        return [c for c in map(recognise, self.commands) if c is not None]

    def of(self, *tools: str) -> list[ToolCall]:
        return [c for c in self.calls if c.tool in tools]

    @cached_property
    def parsed(self) -> Script | None:
        """The parsed structure, None when `fixer.shell` cannot read it with confidence."""
        try:
            return parse(self.text)
        except ShellParseError:
            return None

    @property
    def structured(self) -> bool:
        return self.parsed is not None

    def node_of(self, cmd: SimpleCommand) -> Simple | None:
        """The parser's node for a command the lexer delimited (same command word)."""
        if self.parsed is None:
            return None
        from fixer.shell.analysis import simple_commands

        first = cmd.words[0].start
        return next((c for c in simple_commands(self.parsed) if c.words and c.words[0].start == first), None)


@lru_cache(maxsize=2048)
def read_commands(text: str) -> ScriptCommands:
    """The commands of a script text. Cached by text, so a RUN a fix left alone is not read again in
    the next pass; callers must not mutate the result."""
    return ScriptCommands(text)


# --- the script of a RUN --------------------------------------------------------------------------------

_MARKER = re.compile(r"""^(\d*)<<(-?)(['"]?)([^'"\s]+)\3$""")
_OPTION_E = re.compile(r"^-[A-Za-z]*e[A-Za-z]*$")  # `set -eux`


@dataclass(eq=False)
class RunScript:
    """The script a RUN runs and where each of its characters sits in the file."""

    df: Dockerfile
    instr: Instruction  # the RUN (for ONBUILD RUN, the trigger)
    text: str
    heredoc: Heredoc | None = None  # the heredoc whose body is the whole script
    errexit: bool = False  # `-e` given by SHELL, the shebang or `bash -e <<EOF`
    refusal: str | None = None  # why the script may be read but not edited
    # `RUN cmd <<EOF`: the script is the arguments, a newline, then the bodies from this script index on
    tail_at: int | None = None
    owner: Instruction = field(init=False)  # the instruction findings belong to (the ONBUILD of a trigger)

    def __post_init__(self) -> None:
        self.owner = owner(self.df, self.instr)

    @property
    def editable(self) -> bool:
        return self.refusal is None

    @cached_property
    def commands(self) -> ScriptCommands:
        # held by the RunScript (itself kept per file): past read_commands' 2,048 texts every rule's
        # sweep over the RUNs evicted the next RUN's reading, and each rule read every RUN again
        return read_commands(self.text)

    def offset(self, i: int) -> int:
        """File offset of script character `i`."""
        if self.heredoc is not None:
            return self.heredoc.body_start + i
        if self.tail_at is not None and i >= self.tail_at:
            return self.instr.heredocs[0].body_start + (i - self.tail_at)
        return self.instr.file_offset(self.instr.args_start + i)

    def end_offset(self, i: int) -> int:
        """File offset just past script character `i - 1` (where text typed after it goes)."""
        return self.offset(0) if i <= 0 else self.offset(i - 1) + 1

    def span(self, word: Word) -> tuple[int, int] | None:
        """File span of a word; None when a line continuation splits it."""
        a = self.offset(word.start)
        b = self.offset(word.end - 1) + 1
        return (a, b) if b - a == word.end - word.start else None


def _shell_refusal(df: Dockerfile, instr: Instruction) -> tuple[str | None, bool]:
    """(why the RUN's shell is not one we can edit for, whether it starts with errexit)."""
    shell = shell_at(df, instr)  # a trigger runs in its stage's end state
    if df.escape != "\\":
        # the backtick is what makes the shell Windows' (fixer.model.shells): name the cause
        return "the file's escape character is a backtick", shell.errexit
    if not shell.posix:
        return f"the RUN's shell `{' '.join(shell.argv) or '[]'}` is not a POSIX shell", False
    return None, shell.errexit


def _shebang(body: str) -> tuple[str | None, list[str]]:
    if not body.startswith("#!"):
        return None, []
    argv = body[2:].split("\n", 1)[0].split()
    if not argv:
        return None, []
    if program(argv[0]) == "env" and len(argv) > 1:
        argv = argv[1:]
    return program(argv[0]), argv


def _heredoc_runner(args: str) -> tuple[bool, list[str]] | None:
    """For `<<EOF`, `<<EOF bash`, `sh -e <<EOF`: (the body is the whole script, the shell's argv)."""
    words = args.split()
    markers = [w for w in words if _MARKER.match(w)]
    if len(markers) != 1 or len([w for w in words if "<<" in w]) != 1:
        return None
    rest = [w for w in words if w is not markers[0]]
    if not rest:
        return True, []
    if program(rest[0]) in POSIX_SHELLS and all(w.startswith("-") and w not in ("-c",) for w in rest[1:]):
        return True, rest
    return None


def run_script(df: Dockerfile, instr: Instruction) -> RunScript | None:
    """The script `instr` runs (for ONBUILD, pass the trigger instruction); None when not a RUN."""
    if instr.cmd != "RUN":
        return None
    refusal, errexit = _shell_refusal(df, instr)
    if instr.json:
        from fixer.syntax.buildkit import parse_json

        argv = parse_json(instr.args) or []  # the parser already read it as exec form
        if len(argv) >= 3 and program(argv[0]) in POSIX_SHELLS and "-c" in argv[1:-1]:
            text = argv[argv.index("-c", 1) + 1]
        else:
            text = shlex.join(argv)
        return RunScript(df, instr, text, refusal="the RUN is in exec (JSON) form")
    if not instr.heredocs:
        return RunScript(df, instr, instr.args, errexit=errexit, refusal=refusal)
    doc = instr.heredocs[0]
    runner = _heredoc_runner(instr.args) if len(instr.heredocs) == 1 else None
    if runner is not None:
        body = df.text[doc.body_start : doc.body_end]
        interp, argv = _shebang(body)
        if interp is not None and not runner[1]:
            if interp not in POSIX_SHELLS:
                refusal = refusal or f"the heredoc is a {interp} script"
            errexit = shell_from_argv(argv).errexit
        elif runner[1]:
            errexit = shell_from_argv(runner[1]).errexit
        if "\r" in body:
            # BuildKit hands the body over with its carriage returns: the shell reads `cmd\r`
            refusal = refusal or "the heredoc has CRLF line endings, which the shell does not strip"
        return RunScript(df, instr, body, heredoc=doc, errexit=errexit, refusal=refusal)
    # the shell reads the bodies as data for the commands on the RUN line
    tail = df.text[doc.body_start : instr.heredocs[-1].terminator.end]
    return RunScript(
        df,
        instr,
        instr.args + "\n" + tail,
        errexit=errexit,
        refusal=refusal or "the RUN line's heredoc is read by its commands",
        tail_at=len(instr.args) + 1,
    )


@per_file
def runs(df: Dockerfile) -> tuple[RunScript, ...]:
    """The script of every RUN and ONBUILD RUN trigger, in file order (`RunScript.owner` is the
    instruction findings belong to)."""
    out: list[RunScript] = []
    for instr in df.instructions:
        target = instr.sub if instr.cmd == "ONBUILD" and instr.sub is not None else instr
        script = run_script(df, target)
        if script is not None:
            out.append(script)
    return tuple(out)


@per_file
def _by_instruction(df: Dockerfile) -> dict[Instruction, RunScript]:
    return {r.instr: r for r in runs(df)}


def script_of(df: Dockerfile, instr: Instruction) -> RunScript | None:
    """`run_script(df, instr)` read once per file: the same object `runs` holds."""
    return _by_instruction(df).get(instr)


def set_errexit(words: list[str]) -> bool:
    """`set -e`, `set -eux`, `set -o errexit` (the words after `set`)."""
    for i, w in enumerate(words):
        if _OPTION_E.match(w) or (w == "-o" and words[i + 1 : i + 2] == ["errexit"]):
            return True
    return False
