"""The external image a stage is built on (at the bottom of its FROM chain) and its distribution family.

The family table is data (`fixer.data.base_families`); this module only finds the image to look up.
"""

from __future__ import annotations

from fixer.data.base_families import UNKNOWN, Family, Image, family_of, split_reference
from fixer.model.memo import per_file
from fixer.model.stages import root
from fixer.model.variables import expand_global
from fixer.syntax import Dockerfile, Stage


@per_file
def base_reference(df: Dockerfile, stage: Stage) -> str | None:
    """The image the stage's FROM chain starts from, global ARGs expanded, as text; None when a
    variable the Dockerfile does not fix (an ARG without a default, `$TARGETARCH`) hides it."""
    text = expand_global(df, root(df, stage).base)
    return text or None


@per_file
def base_image(df: Dockerfile, stage: Stage) -> Image | None:
    """`base_reference` split into repository, tag and digest; None when it is not known."""
    text = base_reference(df, stage)
    return split_reference(text) if text is not None else None


@per_file
def family(df: Dockerfile, stage: Stage | None) -> Family:
    """The distribution family of the stage's base image; UNKNOWN when the image is not known or not listed."""
    if stage is None:
        return UNKNOWN
    image = base_image(df, stage)
    return family_of(image) if image is not None else UNKNOWN
