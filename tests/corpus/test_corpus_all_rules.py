"""All rules together, as `dockfix --write` runs them, on every corpus file.

Each rule has its own corpus test; this one catches what only shows when the rules meet: fixes that
fight each other, a pipeline that never settles, output BuildKit rejects, comments lost between rules.
DF001 runs offline with an empty cache, so it reports and never reaches a registry.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import dockerfile
import pytest

from fixer.engine.pipeline import fix_text
from fixer.engine.rules import FileContext, all_rules
from fixer.runner import allow_policy
from fixer.syntax import ParseError, parse
from tests.support import corpus

# instructions a rule may remove on purpose: merged RUNs, MAINTAINER turned into LABEL, and
# repeated CMD/ENTRYPOINT/HEALTHCHECK of which only the last one ever took effect (ADD: see below)
MAY_SHRINK = {"RUN", "MAINTAINER", "CMD", "ENTRYPOINT", "HEALTHCHECK"}


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> FileContext:
    from fixer.images.resolve import make_resolver

    cache = tmp_path_factory.mktemp("empty-registry-cache")
    resolver = make_resolver({"offline": True, "cache_dir": str(cache)})
    return FileContext(resolver=resolver, options={"DF001": {"offline": True}})


def fix(text: str, ctx: FileContext, path: Path) -> str:
    return fix_text(text, all_rules(), replace(ctx, path=path), allow=allow_policy(None)).output


def comments(text: str) -> Counter[str]:
    return Counter(ln.strip() for ln in text.splitlines() if ln.lstrip().startswith("#"))


def kinds(text: str) -> Counter[str]:
    return Counter(c.cmd.upper() for c in dockerfile.parse_string(text))


@pytest.mark.parametrize("path", corpus.params(corpus.corpus_files()))
def test_all_rules_on_corpus_file(path: Path, ctx: FileContext) -> None:
    text = corpus.read(path)
    try:
        parse(text)
    except ParseError:
        pytest.skip("BuildKit rejects this file too")
    out = fix(text, ctx, path)
    if out == text:
        return
    # BuildKit's own parser accepts the result
    after = kinds(out)
    before = kinds(text)
    for kind, n in before.items():
        if kind in MAY_SHRINK:
            assert after[kind] >= 1 or kind == "MAINTAINER", f"every {kind} was removed"
        elif kind == "ADD":
            # ADD of a plain local file may become COPY (DL3020): the two counts move together
            assert after["ADD"] + after["COPY"] >= n + before["COPY"], f"ADD: {n} before, {after['ADD']} after"
        else:
            assert after[kind] >= n, f"{kind}: {n} before, {after[kind]} after"
    # no comment line is lost, whatever moved or merged
    lost = comments(text) - comments(out)
    assert not lost, f"comment lines lost: {sorted(lost)}"
    # the file's newline style and final-newline state are kept
    assert ("\r\n" in out) == ("\r\n" in text)
    assert out.endswith("\n") == text.endswith("\n")
    # a second run changes nothing
    assert fix(out, ctx, path) == out


def test_time_grows_linearly_with_file_size(ctx: FileContext) -> None:
    unit = (corpus.SHARED / "corpus" / "BretFisher__node-docker-good-defaults" / "Dockerfile")
    if not unit.exists():
        pytest.skip(corpus.MISSING)
    # many stages of a real file: each stage is fixed on its own, so work should be proportional
    text = corpus.read(unit)
    stage = re.sub(r"(?m)^FROM (\S+)( [Aa][Ss] \S+)?", r"FROM \1", text)

    def seconds(k: int) -> float:
        big = stage * k
        best = float("inf")
        for _ in range(2):
            t0 = time.process_time()
            fix_text(big, all_rules(), ctx, allow=allow_policy(None))  # type: ignore[arg-type]
            best = min(best, time.process_time() - t0)
        return best

    small, large = seconds(5), seconds(50)
    assert large < 25 * small, f"10x the stages took {large / small:.1f}x the time"
