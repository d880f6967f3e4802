"""Absolute image paths as subtrees: does a step's footprint touch what a COPY wrote?"""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass


def normalize(path: str) -> str:
    """Go's `path.Clean`, as BuildKit cleans image and context paths: `/app/./src/` -> `/app/src`, `` -> `.`."""
    norm = posixpath.normpath(path)
    if norm.startswith("//"):
        norm = "/" + norm.lstrip("/")  # POSIX keeps a leading `//`, the image file system does not
    return norm


def join(base: str, path: str) -> str:
    """`path` resolved against the absolute directory `base` (as WORKDIR and COPY do)."""
    return normalize(posixpath.join(base, path))


def within(path: str, root: str) -> bool:
    """`path` is `root` or lies below it."""
    if root == "/":
        return True
    return path == root or path.startswith(root + "/")


def overlaps(a: str, b: str) -> bool:
    """One subtree contains the other."""
    return within(a, b) or within(b, a)


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _matches(pattern: list[str], parts: list[str]) -> bool:
    return all(fnmatch.fnmatchcase(part, pat) for pat, part in zip(pattern, parts, strict=False))


@dataclass(frozen=True)
class Tree:
    """A subtree a command may read or write, minus `holes` it provably leaves alone.

    A component of `root` may be a glob (`/home/*/.*`: the dot-directories of every home).
    Holes come from packaging policy, e.g. distribution packages never install below /usr/local.
    """

    root: str
    holes: tuple[str, ...] = ()

    def touches(self, path: str) -> bool:
        """Whether this tree shares any path with the subtree at `path`."""
        root, parts = _parts(self.root), _parts(path)
        if len(parts) <= len(root) and _matches(root, parts):
            return True  # `path` is the root or one of its ancestors
        inside = len(parts) > len(root) and _matches(root, parts)
        return inside and not any(within(path, h) for h in self.holes)


def trees(*roots: str, holes: tuple[str, ...] = ()) -> tuple[Tree, ...]:
    return tuple(Tree(normalize(r), holes) for r in roots)
