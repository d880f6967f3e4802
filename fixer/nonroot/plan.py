"""Which user the final image should switch to, and the edits that make it do so."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fixer.data.base_families import SCRATCH, UNKNOWN, Family
from fixer.engine.finding import Edit, Fix
from fixer.nonroot.base_user import BaseUser, kind_of
from fixer.nonroot.created import CreatedUser, stage_users
from fixer.nonroot.lineage import Lineage
from fixer.model.casing import cased
from fixer.model.copies import read_copy
from fixer.model.state import end_state, state_before
from fixer.model.variables import expand
from fixer.syntax import Dockerfile, Instruction, Stage

if TYPE_CHECKING:
    from fixer.engine.rules import RuleContext

_NUMERIC_USER = re.compile(r"[0-9]+(?::[0-9]+)?")


@dataclass(frozen=True)
class Plan:
    user: str  # the USER value to switch to
    create: str | None  # the command that creates it, or None
    message: str


def _shell_is_posix(df: Dockerfile, st: Stage) -> bool:
    return end_state(df, st).posix


def _passwd_source(df: Dockerfile, instr: Instruction) -> Stage | None:
    """The earlier stage whose /etc/passwd (or /etc) a `COPY --from` copies, read as BuildKit reads the
    sources (quotes removed, variables expanded)."""
    copy = read_copy(df, instr)
    if copy is None or instr.cmd != "COPY" or copy.from_stage is None:
        return None
    env = state_before(df, instr).env
    sources = [expand(text, env, df.escape) for text in copy.texts]
    return copy.from_stage if any(s is not None and s.rstrip("/") in ("/etc/passwd", "/etc") for s in sources) else None


def scratch_uid(df: Dockerfile, st: Stage) -> tuple[str, str] | None:
    """The uid a FROM scratch stage shows it wants, and where it says so; None when it shows none.

    scratch has no /etc/passwd, so only numbers work: a numeric `COPY --chown`, or a user with a literal
    uid created in the stage whose /etc/passwd the scratch stage copies."""
    for instr in st.instructions:
        copy = read_copy(df, instr)
        owner = copy.chown if copy is not None else None
        if owner and _NUMERIC_USER.fullmatch(owner) and kind_of(owner) == "non-root":
            return owner, f"its files are copied with --chown={owner}"
        source = _passwd_source(df, instr)
        if source is not None:
            users = stage_users(df, source.instructions)
            if isinstance(users, list) and users and users[-1].uid:
                u = users[-1]
                return u.uid or "", f"it copies the /etc/passwd of stage `{source.name}`, with user `{u.name}` (uid {u.uid})"
    return None


def plan(
    df: Dockerfile,
    lin: Lineage,
    family: Family,
    base: BaseUser,
    users: list[CreatedUser],
    ctx: RuleContext,
) -> Plan | None:
    """What to switch to; None when the file does not show which user a FROM scratch image should run as."""
    if users:
        u = users[-1]
        value = u.uid or u.name
        return Plan(value, None, f"The final image runs as root although the Dockerfile creates user `{u.name}`: add `USER {value}`")
    earlier = [
        i.args.strip() for i in lin.instructions() if i.cmd == "USER" and _NUMERIC_USER.fullmatch(i.args.strip())
    ]
    earlier = [v for v in earlier if kind_of(v) == "non-root"]
    if earlier:
        return Plan(earlier[-1], None, f"The final image runs as root: switch back to `USER {earlier[-1]}`, the uid used earlier")
    if base.kind == "non-root" and base.user:
        return Plan(base.user, None, f"The final image runs as root: switch back to `USER {base.user}` ({base.why})")
    if family is SCRATCH:
        wanted = scratch_uid(df, lin.final)
        if wanted is None:
            return None
        uid, why = wanted
        return Plan(uid, None, f"The final image runs as root: add `USER {uid}` ({why}; scratch has no /etc/passwd, so numbers only)")
    conventional = base.defaults.conventional if base.defaults is not None else None
    if conventional:
        why = base.defaults.conventional_why if base.defaults is not None else ""
        return Plan(conventional, None, f"The final image runs as root: add `USER {conventional}` ({why})")
    if family.builtin:
        return Plan(family.builtin, None, f"The final image runs as root: add `USER {family.builtin}` ({family.builtin_why})")
    uid = str(ctx.option("uid", 10001))
    gid = str(ctx.option("gid", uid))
    name = str(ctx.option("name", "app"))
    numbers = f"{uid}:{gid}"
    if family.create and _shell_is_posix(df, lin.final):
        create = family.create.format(uid=uid, gid=gid, name=name)
        return Plan(numbers, create, f"The final image runs as root: create user `{name}` ({family.title}) and add `USER {numbers}`")
    why = "the base image's distribution is not recognised" if family is UNKNOWN else f"{family.title} cannot create users"
    return Plan(numbers, None, f"The final image runs as root: add `USER {numbers}` (numbers only: {why})")


def _lines_at(df: Dockerfile, at: int, lines: list[str]) -> str:
    nl = df.newline
    if at > 0 and df.text[at - 1] != "\n":  # after a last line without a line ending: keep it that way
        return nl + nl.join(lines)
    return "".join(line + nl for line in lines)


def insertion_point(st: Stage) -> tuple[int, Instruction | None]:
    """Where the USER goes: after the last RUN or USER of the stage, else before CMD/ENTRYPOINT/HEALTHCHECK,
    else at the stage's end. Also the trailing root USER (after the last RUN) whose value can be replaced."""
    body = st.instructions[1:]
    last = max((i for i in body if i.cmd in ("RUN", "USER")), key=lambda i: i.index, default=None)
    if last is not None:
        return last.end, last if last.cmd == "USER" else None
    runtime = next((i for i in body if i.cmd in ("CMD", "ENTRYPOINT", "HEALTHCHECK")), None)
    if runtime is not None:
        return runtime.full_start, None
    return st.instructions[-1].end, None


def fix_for(df: Dockerfile, st: Stage, p: Plan) -> Fix:
    """The user-creating command gets a RUN of its own, right before the USER: appended to another RUN,
    changing it would re-run whatever that RUN installs."""
    at, trailing_user = insertion_point(st)
    if p.create is None and trailing_user is not None and kind_of(trailing_user.args.strip()) == "root":
        value = trailing_user.args
        start = trailing_user.args_offset
        last = trailing_user.file_offset(trailing_user.args_start + len(value) - 1)
        if last - start == len(value) - 1:  # the value is not split by a line continuation
            return Fix.unsafe(Edit(start, last + 1, p.user))
    lines = [f"{cased(df, 'RUN')} {p.create}"] if p.create else []
    lines.append(f"{cased(df, 'USER')} {p.user}")
    return Fix.unsafe(Edit.insert(at, _lines_at(df, at, lines)))
