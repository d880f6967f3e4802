"""Where the shared test corpus lives and how to walk it.

The corpus sits beside the checkout in ../shared (read-only, never copied into the repository):
`corpus/` holds real Dockerfiles named `owner__repo/path__Dockerfile`, `corpus-edge/` holds BuildKit's
parser test files (with `result` AST dumps) and buildah's test files. Tests that need it skip with a
visible reason when it is absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"
CORPUS_DIRS = ("corpus", "corpus-edge")
BUILDKIT = SHARED / "corpus-edge" / "moby__buildkit"

# bookkeeping files of the corpus, not Dockerfiles
_NOT_DOCKERFILES = {"MANIFEST.sha256", "result"}
_NOT_DOCKERFILE_SUFFIXES = {".tsv", ".md"}

MISSING = f"shared corpus not found at {SHARED} (it lives beside the checkout as ../shared)"


def available() -> bool:
    return all((SHARED / d).is_dir() for d in CORPUS_DIRS)


def is_dockerfile(path: Path) -> bool:
    return path.name not in _NOT_DOCKERFILES and path.suffix not in _NOT_DOCKERFILE_SUFFIXES


def corpus_files() -> Iterator[Path]:
    """Every Dockerfile of ../shared/corpus and ../shared/corpus-edge, in a stable order."""
    for d in CORPUS_DIRS:
        root = SHARED / d
        if root.is_dir():
            yield from sorted(p for p in root.rglob("*") if p.is_file() and is_dockerfile(p))


def read(path: Path) -> str:
    """File text exactly as stored: no newline translation (CRLF stays CRLF), BOM kept."""
    return path.read_bytes().decode("utf-8")


def label(path: Path) -> str:
    return str(path.relative_to(SHARED))


def params(paths: Iterator[Path] | list[Path]) -> list[Any]:
    """pytest parameters named by corpus path; one visibly skipped parameter when the corpus is absent."""
    found = [pytest.param(p, id=label(p)) for p in paths]
    if not found:
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason=MISSING))]
    return found


def corpus_params() -> list[Any]:
    return params(corpus_files() if available() else [])


def buildkit_cases(kind: str = "testfiles") -> list[Path]:
    """BuildKit's parser test directories (`testfiles`: Dockerfile + result; `testfiles-negative`)."""
    root = BUILDKIT / kind
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
