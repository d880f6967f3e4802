"""Users that the RUN instructions of a lineage create with useradd or adduser."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass

from fixer.model.package_managers import ADDUSER_OPTIONS, USERADD_OPTIONS
from fixer.model.state import state_before
from fixer.model.variables import expand, substitute
from fixer.nonroot.lineage import Lineage
from fixer.nonroot.run_commands import Unread, run_commands, run_text
from fixer.shell.model import Word
from fixer.syntax import Dockerfile, Instruction

_OPTIONS = {"useradd": USERADD_OPTIONS, "adduser": ADDUSER_OPTIONS}
_MENTIONS_USERADD = re.compile(r"\b(?:useradd|adduser)\b")


@dataclass(frozen=True)
class CreatedUser:
    name: str
    uid: str | None  # literal number given with -u/--uid
    instr: Instruction
    sudo: bool = False  # run through sudo: proves nothing about who the build runs as


@dataclass(frozen=True)
class Unreadable:
    """A user is created, but dockfix cannot tell which one."""

    reason: str
    instr: Instruction


def _created(words: Sequence[Word], sudo: bool, instr: Instruction, env: dict[str, str]) -> CreatedUser | None:
    if not words:
        return None
    cmd = posixpath.basename(words[0].value)
    if cmd not in _OPTIONS:
        return None
    pairs, words_left = _OPTIONS[cmd].split(words[1:], lenient=True)
    opts = dict(pairs)
    operands = [w.value for w in words_left]
    # `adduser USER GROUP` adds an existing user to a group; Debian's `adduser --group NAME` makes a group
    if len(operands) != 1:
        return None
    if cmd == "adduser" and "group" in opts and "system" not in opts:
        return None
    if cmd == "useradd" and "D" in opts:  # `useradd -D NAME` is not valid; `-D` alone prints defaults
        return None
    name = substitute(operands[0], env)
    uid = substitute(opts.get("u", opts.get("uid", "")), env)
    return CreatedUser(name, uid if uid.isdigit() else None, instr, sudo)


def _values(df: Dockerfile, instr: Instruction) -> dict[str, str]:
    """The variables a RUN sees, from the model's walk, with ARG defaults taken as their values (the
    build as written: the user a file creates when no --build-arg overrides it), in ENV values built
    from them too. The walk itself leaves both unknown: a --build-arg may change them."""
    state = state_before(df, instr)
    out: dict[str, str] = {}
    for name, value in state.env.items():
        raw = state.raw_env.get(name) if name in state.raw_env else state.arg_defaults.get(name)
        if value is None and raw is not None:
            value = expand(raw, out, df.escape)
        if value is not None:
            out[name] = value
    return out


def created_users(lin: Lineage, df: Dockerfile) -> list[CreatedUser] | Unreadable:
    """Users that RUNs along the lineage create with useradd/adduser, in order."""
    found: list[CreatedUser] = []
    for st in lin.stages:
        found_in = stage_users(df, st.instructions)
        if isinstance(found_in, Unreadable):
            return found_in
        found.extend(found_in)
    return found


def stage_users(df: Dockerfile, instructions: list[Instruction]) -> list[CreatedUser] | Unreadable:
    found: list[CreatedUser] = []
    for instr in instructions:
        if instr.cmd != "RUN" or not _MENTIONS_USERADD.search(run_text(instr)):
            continue  # parsing shell is costly: most RUNs never name these commands
        try:
            commands = run_commands(df, instr)
        except Unread:
            return Unreadable("a RUN that creates a user could not be read", instr)
        for words, sudo in commands:
            user = _created(words, sudo, instr, _values(df, instr))
            if user is None:
                continue
            if "$" in user.name or not user.name:
                return Unreadable(f"the user it creates is named at build time (`{user.name}`)", instr)
            if user.name != "root" and user.uid != "0":
                found.append(user)
    return found
