"""Who an instruction runs as, read from the one walk of `fixer.model.state` and the base image.

Two questions with two answers: DF005 asks whether a USER value runs as the root account (uid 0,
whatever the group); DF039 and DF004 ask whether the build's identity is root's own, uid AND gid 0,
since dropping `sudo` or creating a folder as `root:staff` would leave a different group behind.
"""

from __future__ import annotations

from fixer.data.base_families import NON_ROOT, verdict_of
from fixer.model.base_image import base_image, family
from fixer.model.stages import stage_of
from fixer.model.state import state_before
from fixer.syntax import Dockerfile, Instruction

_ROOT_NAMES = frozenset({"root", "0"})
# a user value whose uid and gid are both root's (a bare name or uid takes the account's group, 0)
_ROOT_IDENTITY = frozenset({"root", "0", "root:root", "0:0", "root:0", "0:root"})
# distribution images whose default user is root unless the well-known table says otherwise
_ROOT_DISTROS = frozenset({"debian", "alpine", "busybox", "rhel", "rhel-minimal"})


def is_root(user: str) -> bool:
    """The USER value (`name[:group]`, `uid[:gid]`) runs as uid 0."""
    return user.split(":", 1)[0] in _ROOT_NAMES


def runs_as_root(df: Dockerfile, instr: Instruction) -> bool:
    """Whether `instr` provably runs as root (uid and gid 0): the last USER before it along its stage's
    ancestry names root, or there is none and the base image is a distribution image that runs as root."""
    user = state_before(df, instr).user
    if user is not None:
        return user in _ROOT_IDENTITY
    stage = stage_of(df, instr)
    if stage is None or family(df, stage).key not in _ROOT_DISTROS:
        return False
    image = base_image(df, stage)
    verdict = verdict_of(image) if image is not None else None
    return verdict is None or verdict.kind != NON_ROOT
