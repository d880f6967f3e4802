"""The build context: `.dockerignore` read as BuildKit reads it, and the files a COPY can see."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixer.model.context import BuildContext, IgnoreRules, context_for, context_of, excludes, read_patterns, source_matches


def make(root: Path, files: list[str]) -> None:
    for rel in files:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(rel)


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        ("*.md", "README.md", True),
        ("*.md", "docs/x.md", False),  # anchored at the root, unlike git
        ("/docs/", "docs/a.txt", True),  # cleaned: `/docs/` is `docs`
        ("./build", "build/x", True),
        ("docs/../*.md", "a.md", True),
        ("**/*.pyc", "a.pyc", True),
        ("**/*.pyc", "p/q/b.pyc", True),
        ("**/.venv", "sub/.venv/z", True),
        ("node_modules", "src/node_modules/x", False),
        ("q/**/t.txt", "q/t.txt", True),  # `**` spans zero folders too
        ("q/**/t.txt", "q/r/s/t.txt", True),
        ("q/*/t.txt", "q/r/s/t.txt", False),  # `*` never crosses a `/`
        ("foo**", "foobar/x", True),  # a trailing `**` is a prefix match
        ("**foo", "x/barfoo", True),  # a leading `**` is a suffix match (patternmatcher's fast path)
        ("a+b", "a+b", True),  # regexp characters mean themselves
        ("a.c", "abc", False),
        ("[^a]*.txt", "b.txt", True),  # Go's class negation
        ("[^a]*.txt", "ab.txt", False),
        ("[!a]*.txt", "!.txt", True),  # `!` in a class is a character, not a negation (git differs)
        ("[!a]*.txt", "b.txt", False),
        ("\\[x\\]", "[x]", True),
        ("*\n!README.md", "README.md", False),  # the last match wins
        ("!README.md\n*", "README.md", True),
        ("docs\n!docs/keep.txt", "docs/keep.txt", False),
        ("docs\n!docs/keep.txt", "docs/a.txt", True),
        ("  # not a comment", "# not a comment", True),  # only a `#` in the first column is a comment
        ("#c\n  *.md  ", "a.md", True),  # surrounding blanks trimmed
        ("\ufeffa.txt", "a.txt", True),  # a BOM on the first line is dropped
    ],
)
def test_ignore_rules(patterns: str, path: str, excluded: bool) -> None:
    assert IgnoreRules.from_text(patterns).sends(path) is not excluded


def test_re_include_does_not_reach_into_a_folder_the_walker_skips() -> None:
    """BuildKit enters an excluded folder only for a `!` pattern whose text starts with its path."""
    rules = IgnoreRules.from_text("*\n!**/*.txt\n!d1/d2/keep\n")
    assert rules.sends("b.txt")
    assert not rules.sends("docs/a.txt")  # docs is skipped: no `!` pattern starts with `docs/`
    assert rules.skips("docs") and not rules.skips("d1") and not rules.skips("d1/d2")
    assert rules.sends("d1/d2/keep") and not rules.sends("d1/other")


def test_patterns_are_cleaned_and_lone_bang_dropped() -> None:
    assert [(p.text, p.exclusion) for p in read_patterns("/a/b/\n!\n! c\n\n./d\n")] == [
        ("a/b", False),
        ("c", True),
        ("d", False),
    ]


def test_excludes_one_pattern() -> None:
    assert excludes(".git", ".git/HEAD") and not excludes(".git", "sub/.git")


def test_context_files_ignore_and_walk(tmp_path: Path) -> None:
    make(tmp_path, ["a.py", "docs/a.md", "docs/keep.md", "node_modules/x/y.js", "src/m.py"])
    (tmp_path / ".dockerignore").write_text("node_modules\ndocs\n!docs/keep.md\n")
    ctx = BuildContext(tmp_path)
    assert list(ctx.files_under(".")) == [".dockerignore", "a.py", "docs/keep.md", "src/m.py"]
    assert list(ctx.files_under("docs")) == ["docs/keep.md"]
    assert ctx.is_file("a.py") and not ctx.is_file("docs/a.md") and not ctx.is_dir("node_modules")
    assert ctx.present("docs") and not ctx.present("node_modules")
    assert ctx.read("src/m.py") == "src/m.py" and ctx.read("docs/a.md") is None
    assert not ctx.is_file("../outside") and ctx.expand("../x") is None
    assert ctx.is_dir(".") and IgnoreRules.from_text("*\n").sends(".")


def test_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    make(tmp_path, ["a.txt", "b.txt"])
    (tmp_path / ".dockerignore").write_text("a.txt\n")
    (tmp_path / "app.Dockerfile.dockerignore").write_text("b.txt\n")
    assert BuildContext(tmp_path).is_file("b.txt")
    ctx = BuildContext(tmp_path, tmp_path / "app.Dockerfile")
    assert ctx.is_file("a.txt") and not ctx.is_file("b.txt")


def test_symlink_out_of_the_context_is_not_a_file(tmp_path: Path) -> None:
    root = tmp_path / "ctx"
    make(root, ["in.txt"])
    make(tmp_path, ["secret.txt"])
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    os.symlink(root / "in.txt", root / "inner.txt")
    ctx = BuildContext(root)
    assert not ctx.is_file("link.txt") and ctx.is_file("inner.txt")


def test_wildcard_sources_expand_per_component(tmp_path: Path) -> None:
    make(tmp_path, ["a.txt", "b.txt", "sub/c.txt", ".hidden.txt", "skip.txt"])
    (tmp_path / ".dockerignore").write_text("skip.txt\n")
    ctx = BuildContext(tmp_path)
    assert ctx.expand("*.txt") == [".hidden.txt", "a.txt", "b.txt"]  # Go's `*` matches dot files, not ignored ones
    assert ctx.expand("/*/c.txt") == ["sub/c.txt"]
    assert ctx.expand("sub") == ["sub"] and ctx.expand("none") == []
    assert source_matches("logs/*.log", "logs/a.log") and not source_matches("logs/*.log", "logs/x/a.log")


def test_context_is_shared_until_its_ignore_file_changes(tmp_path: Path) -> None:
    make(tmp_path, ["a.txt"])
    first = context_for(tmp_path)
    assert first is context_for(tmp_path) is context_of(tmp_path / "Dockerfile")
    (tmp_path / ".dockerignore").write_text("a.txt\n")
    second = context_for(tmp_path)
    assert second is not first and second is not None and not second.is_file("a.txt")
    assert context_for(tmp_path / "missing") is None and context_of(None) is None
