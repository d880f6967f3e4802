"""Who a base image runs as, learnt before anything is changed.

In this order: a Dockerfile of the same tree that builds the image (earlier stages of the same file are
the lineage's business); the image's own config from its registry (`config.User` for the build platform,
through DF001's resolver, so `--offline` reads the cache only); dockfix's table of well-known images.
When none of them knows, the user is unknown and DF005 only reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from fixer.data.base_families import (
    DROPS,
    NON_ROOT,
    UNKNOWN,
    Defaults,
    Family,
    Verdict,
    defaults_of,
    family_of,
    split_reference,
    verdict_of,
)
from fixer.model.users import is_root
from fixer.nonroot.tree import built_here

if TYPE_CHECKING:
    from fixer.engine.rules import RuleContext

Kind = Literal["root", "non-root", "unknown"]
_MAX_NESTING = 8


@dataclass(frozen=True)
class BaseUser:
    kind: Kind
    user: str | None  # the user it runs as when known and not root
    why: str  # how dockfix knows, or why it cannot tell
    family: Family = UNKNOWN  # how users are created in it
    verdict: Verdict | None = None  # the well-known table's word on it
    defaults: Defaults | None = None  # the conventional non-root user it ships, from the table


def _table(image: str, verdict: Verdict | None, family: Family, unknown_why: str) -> BaseUser:
    ref = split_reference(image)
    defaults = defaults_of(ref)
    if verdict is not None and verdict.kind == NON_ROOT:
        return BaseUser("non-root", verdict.user, verdict.reason, family, verdict, defaults)
    if verdict is not None and verdict.kind == DROPS:
        return BaseUser("root", None, verdict.reason, family, verdict, defaults)
    if defaults is not None:
        return BaseUser("root", None, f"`{image}` runs as root", family, verdict, defaults)
    return BaseUser("unknown", None, unknown_why, family, verdict, None)


def _from_tree(image: str, ctx: RuleContext, depth: int) -> BaseUser | None:
    if ctx.path is None or depth >= _MAX_NESTING:
        return None
    built = built_here(image, ctx.path)
    if built is None:
        return None
    ref = split_reference(image)
    if built.source.startswith("folder ") and (defaults_of(ref) is not None or verdict_of(ref) is not None):
        return None  # a folder named `nginx` holds a Dockerfile built FROM nginx, not Docker Hub's nginx
    from fixer.nonroot.assess import who_runs

    found = who_runs(built.dockerfile, built.target, ctx, depth + 1)
    if found is None:
        return None
    where = f"{built.dockerfile.parent.name}/{built.dockerfile.name}, built as `{image}` by {built.source}"
    if found.kind == "non-root":
        return BaseUser("non-root", found.user, f"{where} switches to `USER {found.user}`", found.family)
    if found.kind == "root":
        return BaseUser("root", None, f"{where} runs as root", found.family, found.verdict, found.defaults)
    return BaseUser("unknown", None, f"{where}: {found.why}", found.family)


def base_user(image: str | None, written: str, ctx: RuleContext, depth: int = 0) -> BaseUser:
    """Who the external image at the bottom of a lineage runs as. `written` is the FROM as written."""
    if image is None or "$" in image:
        return BaseUser("unknown", None, f"the base image is set at build time (`{written or image}`)")
    ref = split_reference(image)
    family = family_of(ref)
    verdict = verdict_of(ref)
    if ref.repository == "scratch":
        return BaseUser("root", None, "scratch has no users", family, verdict, defaults_of(ref))
    tree = _from_tree(image, ctx, depth)
    if tree is not None:
        return tree
    registry_why = "registry lookups are off"
    if ctx.resolver is not None:
        from fixer.images.reference import InvalidReferenceError, parse_reference

        try:
            parsed = parse_reference(image)
        except InvalidReferenceError:
            parsed = None
        if parsed is None:
            registry_why = "it is not a valid image reference"
        else:
            platform = str(ctx.option("platform"))
            answer = ctx.resolver.image_user(parsed, platform)
            if answer.user is not None:
                if answer.user == "" or is_root(answer.user):
                    table = _table(image, verdict, family, "")
                    return BaseUser("root", None, f"`{image}` runs as root (its image config)", family, verdict, table.defaults)
                return BaseUser("non-root", answer.user, f"its image config sets `USER {answer.user}`", family, verdict)
            registry_why = f"its registry could not tell ({answer.reason})"
    return _table(image, verdict, family, f"`{image}` is not an image dockfix knows, and {registry_why}")


def kind_of(value: str) -> Kind:
    if "$" in value:
        return "unknown"
    return "root" if is_root(value) else "non-root"
