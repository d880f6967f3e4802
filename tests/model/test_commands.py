"""A RUN's script read into simple commands, wrappers and package-manager calls (fixer.model.commands)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from fixer.model.commands import read_commands, recognise, run_script, runs, script_of, split_commands, unwrap
from fixer.syntax import parse


def _words(script: str) -> list[list[str]]:
    return [[w.value for w in c.words] for c in split_commands(script)]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("a && b || c; d | e & f", [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]]),
        ("A=1 B=2 make install", [["make", "install"]]),
        ("if true; then apt-get update; fi", [["true"], ["apt-get", "update"]]),
        ("echo hi > /tmp/x 2>&1 && cat < in", [["echo", "hi"], ["cat"]]),
        ("echo 'a && b' \"c; d\"", [["echo", "a && b", "c; d"]]),
        ("case $x in a) apk add git ;; esac", [["case", "$x", "in", "a"], ["apk", "add", "git"], ["esac"]]),
        ("echo $(apt-get update && true)", [["echo", "$(apt-get update && true)"]]),
    ],
)
def test_split_commands(script: str, expected: list[list[str]]) -> None:
    assert _words(script) == expected


def test_words_keep_their_script_offsets() -> None:
    script = "apt-get  install -y 'cur l'"
    cmd = split_commands(script)[0]
    assert [script[w.start : w.end] for w in cmd.words] == ["apt-get", "install", "-y", "'cur l'"]
    assert (cmd.start, cmd.end) == (0, len(script))


@pytest.mark.parametrize(
    ("script", "runs_word"),
    [
        ("sudo -E apt-get install x", "apt-get"),
        ("sudo -u bob -- apt-get install x", "apt-get"),
        ("sudo DEBIAN_FRONTEND=noninteractive apt-get install x", "apt-get"),
        ("env -i A=1 B=2 apk add x", "apk"),
        ("env -u HOME apk add x", "apk"),
        ("nice -n 10 ionice -c 3 make", "make"),
        ("timeout -s KILL 30 pip install x", "pip"),
        ("gosu app npm ci", "npm"),
        ("xargs -n 1 -P4 rm -f", "rm"),
        ("stdbuf -o L -e0 grep x", "grep"),
        ("nohup setsid eatmydata dnf install x", "dnf"),
        ("exec -a name server", "server"),
        ("/usr/bin/sudo -H apt-get update", "apt-get"),
    ],
)
def test_unwrap_finds_the_command_run(script: str, runs_word: str) -> None:
    cmd = split_commands(script)[0]
    assert cmd.words[cmd.program].value == runs_word


@pytest.mark.parametrize("script", ["command -v apt-get", "sudo -u bob", "env A=1"])
def test_unwrap_to_nothing(script: str) -> None:
    cmd = split_commands(script)[0]
    assert unwrap(cmd.words) == len(cmd.words)


@pytest.mark.parametrize(
    ("script", "tool", "action", "operands"),
    [
        ("apt-get -o Debug::X=1 install -y curl", "apt-get", "install", ["install", "curl"]),
        # a value-taking letter at the end of a cluster takes the next word
        ("apt-get -qo Debug::X=1 install curl", "apt-get", "install", ["install", "curl"]),
        ("apt-get -P nocheck build-dep pkg", "apt-get", "build-dep", ["build-dep", "pkg"]),
        ("apt-get --solver 3.0 install curl", "apt-get", "install", ["install", "curl"]),
        ("apk --from repositories --timeout 5 add git", "apk", "add", ["add", "git"]),
        ("dnf -R 5 --disableexcludes main install x", "dnf", "install", ["install", "x"]),
        ("dnf5 group install -y dev", "dnf", "group-install", ["group", "install", "dev"]),
        ("yum --setopt tsflags=nodocs install x", "yum", "install", ["install", "x"]),
        ("zypper -R /mnt -n in x", "zypper", "in", ["in", "x"]),
        ("python3 -u -m pip install -r req.txt x", "pip", "install", ["install", "x"]),
        ("pip3.11 --proxy http://p install x", "pip", "install", ["install", "x"]),
        ("pip2.7 install x", "pip", "install", ["install", "x"]),
        ("python2 -m pip install x", "pip", "install", ["install", "x"]),
        ("rm -rf /var/lib/apt/lists/*", "rm", None, ["/var/lib/apt/lists/*"]),
    ],
)
def test_recognise(script: str, tool: str, action: str | None, operands: list[str]) -> None:
    call = recognise(split_commands(script)[0])
    assert call is not None
    assert (call.tool, call.action, call.operands()) == (tool, action, operands)


@pytest.mark.parametrize(
    "script", ["echo apt-get install", "python3 -m venv /v", "command -v apk", "pipx install x", "pip-compile x"]
)
def test_not_a_tool_call(script: str) -> None:
    assert recognise(split_commands(script)[0]) is None


def test_short_and_long_options_of_a_call() -> None:
    call = read_commands("apt-get install -yq --no-install-recommends=true x").calls[0]
    assert call.has_short("y") and call.has_short("q") and not call.has_short("s")
    assert call.has_long("--no-install-recommends") and not call.has_long("--yes")
    # `-t` takes a value: the letters after it are that value, not flags
    call = read_commands("apt-get -tyes install x").calls[0]
    assert not call.has_short("y")


def test_unreadable_script_has_no_commands() -> None:
    cmds = read_commands("apt-get install 'unterminated")
    assert cmds.commands == [] and cmds.calls == [] and cmds.error


def test_a_script_without_tools_still_has_its_commands() -> None:
    cmds = read_commands("sudo useradd -m bob")
    assert cmds.calls == [] and [c.name for c in cmds.commands] == ["sudo"]


DOCKERFILE = """\
FROM debian
RUN apt-get update \\
    && apt-get install -y curl
RUN <<EOF
set -e
apk add git
EOF
RUN bash -e <<EOF
pip install x
EOF
RUN cat <<EOF > /etc/x
data
EOF
RUN ["sh", "-c", "apt-get update"]
RUN ["apt-get", "install", "a b"]
ONBUILD RUN yum install -y x
"""


def test_runs_of_a_file() -> None:
    df = parse(DOCKERFILE)
    scripts = runs(df)
    assert [s.owner.cmd for s in scripts] == ["RUN"] * 6 + ["ONBUILD"]
    assert scripts is runs(df)  # once per file
    assert [s.editable for s in scripts] == [True, True, True, False, False, False, True]
    shell_form, heredoc, bash_e, data, exec_c, exec_argv, onbuild = scripts
    assert heredoc.text == "set -e\napk add git\n" and not heredoc.errexit
    assert bash_e.errexit
    assert data.refusal == "the RUN line's heredoc is read by its commands"
    assert exec_c.text == "apt-get update"
    assert exec_argv.text == "apt-get install 'a b'"
    assert onbuild.instr is df.instructions[-1].sub and onbuild.instr.cmd == "RUN"
    assert script_of(df, onbuild.instr) is onbuild
    assert script_of(df, df.instructions[0]) is None


def test_offsets_map_script_words_to_the_file() -> None:
    df = parse(DOCKERFILE)
    for script in runs(df)[:3]:
        for cmd in script.commands.commands:
            for w in cmd.words:
                span = script.span(w)
                assert span is not None
                assert df.text[span[0] : span[1]] == w.raw
    # a continuation line between two words: each word still lands where it is written
    first = runs(df)[0]
    install = first.commands.calls[1].action_word
    assert install is not None
    assert df.text[first.offset(install.start) :].startswith("install -y curl")


def test_run_script_is_none_for_other_instructions() -> None:
    df = parse("FROM x\nCOPY a b\n")
    assert run_script(df, df.instructions[1]) is None


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
@pytest.mark.parametrize(
    "script",
    [
        "A=1 B=2 printf '%s\\n' run",
        "if true; then printf '%s\\n' one; fi; printf '%s\\n' two",
        "printf '%s\\n' 'a && b' \"c; d\" > /dev/null; printf '%s\\n' x",
    ],
)
def test_commands_match_what_the_shell_runs(script: str) -> None:
    """Every command the lexer finds is one the shell runs: trace `sh -x` and compare the names."""
    traced = subprocess.run(["sh", "-xc", script], capture_output=True, text=True, check=True).stderr
    traced_words = [line.lstrip("+ ").split() for line in traced.splitlines() if line.startswith("+")]
    ran = [next(w for w in words if "=" not in w) for words in traced_words]
    found = [c.name for c in split_commands(script)]
    assert [n for n in found if n in ("printf", "true")] == [n for n in ran if n in ("printf", "true")]
