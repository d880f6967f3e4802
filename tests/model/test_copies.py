"""COPY/ADD reading and the working directory, as BuildKit reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.model.context import BuildContext
from fixer.model.copies import context_sources, copies, copy_step, destination, read_copy, workdir_after, workdir_at
from fixer.model.state import state_before
from fixer.syntax import Dockerfile, Instruction, parse


def nth(df: Dockerfile, keyword: str, n: int = 0) -> Instruction:
    return [i for i in df.instructions if i.cmd == keyword][n]


def test_source_kinds() -> None:
    df = parse(
        "FROM alpine:3.20 AS build\nFROM alpine:3.20\n"
        "COPY --from=build /out /out\nCOPY --from=nginx:1 /etc/nginx /etc/nginx\n"
        "ADD https://example.com/a.tgz git@github.com:o/r.git /src/\nCOPY <<EOF a.txt /etc/\nhi\nEOF\nCOPY . /app\n"
    )
    kinds = [[s.kind for s in c.sources] for c in copies(df)]
    assert kinds == [["stage"], ["image"], ["remote", "remote"], ["heredoc", "context"], ["context"]]
    first = copies(df)[0]
    assert first.from_ == "build" and first.from_stage is df.stages[0]
    assert copies(df)[-1].copies_everything and not copies(df)[2].from_context
    assert context_sources(df) == ["a.txt", "."]


def test_flags_and_destination_span() -> None:
    text = "FROM alpine:3.20\nCOPY --chown=app:app --chmod=644 --link --parents --exclude=*.md --exclude=x a b /dst\n"
    df = parse(text)
    c = read_copy(df, nth(df, "COPY"))
    assert c is not None
    assert (c.chown, c.chmod, c.link, c.parents, c.excludes) == ("app:app", "644", True, True, ("*.md", "x"))
    assert c.texts == ["a", "b"] and c.dest == "/dst" and c.dest_is_dir
    assert c.dest_end is not None and text[c.dest_end - 4 : c.dest_end] == "/dst"
    json_text = 'FROM alpine:3.20\nCOPY ["a", "b", "/dst"]\n'
    jdf = parse(json_text)
    j = read_copy(jdf, nth(jdf, "COPY"))
    assert j is not None and j.json and j.texts == ["a", "b"]
    assert j.dest_end is not None and json_text[j.dest_end] == '"'


def test_unreadable_copy_is_none() -> None:
    df = parse("FROM alpine:3.20\nCOPY onlyone\nRUN true\n")
    assert read_copy(df, nth(df, "COPY")) is None and read_copy(df, nth(df, "RUN")) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FROM node:20\nCOPY a b\n", None),  # the image decides
        ("FROM debian:12\nCOPY a b\n", "/b"),  # distribution images start at /
        ("FROM node:20\nWORKDIR /app\nWORKDIR src\nCOPY a b\n", "/app/src/b"),
        ('FROM node:20\nWORKDIR "/opt/app"\nCOPY a b\n', "/opt/app/b"),  # quotes removed
        ("FROM node:20\nENV D=/srv\nWORKDIR ${D}/x\nCOPY a b\n", "/srv/x/b"),  # variables the file fixes
        ("FROM node:20\nARG D=/srv\nWORKDIR $D\nCOPY a b\n", None),  # an ARG may be overridden
        ("FROM node:20\nWORKDIR /app\nCOPY a ${NOPE}/b\n", None),
        ("FROM node:20\nWORKDIR /app\nENV T=lib\nCOPY a $T/\n", "/app/lib"),
        ("FROM ubuntu:24.04 AS base\nWORKDIR build\nFROM base\nCOPY a ../../x\n", "/x"),
    ],
)
def test_destination_against_workdir(text: str, expected: str | None) -> None:
    df = parse(text)
    assert destination(df, nth(df, "COPY")) == expected


def test_workdir_at_and_after() -> None:
    df = parse("FROM alpine:3.20\nWORKDIR app\nENV SUB=src\nWORKDIR $SUB/../lib/\nRUN true\n")
    first, second = nth(df, "WORKDIR"), nth(df, "WORKDIR", 1)
    assert workdir_at(df, first) == "/" and workdir_after(df, first) == "/app"
    assert workdir_after(df, second) == "/app/lib" and workdir_at(df, nth(df, "RUN")) == "/app/lib"
    unknown = parse("FROM node:20\nWORKDIR app\n")
    assert workdir_after(unknown, nth(unknown, "WORKDIR")) is None


def test_copy_step_footprint(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "lock.json").write_text("{}")
    df = parse("FROM node:20\nWORKDIR /opt/x/app\nCOPY --chown=node package.json lock.json ./\nCOPY . .\n")
    ctx = BuildContext(tmp_path)
    first, whole = nth(df, "COPY"), nth(df, "COPY", 1)
    step = copy_step(df, first, state_before(df, first), ctx)
    assert step is not None and step.from_context and step.dst == "/opt/x/app"
    assert step.writes == ["/opt/x/app/package.json", "/opt/x/app/lock.json"]  # the named files only
    assert step.creates == ["/opt/x"] and step.reads == ["/etc/passwd", "/etc/group"]
    every = copy_step(df, whole, state_before(df, whole), ctx)
    assert every is not None and every.copies_everything and every.writes == ["/opt/x/app"] and every.reads == []
