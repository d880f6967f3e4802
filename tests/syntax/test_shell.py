"""The shell layer: tokenizer (comments, quoting, here-docs), structure via bashlex, and the queries."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.shell.analysis import (
    code_end,
    command_words,
    has_top_level_list,
    last_and_or_has_compound,
    state_changes,
    state_changing,
    top_level_commands,
    trailing_comment_span,
    words,
)
from fixer.shell.lexer import LexError, comments, tokenize, unquote
from fixer.shell.model import Compound, Simple
from fixer.shell.parse import ShellParseError, parse

# -- comments -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        'echo "a#b"',
        "echo ${x#p} ${x##*/}",
        "echo a#b",
        "echo '#'",
        r"echo \#",
        "echo $(echo '#')",
        "echo `echo a#b`",
        'echo "$(echo "#")"',
        "x=#",
        "echo ${#x}",
        "echo $#",
        "curl https://x/y#frag",
    ],
)
def test_hash_inside_a_word_is_not_a_comment(script: str) -> None:
    assert comments(script) == []
    assert trailing_comment_span(script) is None


@pytest.mark.parametrize(
    "script,comment",
    [
        ("make # build", "# build"),
        ("make;# build", "# build"),
        ("a && b # x && y", "# x && y"),
        ('echo "a#b" # real', "# real"),
        ("echo ${x#p} #c", "#c"),
        ("echo a|#c", "#c"),
        ("#only", "#only"),
    ],
)
def test_comment_at_the_start_of_a_word(script: str, comment: str) -> None:
    found = comments(script)
    assert [c.text for c in found] == [comment]
    span = trailing_comment_span(script)
    assert span is not None and script[span[0] : span[1]] == comment


def test_comment_inside_a_here_document_is_body_text() -> None:
    script = "cat <<EOF > f\n# not a comment\nEOF\necho done # yes"
    kinds = [(t.kind, t.text) for t in tokenize(script)]
    assert ("heredoc", "# not a comment\nEOF") in kinds
    assert [c.text for c in comments(script)] == ["# yes"]


def test_tab_stripping_here_document_and_quoted_delimiter() -> None:
    script = "cat <<-'E O' | cat\n\tline $x\n\tE O\necho after"
    toks = tokenize(script)
    assert [t.text for t in toks if t.kind == "heredoc"] == ["\tline $x\n\tE O"]
    assert words(script)[-2:] == ["echo", "after"]


@pytest.mark.parametrize(
    "script", ['echo "abc', "echo 'abc", "echo $(a", "echo ${a", "echo `a", "cat <<EOF\nbody", "echo $((1+2)"]
)
def test_incomplete_scripts_raise(script: str) -> None:
    with pytest.raises(LexError):
        tokenize(script)
    with pytest.raises(ShellParseError):
        parse(script)


def test_case_pattern_paren_does_not_close_a_substitution() -> None:
    script = "x=$(case $a in amd64) echo 1;; (arm*) echo 2;; esac) # c"
    toks = tokenize(script)
    assert [t.kind for t in toks] == ["word", "comment"]
    assert toks[0].text == script[: script.index(" #")]


# -- words and quote removal ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,value",
    [
        ('"a b"', "a b"),
        ("'a b'", "a b"),
        (r"a\ b", "a b"),
        ('"a\\"b"', 'a"b'),
        ("$'a\\'b'", "a'b"),
        ("$'x\\ty'", "x\ty"),
        ('"$x"', "$x"),
        ('"${x:-"a b"}"', '${x:-"a b"}'),
        ("pre'q'\"d\"post", "preqdpost"),
    ],
)
def test_unquote(raw: str, value: str) -> None:
    assert unquote(raw) == value


def test_simple_command_words_keep_spans_raw_and_value() -> None:
    script = "FOO=1 apt-get install -y 'curl' \"wget\" 2>&1 >/dev/null"
    (cmd,) = top_level_commands(script)
    assert isinstance(cmd, Simple)
    assert [w.raw for w in cmd.assignments] == ["FOO=1"]
    assert [w.value for w in cmd.words] == ["apt-get", "install", "-y", "curl", "wget"]
    for w in [*cmd.assignments, *cmd.words]:
        assert script[w.start : w.end] == w.raw
    assert [r.op for r in cmd.redirects] == [">&", ">"]
    assert cmd.redirects[1].target is not None and cmd.redirects[1].target.value == "/dev/null"


# -- structure ------------------------------------------------------------------------------------


def test_lists_and_or_and_pipelines_with_their_operators() -> None:
    script = "a && b | c; d || e & f\ng"
    sc = parse(script)
    items = sc.body.items
    assert [it.terminator.text if it.terminator else None for it in items] == [";", "&", "\n", None]
    first = items[0].and_or
    assert [op.text for op in first.ops] == ["&&"]
    assert [len(p.commands) for p in first.pipelines] == [1, 2]
    assert [p.pipes[0].text for p in first.pipelines if p.pipes] == ["|"]
    assert [op.text for op in items[1].and_or.ops] == ["||"]
    for it in items:
        for op in [*it.and_or.ops, *([it.terminator] if it.terminator else [])]:
            assert script[op.start : op.end] == op.text
    assert [c.name for c in top_level_commands(sc) if isinstance(c, Simple)] == ["a", "b", "c", "d", "e", "f", "g"]


@pytest.mark.parametrize(
    "script,kind",
    [
        ("(cd /x && make)", "subshell"),
        ("{ a; b; }", "brace"),
        ("if a; then b; else c; fi", "if"),
        ("for x in 1 2; do echo $x; done", "for"),
        ("while read l; do :; done < f", "while"),
        ("until false; do break; done", "until"),
        ("f() { cd /; }", "function"),
        ("function g { a; }", "function"),
    ],
)
def test_compound_commands_are_recognised(script: str, kind: str) -> None:
    (cmd,) = top_level_commands(script)
    assert isinstance(cmd, Compound) and cmd.kind == kind
    assert (cmd.start, cmd.end) == (0, len(script)) or kind == "while"


@pytest.mark.parametrize(
    "script",
    ["case $a in x) b;; esac", "echo $((1 + 2))", "[[ -f x ]] && y", "time make", "a=(1 2)", "echo @(a|b)"],
)
def test_what_bashlex_cannot_read_is_a_parse_error(script: str) -> None:
    with pytest.raises(ShellParseError):
        parse(script)


def test_bang_and_nested_substitutions() -> None:
    sc = parse("! grep -q x f && echo $(cd /tmp; ls `pwd`)")
    assert sc.body.items[0].and_or.pipelines[0].bang
    assert command_words(sc) == ["grep", "echo", "cd", "ls", "pwd"]


def test_empty_and_comment_only_scripts() -> None:
    assert parse("  ").body.items == []
    sc = parse("# only a comment")
    assert sc.body.items == [] and sc.comments == [(0, 16)]
    assert code_end("# x") == 0


# -- queries --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script,expected",
    [
        ("a && b && c", False),
        ("a | b", False),
        ("! a", False),
        ("a;", False),
        ("{ a; b; }", False),
        ("(a || b)", False),
        ("a; b", True),
        ("a || b", True),
        ("a && b || c", True),
        ("a &", True),
        ("a & b", True),
        ("a\nb", True),
    ],
)
def test_has_top_level_list(script: str, expected: bool) -> None:
    assert has_top_level_list(script) is expected


@pytest.mark.parametrize(
    "script,reason",
    [
        ("cd /tmp", "cd"),
        ("pushd /tmp", "pushd"),
        ("popd", "popd"),
        ("export A=1", "export"),
        ("unset A", "unset"),
        ("set -e", "set"),
        ("shopt -s globstar", "shopt"),
        ("source /etc/profile", "source"),
        (". /etc/profile", "."),
        ("umask 077", "umask"),
        ("ulimit -n 1024", "ulimit"),
        ("alias ll='ls -l'", "alias"),
        ("trap 'rm -f x' EXIT", "trap"),
        ("exec > log", "exec"),
        ("exit 0", "exit"),
        ("return 1", "return"),
        ("eval \"$(ssh-agent)\"", "eval"),
        ("declare -x A=1", "declare"),
        ("typeset A", "typeset"),
        ("readonly A=1", "readonly"),
        ("local A=1", "local"),
        ("read A < f", "read"),
        ("A=1", "assignment"),
        ("A=1 B=2", "assignment"),
        ("A=1 :", "assignment"),
        ("builtin cd /", "cd"),
        ("command cd /", "cd"),
        ("echo ${A:=1}", "${name:=value} assignment"),
        ("printf -v A %s x", "printf -v"),
        ("f() { :; }", "function definition"),
    ],
)
def test_state_changing_commands(script: str, reason: str) -> None:
    (cmd,) = top_level_commands(script)
    change = state_changing(cmd)
    assert change is not None and change.reason == reason and change.isolatable


@pytest.mark.parametrize(
    "script",
    ["A=1 make", "echo cd", "command -v cd", "make install", "(cd /x)", "true", "env A=1 make", "./configure",
     "nginx -t", "nginx -V", "apachectl -t", "php-fpm -t"],
)
def test_not_state_changing(script: str) -> None:
    assert state_changes(script) == []


@pytest.mark.parametrize(
    "script,reason",
    [
        ("a &", "background job"),
        ("(a &)", "background job"),
        ("x=$(b &)", None),  # bashlex cannot read it: the caller must not fix either way
        ("service mysql start", "starts a service (service)"),
        ("/etc/init.d/nginx start && b", "starts a service (nginx)"),
        ("nohup x", "starts a service (nohup)"),
        ("(redis-server --daemonize yes)", "starts a service (redis-server)"),
        ("nginx", "starts a service (nginx)"),
        ("apachectl start", "starts a service (apachectl)"),
        ("php-fpm -D", "starts a service (php-fpm)"),
    ],
)
def test_what_outlives_a_subshell_is_not_isolatable(script: str, reason: str | None) -> None:
    if reason is None:
        with pytest.raises(ShellParseError):
            state_changes(script)
        return
    found = state_changes(script)
    assert [c.reason for c in found if not c.isolatable] == [reason]


def test_state_changes_look_into_groups_but_not_subshells() -> None:
    sc = "if x; then cd /a; fi && { export B=1; } && (cd /c) && echo $(cd /d)"
    assert [c.reason for c in state_changes(sc)] == ["cd", "export"]


def test_code_end_and_trailing_terminator() -> None:
    assert code_end("a; b;  # c") == len("a; b")
    assert code_end("a; b;  # c", terminator=True) == len("a; b;")
    assert code_end("a &") == 3
    script = "cat <<EOF\nx\nEOF\n"
    assert code_end(script) == len("cat <<EOF\nx\nEOF")


def test_last_and_or_has_compound() -> None:
    assert last_and_or_has_compound("a; { b; c; }")
    assert last_and_or_has_compound("a && (b)")
    assert not last_and_or_has_compound("{ b; }; a && c | d")


def test_command_words_in_order_including_nested() -> None:
    script = "set -eux; if [ -f x ]; then apt-get update; fi; for p in a b; do pip install $p; done | tee log"
    assert command_words(script) == ["set", "[", "apt-get", "pip", "tee"]


# -- properties -------------------------------------------------------------------------------------

_WORD = st.sampled_from(["a", "b1", "'q w'", '"d q"', "x#y", "${v#p}", "$(echo z)", r"e\ f", "'#'", "-o"])
_OP = st.sampled_from(["&&", "||", ";", "|", "&"])


@st.composite
def _scripts(draw: st.DrawFn) -> tuple[str, list[str], list[str], str | None]:
    """A random list of simple commands, with the operators and comment it was built from."""
    n = draw(st.integers(1, 5))
    parts: list[str] = []
    ops: list[str] = []
    names: list[str] = []
    for i in range(n):
        name = draw(st.sampled_from(["echo", "true", "ls", "grep"]))
        args = draw(st.lists(_WORD, max_size=3))
        names.append(name)
        parts.append(" ".join([name, *args]))
        if i < n - 1:
            ops.append(draw(_OP))
    script = parts[0]
    for op, part in zip(ops, parts[1:]):
        script += f" {op} {part}"
    comment = draw(st.one_of(st.none(), st.sampled_from(["# c", "#c && d", "# x;y"])))
    if comment:
        script += " " + comment
    return script, names, ops, comment


@settings(max_examples=200, deadline=None)
@given(_scripts())
def test_generated_scripts_parse_to_what_they_were_built_from(case: tuple[str, list[str], list[str], str | None]) -> None:
    script, names, ops, comment = case
    sc = parse(script)
    assert [c.name for c in top_level_commands(sc) if isinstance(c, Simple)] == names
    found_ops = [op.text for it in sc.body.items for op in it.and_or.ops]
    found_ops += [p.text for it in sc.body.items for pl in it.and_or.pipelines for p in pl.pipes]
    found_ops += [it.terminator.text for it in sc.body.items if it.terminator]
    assert sorted(found_ops) == sorted(ops)
    span = trailing_comment_span(script)
    assert (script[span[0] : span[1]] if span else None) == comment


@settings(max_examples=100, deadline=None)
@given(_scripts())
def test_generated_comments_agree_with_bash(case: tuple[str, list[str], list[str], str | None]) -> None:
    """What we call the code part is what bash runs: bash -n accepts `code; echo` after cutting."""
    script, _, _, comment = case
    end = code_end(script, terminator=True)
    rest = script[end:].strip()
    assert rest == (comment or "")
    assert subprocess.run(["bash", "-n", "-c", script[:end]], capture_output=True).returncode == 0


# -- the shell a RUN runs under ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv,posix,errexit",
    [
        (["/bin/sh", "-c"], True, False),
        (["/bin/bash", "-eo", "pipefail", "-c"], True, True),
        (["/bin/bash", "-o", "errexit", "-c"], True, True),
        (["/bin/ash", "-ec"], True, True),
        (["/usr/bin/zsh", "-c"], True, False),
        (["bash", "-o", "pipefail", "-c"], True, False),
        (["busybox", "sh", "-c"], True, False),
        (["powershell", "-Command"], False, False),
        (["pwsh", "-Command"], False, False),
        (["cmd", "/S", "/C"], False, False),
        (["C:\\Windows\\System32\\cmd.exe", "/c"], False, False),
    ],
)
def test_shell_from_argv(argv: list[str], posix: bool, errexit: bool) -> None:
    from fixer.model.shells import shell_from_argv

    sh = shell_from_argv(argv)
    assert (sh.posix, sh.errexit) == (posix, errexit)


def test_shell_per_stage_inherited_and_from_windows_images() -> None:
    from fixer.model.state import shell_at
    from fixer.syntax import parse as parse_dockerfile

    df = parse_dockerfile(
        "ARG BASE=mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "FROM debian:12 AS a\nRUN one\nSHELL [\"/bin/bash\", \"-e\", \"-c\"]\nRUN two\n"
        "FROM a\nRUN three\nSHELL [\"/bin/sh\", \"-c\"]\nRUN four\n"
        "FROM $BASE\nRUN five\n"
        "FROM debian:12\nENV SHELLOPTS=errexit\nSHELL [\"bash\", \"-c\"]\nRUN six\n"
    )
    runs = {i.args: i for i in df.instructions if i.cmd == "RUN"}
    got = {k: (shell_at(df, v).name, shell_at(df, v).posix, shell_at(df, v).errexit) for k, v in runs.items()}
    assert got == {
        "one": ("sh", True, False),
        "two": ("bash", True, True),
        "three": ("bash", True, True),
        "four": ("sh", True, False),
        "five": ("cmd", False, False),
        "six": ("bash", True, True),
    }
