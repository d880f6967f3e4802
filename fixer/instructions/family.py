"""The distribution a stage is built on, read from the image at the bottom of its FROM chain.

The table is DF005's (`fixer.data.base_families`); ARG defaults before the first FROM are expanded
the way DF005 expands them."""

from __future__ import annotations

from fixer.data.base_families import UNKNOWN, Family, Image, family_of, split_reference
from fixer.syntax import Dockerfile, Stage


def base_image(df: Dockerfile, stage: Stage) -> Image | None:
    """The external image the stage's FROM chain starts from; None when a variable hides it."""
    from fixer.rules.root_user import global_args, lineage

    image = lineage(df, stage, global_args(df)).image
    if image is None or "$" in image:
        return None
    return split_reference(image)


def stage_family(df: Dockerfile, stage: Stage | None) -> Family:
    if stage is None:
        return UNKNOWN
    image = base_image(df, stage)
    return family_of(image) if image is not None else UNKNOWN
