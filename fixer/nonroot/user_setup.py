"""Recognise the step that creates the runtime user: a RUN that only creates users and groups, followed by USER.

DF005 inserts such a RUN on purpose as its own layer, right before the USER it serves. Other rules read it
on every later run as if the user had written it, so they ask here instead of remembering what DF005 did:
merging it into the install above (DF002) would re-run that install whenever the user changes, and it is
no reason to move a COPY (DF004): it reads nothing and costs nothing to re-run.
"""

from __future__ import annotations

from fixer.model.commands import program_name, script_of
from fixer.model.memo import per_file
from fixer.syntax import Dockerfile, Instruction

_USER_TOOLS = frozenset({"groupadd", "useradd", "addgroup", "adduser", "usermod"})


@per_file
def is_user_setup(df: Dockerfile, instr: Instruction) -> bool:
    """`instr` is a shell-form RUN whose every command creates a user or group, and the next instruction of
    its stage is a USER."""
    if instr.cmd != "RUN" or instr.json or instr.heredocs or instr.stage is None:
        return False
    following = [i for i in instr.stage.instructions if i.index > instr.index]
    if not following or following[0].cmd != "USER":
        return False
    script = script_of(df, instr)
    if script is None or script.commands.error is not None or not script.commands.commands:
        return False
    return all(
        c.program < len(c.words) and program_name(c.words[c.program].value) in _USER_TOOLS for c in script.commands.commands
    )
