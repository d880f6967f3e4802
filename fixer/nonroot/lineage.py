"""The final stage, the stages it is built FROM, and the external image at the bottom."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fixer.model.base_image import base_reference
from fixer.model.stages import chain, root
from fixer.syntax import Dockerfile, Instruction, Stage


@dataclass(frozen=True)
class Lineage:
    """The final stage and the stages it is built FROM, oldest first, and the image at the bottom."""

    stages: list[Stage]
    image: str | None  # the external image, global ARGs expanded; None when a variable hides it
    written: str  # the bottom FROM's image as written

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def instructions(self) -> Iterator[Instruction]:
        for st in self.stages:
            yield from st.instructions


def lineage(df: Dockerfile, stage: Stage) -> Lineage:
    image = base_reference(df, stage)
    return Lineage(list(chain(df, stage))[::-1], image if image and "$" not in image else None, root(df, stage).base)
