"""Which tags can stand in for a floating tag: version-like tags of the same variant family.

`latest` is pinned to a plain version (`3.13.1`), `alpine` or `3-alpine` to a `*-alpine` version
(`3.13.1-alpine`). A tag is version-like when it starts with dotted numbers (an optional `v` first);
the rest of it is its variant suffix, which must match the floating tag's exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"(?P<v>v?)(?P<num>\d+(?:\.\d+)*)(?P<suffix>(?:-.*)?)")


@dataclass(frozen=True, order=True)
class VersionTag:
    numbers: tuple[int, ...]
    tag: str


def family(tag: str) -> str:
    """The variant suffix a pin for `tag` must carry: "" for `latest`, "-alpine" for `alpine`/`3-alpine`."""
    m = _VERSION.fullmatch(tag)
    if m is not None:
        return m["suffix"]
    if tag == "latest":
        return ""
    return f"-{tag}"


def version_of(tag: str, suffix: str) -> VersionTag | None:
    m = _VERSION.fullmatch(tag)
    if m is None or m["suffix"] != suffix:
        return None
    return VersionTag(tuple(int(p) for p in m["num"].split(".")), tag)


def candidates(tags: list[str], floating: str) -> list[str]:
    """Version tags of `floating`'s family in the order to try them.

    Newest first, and a version before its own prefix (3.13.1, 3.13, 3, 3.12.9 …): the floating tag
    usually names the newest release, so the first match is found after a HEAD or two, and within a
    release line the most specific tag comes first. `floating` itself is not a candidate.
    """
    suffix = family(floating)
    found = [v for t in tags if t != floating and (v := version_of(t, suffix)) is not None]
    # (3, 13) < (3, 13, 1) as tuples, so descending order puts 3.13.1 before 3.13 before 3
    found.sort(key=lambda v: (v.numbers, len(v.tag) - len(v.tag.lstrip("v")) == 0, v.tag), reverse=True)
    return [v.tag for v in found]
