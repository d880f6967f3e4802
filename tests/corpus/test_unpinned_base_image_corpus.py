"""DF001 over the shared corpus: every floating reference is found where it is written, and pinning
edits nothing else. The answers come from a pre-filled disk cache read in offline mode (the real
cache and rule code; the corpus images are Docker Hub's, which tests cannot reach)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from fixer.engine.pipeline import fix_text
from fixer.engine.rules import FileContext, select_rules
from fixer.images.cache import Cache, Entry
from fixer.images.resolve import Resolver, ResolverOptions
from fixer.rules.unpinned_base_image import targets
from fixer.syntax import ParseError, parse
from tests.support import corpus

PIN = "0.0.0-test"


@pytest.mark.skipif(not corpus.available(), reason=corpus.MISSING)
def test_corpus_references_and_pins(tmp_path: Path) -> None:
    texts: dict[Path, str] = {}
    cache = Cache(tmp_path / "cache")
    found = 0
    for path in corpus.corpus_files():
        text = corpus.read(path)
        try:
            df = parse(text)
        except ParseError:
            continue
        for t in targets(df):
            found += 1
            if t.start is not None:
                assert df.text[t.start : t.end] == t.text, (corpus.label(path), t.text)
            digest = "sha256:" + hashlib.sha256(t.ref.key.encode()).hexdigest()
            cache.put(t.ref.key, Entry(digest, PIN, at=time.time()))
            texts[path] = text
    cache.flush()
    assert found > 50, "the corpus should hold many floating references"
    rules = select_rules(["DF001"])
    with Resolver(ResolverOptions(offline=True, cache_dir=tmp_path / "cache")) as r:
        ctx = FileContext(resolver=r)
        for path, text in texts.items():
            result = fix_text(text, rules, ctx)
            out = result.output
            parse(out)
            assert fix_text(out, rules, ctx).output == out, corpus.label(path)
            assert not [f for f in result.remaining if f.fix is not None], corpus.label(path)
            old, new = text.splitlines(), out.splitlines()
            assert len(old) == len(new)
            for a, b in zip(old, new):
                if a != b:
                    assert PIN in b and b.replace(f":{PIN}", "") in (a, a.replace(":latest", "")), (corpus.label(path), a, b)
        assert r.stats == {}  # offline: not one request
