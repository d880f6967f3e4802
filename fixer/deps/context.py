"""The build context as `docker build` sends it: the folder's files minus what `.dockerignore` excludes.

`.dockerignore` patterns follow Go's filepath.Match with `**`, are anchored at the context root and
cleaned (`/docs/` is `docs`); a pattern that matches a directory excludes everything below it, the
last matching pattern wins and `!pattern` re-includes. BuildKit also reads `<Dockerfile>.dockerignore`
beside the Dockerfile in preference to the context's own file.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any


def _clean(pattern: str) -> str:
    cleaned = posixpath.normpath(pattern.strip())
    return cleaned.lstrip("/") if cleaned not in ("/", ".") else ""


@lru_cache(maxsize=256)
def _compile(pattern: str) -> Any:
    try:
        from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern as Pattern
    except ImportError:  # pathspec < 1.0
        from pathspec.patterns.gitwildmatch import GitWildMatchPattern as Pattern
    return Pattern("/" + pattern)


class BuildContext:
    """Files of a build context folder, as seen by COPY."""

    def __init__(self, root: Path, dockerfile: Path | None = None) -> None:
        self.root = root
        ignore = root / ".dockerignore"
        if dockerfile is not None and dockerfile.with_name(dockerfile.name + ".dockerignore").is_file():
            ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
        self.patterns: list[tuple[bool, Any]] = []
        self._listing: list[str] | None = None  # every file sent, once walked in full
        if ignore.is_file():
            for line in ignore.read_text(encoding="utf-8", errors="replace").splitlines():
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                include = line.startswith("!")
                cleaned = _clean(line[1:] if include else line)
                if cleaned:
                    self.patterns.append((include, _compile(cleaned)))

    def ignored(self, rel: str) -> bool:
        """Whether `.dockerignore` keeps the context path `rel` (posix, relative) out of the build."""
        rel = posixpath.normpath(rel)
        parts = rel.split("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        excluded = False
        for include, pattern in self.patterns:
            if any(pattern.match_file(c) is not None for c in candidates):
                excluded = not include
        return excluded

    def _path(self, rel: str) -> Path | None:
        rel = posixpath.normpath(rel)
        if rel.startswith("../") or rel == ".." or rel.startswith("/"):
            return None
        return self.root / rel

    def is_file(self, rel: str) -> bool:
        """A file the build sends (exists, not ignored)."""
        p = self._path(rel)
        return p is not None and p.is_file() and not self.ignored(rel)

    def is_dir(self, rel: str) -> bool:
        p = self._path(rel)
        return p is not None and p.is_dir() and not self.ignored(rel)

    def files_under(self, rel: str) -> Iterator[str]:
        """Context-relative paths of the files the build sends below directory `rel`."""
        if rel in (".", "") and self._listing is not None:
            yield from self._listing
            return
        found: list[str] = []
        for path in self._walk(rel):
            found.append(path)
            yield path
        if rel in (".", ""):
            self._listing = found  # reached only when the caller read the walk to its end

    def _walk(self, rel: str) -> Iterator[str]:
        p = self._path(rel)
        if p is None or not p.is_dir():
            return
        reincludes = any(include for include, _ in self.patterns)
        for dirpath, dirnames, filenames in os.walk(p):
            base = Path(dirpath).relative_to(self.root).as_posix()
            if not reincludes:  # nothing below an ignored directory can come back: do not walk it
                dirnames[:] = [d for d in dirnames if not self.ignored(d if base == "." else f"{base}/{d}")]
            dirnames.sort()
            for name in sorted(filenames):
                child = name if base == "." else f"{base}/{name}"
                if not self.ignored(child):
                    yield child

    def present(self, rel: str) -> bool:
        """A file the build sends, or a directory holding at least one."""
        if self.is_file(rel):
            return True
        return next(self.files_under(rel), None) is not None

    def read(self, rel: str) -> str | None:
        """Text of a file the build sends, None when absent or ignored."""
        if not self.is_file(rel):
            return None
        p = self._path(rel)
        assert p is not None
        return p.read_text(encoding="utf-8", errors="replace")
