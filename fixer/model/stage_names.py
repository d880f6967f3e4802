"""Every place that names a stage: `FROM name`, `COPY --from=name`, `RUN --mount=from=name`, and the
`AS name` itself. Ancestry is `fixer.model.stages`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fixer.model.stages import parent
from fixer.syntax import Dockerfile, Instruction, Stage

_MOUNT_FROM = re.compile(r"(?:^|,)\s*from=(?P<value>[^,\s\"']+)", re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    instr: Instruction
    start: int  # file span of the name as written
    end: int


def _flag_value_span(raw_start: int, raw: str, value: str, prefix: str) -> tuple[int, int] | None:
    """Span of `value` written right after `prefix` (`--from=`, or a mount's `from=`) in a raw flag."""
    m = re.search(rf"(?:^|[,=\"']){re.escape(prefix)}[\"']?({re.escape(value)})(?=$|[,\s\"'])", raw, re.IGNORECASE)
    return (raw_start + m.start(1), raw_start + m.end(1)) if m else None


def references(df: Dockerfile, stage: Stage) -> tuple[list[Reference], list[Instruction]]:
    """Where later instructions name `stage`: `FROM name`, `COPY --from=name`, `RUN --mount=…,from=name`.

    The second list holds instructions that may name it in a way no edit can follow (a variable, a
    name split by a line continuation)."""
    if stage.name is None:
        return [], []
    key = stage.name.lower()
    found: list[Reference] = []
    unclear: list[Instruction] = []
    for instr in df.instructions:
        if instr.stage is None or instr.stage.index <= stage.index:
            continue
        if instr.cmd == "FROM" and parent(df, instr.stage) is stage:
            base = instr.stage.base
            at = instr.args.find(base)
            s = instr.args_start + at
            a, b = instr.file_offset(s), instr.file_offset(s + len(base) - 1) + 1
            # `FROM ${BASE}` names the stage through an ARG default: renaming it there is not this edit
            if at < 0 or b - a != len(base) or "$" in base:
                unclear.append(instr)
            else:
                found.append(Reference(instr, a, b))
        for flag in instr.flags:
            values: list[tuple[str, str]] = []
            if flag.name == "from" and flag.value is not None:
                values = [(flag.value, "--from=")]
            elif flag.name == "mount" and flag.value is not None:
                values = [(m.group("value"), "from=") for m in _MOUNT_FROM.finditer(flag.value)]
            for value, prefix in values:
                if "$" in value:
                    unclear.append(instr)
                elif value.lower() == key and df.stage_named(value, before=instr.stage.index) is stage:
                    sp = _flag_value_span(flag.start, flag.raw, value, prefix)
                    if sp is None or flag.end - flag.start != len(flag.raw):
                        unclear.append(instr)
                    else:
                        found.append(Reference(instr, *sp))
    return found, unclear


def name_span(stage: Stage) -> tuple[int, int] | None:
    """File span of the `AS name` name of the stage's FROM."""
    instr = stage.from_
    if stage.name is None:
        return None
    at = instr.args.rfind(stage.name)
    if at < 0:
        return None
    s = instr.args_start + at
    a, b = instr.file_offset(s), instr.file_offset(s + len(stage.name) - 1) + 1
    return (a, b) if b - a == len(stage.name) else None
