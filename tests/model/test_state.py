"""The one walk through a stage: WORKDIR, ENV, ARG, SHELL and USER before each instruction."""

from __future__ import annotations

import pytest

from fixer.model.shells import DEFAULT, WINDOWS, Shell, image_shell, shell_from_argv
from fixer.model.state import State, end_state, shell_at, state_after, state_before, states, value_at
from fixer.syntax import Dockerfile, Instruction, parse

TEXT = """\
ARG VERSION=1.0
FROM debian:12 AS base
WORKDIR /srv
ENV APP=/opt/app HOME_DIR=$APP
WORKDIR $APP/sub
ARG VERSION
ARG BUILD=dev
ENV BUILD=release
USER 1000
SHELL ["/bin/bash", "-eo", "pipefail", "-c"]
RUN true
FROM base AS child
WORKDIR rel
USER root
RUN true
"""


def test_walk_through_a_stage() -> None:
    df = parse(TEXT)
    base, child = df.stages
    before = states(df, base)
    assert len(before) == len(base.instructions)
    run = before[-1]
    assert run.workdir == "/opt/app/sub"
    # HOME_DIR sees the environment from before its ENV: APP is not set yet, the image might set it
    assert run.env["APP"] == "/opt/app" and run.env["HOME_DIR"] is None
    assert run.env["BUILD"] == "release"  # ENV wins over ARG
    assert run.env["VERSION"] is None  # an ARG's value is the build's
    assert run.arg_names == {"VERSION", "BUILD"}
    assert run.user == "1000" and run.user_instr is not None and run.user_instr.start_line == 9
    assert run.shell.argv == ("/bin/bash", "-eo", "pipefail", "-c") and run.shell.errexit
    # the child starts where its parent ended
    assert states(df, child)[0] is end_state(df, base)
    assert end_state(df, child).workdir == "/opt/app/sub/rel"
    assert end_state(df, child).user == "root"


@pytest.mark.parametrize(
    ("line", "name", "expected"),
    [
        (11, "BUILD", "release"),  # ENV over ARG default
        (11, "VERSION", "1.0"),  # a bare ARG brings the global ARG's value into scope
        (11, "APP", "/opt/app"),
        (3, "APP", None),
        (15, "APP", "/opt/app"),  # inherited by a stage built FROM this one
        (11, "NOPE", None),
    ],
)
def test_value_at(line: int, name: str, expected: str | None) -> None:
    df = parse(TEXT)
    instr = next(i for i in df.instructions if i.start_line == line)
    assert value_at(df, instr, name) == expected


def test_state_after_and_shared_states() -> None:
    df = parse("FROM alpine\nRUN a\nRUN b\nWORKDIR /x\nRUN c\n")
    st = states(df, df.stages[0])
    assert st[1] is st[2] is st[3]  # a RUN changes nothing: the walk shares the state
    assert state_after(df, df.instructions[3]).workdir == "/x"
    assert state_after(df, df.instructions[4]) is end_state(df, df.stages[0])


@pytest.mark.parametrize(
    ("text", "workdir"),
    [
        ("FROM a\nWORKDIR rel\nRUN x\n", None),  # the base image's WORKDIR is unknown
        ("FROM a\nWORKDIR /a/../b/./c\nRUN x\n", "/b/c"),
        ("FROM a\nWORKDIR //a\nRUN x\n", "/a"),
        ("FROM a\nWORKDIR /a\nWORKDIR b\nRUN x\n", "/a/b"),
        ("FROM a\nENV D=/d\nWORKDIR ${D:-/x}/e\nRUN x\n", "/d/e"),
        ("FROM a\nARG D=/d\nWORKDIR $D\nRUN x\n", None),  # a build arg may change it
        ("FROM a\nWORKDIR $UNSET/x\nRUN x\n", None),
    ],
)
def test_workdir(text: str, workdir: str | None) -> None:
    df = parse(text)
    assert state_before(df, df.instructions[-1]).workdir == workdir


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FROM debian\nRUN x\n", DEFAULT),
        ("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN x\n", WINDOWS),
        ("ARG IMG=mcr.microsoft.com/windows/nanoserver\nFROM $IMG\nRUN x\n", WINDOWS),
        ("ARG REG\nARG IMG=servercore\nFROM $REG/$IMG\nRUN x\n", WINDOWS),  # known parts still tell
        ("# escape=`\nFROM myimage\nRUN x\n", WINDOWS),
        ("FROM mcr.microsoft.com/dotnet/framework/sdk\nRUN x\n", WINDOWS),
        ("FROM mcr.microsoft.com/powershell:lts-ubuntu-22.04\nRUN x\n", DEFAULT),
        ("FROM mcr.microsoft.com/powershell:lts-nanoserver-1809\nRUN x\n", WINDOWS),
        ('FROM debian\nSHELL ["pwsh", "-c"]\nRUN x\n', Shell(("pwsh", "-c"), posix=False, errexit=False)),
        ('FROM debian\nSHELL ["busybox", "ash", "-e", "-c"]\nRUN x\n', Shell(("busybox", "ash", "-e", "-c"), True, True)),
        ("FROM debian\nSHELL not json\nRUN x\n", Shell((), False, False)),
        ('FROM debian\nSHELL ["/bin/bash", "-c"]\nENV SHELLOPTS=errexit\nRUN x\n', Shell(("/bin/bash", "-c"), True, True)),
        # SHELLOPTS means nothing to dash
        ('FROM debian\nENV SHELLOPTS=errexit\nRUN x\n', DEFAULT),
        # a stage FROM a stage keeps its SHELL
        ('FROM debian AS a\nSHELL ["/bin/zsh", "-c"]\nFROM a\nRUN x\n', Shell(("/bin/zsh", "-c"), True, False)),
        # SHELL in a stage does not leak into an unrelated later stage
        ('FROM debian AS a\nSHELL ["cmd", "/c"]\nFROM debian\nRUN x\n', DEFAULT),
    ],
)
def test_shell_at(text: str, expected: Shell) -> None:
    df = parse(text)
    assert shell_at(df, df.instructions[-1]) == expected


@pytest.mark.parametrize(
    ("argv", "posix", "errexit"),
    [
        (["/bin/sh", "-c"], True, False),
        (["bash", "-euxo", "pipefail", "-c"], True, True),
        (["/bin/bash", "-o", "errexit", "-c"], True, True),
        (["C:\\Program Files\\Git\\bin\\bash.exe", "-c"], True, False),
        (["ksh93", "-c"], True, False),
        (["busybox", "sh", "-c"], True, False),
        (["busybox", "-c"], False, False),
        (["powershell", "-Command"], False, False),
        (["cmd", "/S", "/C"], False, False),
        (["python3", "-c"], False, False),
        ([], False, False),
    ],
)
def test_shell_from_argv(argv: list[str], posix: bool, errexit: bool) -> None:
    shell = shell_from_argv(argv)
    assert (shell.posix, shell.errexit) == (posix, errexit)


def test_onbuild_trigger_runs_in_its_stage_state() -> None:
    # a trigger runs in the build FROM this image: after everything in the stage, the last SHELL included
    df = parse('FROM debian\nSHELL ["/bin/bash", "-c"]\nONBUILD RUN x\nSHELL ["/bin/zsh", "-c"]\n')
    trigger = df.instructions[2].sub
    assert trigger is not None
    assert shell_at(df, trigger).name == "zsh"
    assert shell_at(df, df.instructions[2]).name == "bash"
    assert shell_at(df, df.instructions[0]) == DEFAULT
    assert image_shell(df, df.stages[0]) == DEFAULT


def test_global_arg_instruction_has_default_state() -> None:
    df = parse("ARG A=1\nFROM debian\n")
    assert state_before(df, df.instructions[0]).workdir is None
    assert shell_at(df, df.instructions[0]) == DEFAULT


def test_walk_visits_each_instruction_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Asking for the state of every instruction must not re-walk the stage each time (it was quadratic)."""
    import fixer.model.state as state_module

    calls = 0
    real = state_module.step

    def counting(df: Dockerfile, state: State, instr: Instruction) -> State:
        nonlocal calls
        calls += 1
        return real(df, state, instr)

    monkeypatch.setattr(state_module, "step", counting)
    n = 500
    df = parse("FROM debian AS a\n" + "ENV A=1\nRUN true\n" * n + "FROM a\nRUN x\n")
    for instr in df.instructions:
        shell_at(df, instr)
        state_after(df, instr)
    # every instruction but the two FROMs is stepped once; state_after of the last one reuses the end state
    assert calls == 2 * n + 1
