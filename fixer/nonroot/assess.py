"""What DF005 makes of a Dockerfile's final stage: who it runs as, and what to do about it."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from fixer.data.base_families import WINDOWS, Family, split_reference
from fixer.nonroot.advisories import privileged_ports
from fixer.nonroot.base_user import BaseUser, Kind, base_user, kind_of
from fixer.nonroot.by_design import looks_windows, starts_as_root
from fixer.nonroot.created import Unreadable, created_users
from fixer.nonroot.lineage import Lineage, lineage
from fixer.nonroot.plan import Plan, plan
from fixer.model.stages import target_stage
from fixer.model.state import end_state
from fixer.syntax import Dockerfile, Instruction, ParseError, Stage, parse

if TYPE_CHECKING:
    from fixer.engine.rules import RuleContext


@dataclass(frozen=True)
class UserState:
    kind: Kind
    value: str | None  # the USER value in force; None: the base image's default
    instr: Instruction | None  # the USER instruction that set it


def effective_user(df: Dockerfile, lin: Lineage, base: BaseUser) -> UserState:
    """The last USER along the lineage (the model's walk: a stage FROM a stage inherits its USER), else
    the base's user."""
    end = end_state(df, lin.final)
    if end.user is None:
        return UserState(base.kind, base.user, None)
    return UserState(kind_of(end.user), end.user, end.user_instr)


Outcome = Literal[
    "fix",
    "non-root",
    "windows-admin",
    "windows-user",
    "variable-user",
    "unknown-base",
    "starts-as-root",
    "unreadable",
    "scratch-no-uid",
    "development-stage",
    "privileged-port",
]

# a last stage with one of these names is a development image (Docker Dev Environments' `dev-envs`, a
# debug or test image): it runs as root on purpose, to install tools and write the mounted sources
_DEVELOPMENT = re.compile(r"(?i)^(?:dev|devel|develop|development|dev-?envs?|devcontainer|debug|test|tests|testing)$")


@dataclass(frozen=True)
class Assessment:
    """What DF005 makes of a Dockerfile's final stage: its family, who it runs as, and what to do."""

    stage: Stage
    lineage: Lineage
    family: Family
    base: BaseUser
    state: UserState
    outcome: Outcome
    reason: str | None = None  # the message of a finding without a fix
    plan: Plan | None = None


def _development_image(st: Stage, path: Path | None) -> bool:
    """A last stage named like a development image, or a Dockerfile kept for tests or development
    (`tests/Dockerfile`, `Dockerfile.dev`, `test.Dockerfile`)."""
    if st.name and _DEVELOPMENT.match(st.name):
        return True
    if path is None:
        return False
    words = [w for w in re.split(r"[.]", path.name) if w.lower() not in ("dockerfile", "containerfile")]
    return any(_DEVELOPMENT.match(w) for w in [*words, path.parent.name])


def assess(df: Dockerfile, ctx: RuleContext, target: str | None = None, depth: int = 0) -> Assessment | None:
    """None when there is no final stage (no FROM, or the target names none)."""
    st = target_stage(df, target if depth else ctx.target)
    if st is None:
        return None
    lin = lineage(df, st)
    base = base_user(lin.image, lin.written, ctx, depth)
    family = base.family
    if lin.image is None or family.key == "unknown":
        if looks_windows(df, lin):
            family = WINDOWS
    state = effective_user(df, lin, base)

    def done(outcome: Outcome, reason: str | None = None, p: Plan | None = None) -> Assessment:
        return Assessment(st, lin, family, base, state, outcome, reason, p)

    if family is WINDOWS:
        image = split_reference(lin.image) if lin.image else None
        nano = image is not None and "nanoserver" in f"{image.repository}:{image.tag}"
        if (state.value is None and not nano) or "administrator" in (state.value or "").lower():
            return done(
                "windows-admin",
                "The final image runs as ContainerAdministrator: add `USER ContainerUser` if the app allows "
                "(not fixed: Windows images name accounts, not uids)",
            )
        return done("windows-user")
    if state.kind == "unknown" and state.instr is not None:
        return done(
            "variable-user",
            f"The final image runs as `USER {state.value}`, set at build time: make sure it is not root "
            "(not fixed: the value is a variable)",
        )
    if state.kind == "non-root":
        return done("non-root")
    users = created_users(lin, df)
    if isinstance(users, Unreadable):
        return done(
            "unreadable", f"The final image runs as root (not fixed: {users.reason}, line {users.instr.start_line})"
        )
    if state.kind == "unknown":
        # useradd works only as root: a file that creates a user without sudo shows its base runs as root
        if not any(not u.sudo for u in users):
            return done(
                "unknown-base",
                f"The final image may run as root: {base.why}. Add a `USER` if it does "
                "(not fixed: dockfix does not guess who an image it cannot see runs as)",
            )
        state = UserState("root", None, None)
    if depth == 0 and not ctx.target and _development_image(st, ctx.path):
        # nothing a maintainer could act on: development and test images run as root on purpose (to
        # install tools, write mounted sources); `--target` checks the stage that ships
        return done("development-stage")
    why = starts_as_root(lin, base.verdict)
    if why is not None:
        return done("starts-as-root", f"The final image runs as root by design, left alone: {why}")
    low = privileged_ports(lin)
    if base.defaults is not None and base.defaults.listens is not None and base.defaults.listens < 1024:
        low = sorted({*low, base.defaults.listens})
    if low:
        # the fix would be correct Docker and still break the deployments that matter here: Kubernetes
        # and rootless runtimes refuse a non-root bind below 1024, which a maintainer would rightly reject
        ports = ", ".join(map(str, low))
        return done(
            "privileged-port",
            f"The final image runs as root and listens on port {ports}: move the app to a port of 1024 or above, then "
            "add a non-root `USER` (not fixed: a non-root user cannot bind ports below 1024 on Kubernetes or "
            "rootless runtimes)",
        )
    p = plan(df, lin, family, base, users, ctx)
    if p is None:
        return done(
            "scratch-no-uid",
            "The final image (FROM scratch) runs as root: add `USER 65534:65534` if the program needs no root "
            "(not fixed: scratch has no users, and nothing in this file says which uid the program runs as)",
        )
    return done("fix", p=p)


def who_runs(path: Path, target: str | None, ctx: RuleContext, depth: int) -> BaseUser | None:
    """Who the image another Dockerfile of the tree builds runs as; None when it cannot be read."""
    try:
        df = parse(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ParseError):
        return None
    inner = dataclasses.replace(ctx, file=dataclasses.replace(ctx.file, path=path, target=None))
    a = assess(df, inner, target, depth)
    if a is None:
        return None
    if a.state.kind == "non-root":
        return BaseUser("non-root", a.state.value, a.base.why, a.family, a.base.verdict, a.base.defaults)
    if a.state.kind == "root" or a.outcome in ("fix", "starts-as-root", "scratch-no-uid"):
        return BaseUser("root", None, a.base.why, a.family, a.base.verdict, a.base.defaults)
    return BaseUser("unknown", None, a.reason or a.base.why, a.family)
