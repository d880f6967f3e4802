"""Stage ancestry, the base image at the bottom of it, and which stages ship."""

from __future__ import annotations

import pytest

from fixer.model.base_image import base_image, base_reference, family
from fixer.model.stages import (
    chain,
    children,
    descendants,
    lineage_before,
    parent,
    shipped,
    stage_of,
    target_stage,
)
from fixer.syntax import parse

MULTI = """\
ARG BUILDER=build
FROM golang:1.22 AS build
RUN go build
FROM ${BUILDER} AS test
RUN go test
FROM test AS lint
FROM alpine:3.19 AS final
COPY --from=build /out /
ONBUILD RUN echo hi
"""


def test_chain_follows_global_arg_to_a_stage() -> None:
    df = parse(MULTI)
    build, test, lint, final = df.stages
    assert parent(df, test) is build  # `FROM ${BUILDER}` names the stage, not an image
    assert chain(df, lint) == (lint, test, build)
    assert chain(df, final) == (final,)
    assert chain(df, None) == ()
    assert children(df, build) == (test,)
    assert descendants(df, build) == (test, lint)
    assert descendants(df, final) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FROM alpine AS A\nFROM a\n", 0),  # stage names are case-insensitive
        ("FROM alpine AS a\nFROM b\n", None),
        ("FROM b AS b\n", None),  # a FROM never names its own stage
        ("ARG X\nFROM alpine AS a\nFROM $X\n", None),  # no default: an image given at build time
        ("ARG X=A\nFROM alpine AS a\nFROM ${X}\n", 0),
        ("FROM alpine\nFROM $TARGETARCH\n", None),
        ("ARG N=first\nFROM alpine AS ${N}\nFROM first\n", 0),  # stage names expand too
        ("ARG N=first\nFROM alpine AS ${N}\nFROM ${N}\n", 0),
    ],
)
def test_parent(text: str, expected: int | None) -> None:
    df = parse(text)
    p = parent(df, df.stages[-1])
    assert (p.index if p is not None else None) == expected


@pytest.mark.parametrize(
    ("text", "reference", "family_key"),
    [
        ("FROM python:3.12-slim\n", "python:3.12-slim", "debian"),
        ('ARG V=3.19\nFROM "alpine:$V"\n', "alpine:3.19", "alpine"),
        ("ARG BASE=ubuntu:24.04\nFROM $BASE AS b\nFROM b\n", "ubuntu:24.04", "debian"),
        ("ARG V\nFROM alpine:$V\n", None, "unknown"),
        ("FROM ${REG:-docker.io}/library/busybox\n", "docker.io/library/busybox", "busybox"),
        ("FROM scratch\n", "scratch", "scratch"),
        ("FROM --platform=$BUILDPLATFORM golang:1.22\n", "golang:1.22", "debian"),
    ],
)
def test_base_image_and_family(text: str, reference: str | None, family_key: str) -> None:
    df = parse(text)
    st = df.stages[-1]
    assert base_reference(df, st) == reference
    assert (base_image(df, st) is None) == (reference is None)
    assert family(df, st).key == family_key


def test_stage_of_onbuild_trigger_and_global_arg() -> None:
    df = parse(MULTI)
    onbuild = df.instructions[-1]
    assert onbuild.sub is not None
    assert stage_of(df, onbuild.sub) is df.stages[3]
    assert stage_of(df, df.instructions[0]) is None


def test_lineage_before_walks_back_through_ancestors() -> None:
    df = parse(MULTI)
    lint_from = df.stages[2].from_
    assert [i.start_line for i in lineage_before(df, lint_from)] == [5, 4, 3, 2]
    run = df.stages[1].instructions[1]
    assert [i.start_line for i in lineage_before(df, run)] == [4, 3, 2]


@pytest.mark.parametrize(("target", "shipped_names"), [(None, {"build", "test", "final"}), ("lint", {"build", "test", "lint"})])
def test_shipped(target: str | None, shipped_names: set[str]) -> None:
    df = parse(MULTI)
    assert {s.name for s in df.stages if shipped(df, s, target)} == shipped_names
    assert target_stage(df, "nope") is None
    assert shipped(df, df.stages[3], "nope")  # an unknown target falls back to the final stage


def test_stage_references_through_an_arg_are_not_edited() -> None:
    from fixer.model.stage_names import references

    df = parse("ARG B=Build\nFROM alpine AS Build\nFROM ${B}\nFROM Build\n")
    found, unclear = references(df, df.stages[0])
    assert [r.instr.start_line for r in found] == [4]
    assert [i.start_line for i in unclear] == [3]
