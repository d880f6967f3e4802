"""Small project trees for command-line tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def dockerfiles(root: Path, texts: Iterable[str]) -> list[str]:
    """One Dockerfile per text, each in its own folder (`app0/`, `app1/` …) under `root`; their paths."""
    paths = []
    for i, text in enumerate(texts):
        path = root / f"app{i}" / "Dockerfile"
        path.parent.mkdir()
        path.write_text(text)
        paths.append(str(path))
    return paths
