"""DF004 over every file of the shared corpus (unsafe splits included, no build context): the output
parses under BuildKit's parser with the same instructions (plus the added manifest COPYs), a second
run changes nothing, and where it changed something the toy build gives the same result."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import dockerfile
import pytest

from fixer.syntax import ParseError, parse
from tests.support.corpus import SHARED, available, is_dockerfile, label, read
from tests.support.df004_simulate import build
from tests.support.fixture_pairs import run


def _files() -> list[object]:
    if not available():
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason="shared corpus not found"))]
    root = SHARED / "corpus"
    return [pytest.param(p, id=label(p)) for p in sorted(root.rglob("*")) if p.is_file() and is_dockerfile(p)]


def _instructions(text: str) -> Counter[str]:
    return Counter(c.original for c in dockerfile.parse_string(text))


@pytest.mark.parametrize("path", _files())
def test_corpus(path: Path) -> None:
    text = read(path)
    try:
        parse(text)
    except ParseError:
        pytest.skip("not a Dockerfile our parser reads")
    out = run(text, "DF004", unsafe=True).output
    if out == text:
        return
    before, after = _instructions(text), _instructions(out)
    assert before - after == Counter(), "instructions lost or rewritten"
    added = after - before
    assert all(re.match(r"(?i)copy\s", c) for c in added.elements()), added
    assert run(out, "DF004", unsafe=True).output == out, "a second run changed the output"


def _synthesized_context(text: str, root: Path) -> Path:
    """A context holding a file for every literal COPY source, so the toy build can run."""
    ctx = root / "context"
    ctx.mkdir()
    for c in dockerfile.parse_string(text):
        if c.cmd.lower() not in ("copy", "add") or any(f.startswith("--from") for f in c.flags):
            continue
        for src in c.value[:-1]:
            name = "app.py" if src.rstrip("/") in (".", "") else src.replace("*", "x")
            if "$" in name or "://" in name or name.startswith(("/", "..")):
                continue
            target = ctx / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.write_text(f"{name}\n")
    return ctx


@pytest.mark.parametrize("path", _files())
def test_corpus_fix_keeps_the_toy_build(path: Path, tmp_path: Path) -> None:
    text = read(path)
    try:
        parse(text)
    except ParseError:
        pytest.skip("not a Dockerfile our parser reads")
    out = run(text, "DF004").output
    if out == text:
        return
    ctx = _synthesized_context(text, tmp_path)
    before = build(text, ctx)
    if isinstance(before, str):
        pytest.skip(f"the toy build of the original fails (it does not know the base image): {before}")
    assert build(out, ctx) == before


def test_synthesized_context_names_the_sources(tmp_path: Path) -> None:
    ctx = _synthesized_context("FROM a\nCOPY conf/x.conf run.sh /etc/\nCOPY . /app\n", tmp_path)
    assert sorted(p.relative_to(ctx).as_posix() for p in ctx.rglob("*") if p.is_file()) == [
        "app.py", "conf/x.conf", "run.sh",
    ]  # fmt: skip
