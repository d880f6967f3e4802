"""Run a Dockerfile's RUN scripts with stub package managers, to compare what a fix changes.

The scripts come from BuildKit's own parser (the `dockerfile` package), not from dockfix. Every
command word of a script becomes a stub executable in an otherwise empty PATH: the stub logs its
argv and fails when it matches `fail` (a shell `case` pattern such as `"apt-get install"*`), so
nothing real is installed or removed; globbing is off (`-f`) so paths stay as written. Shell builtins (`set`, `echo`, `cd`, `exit` …) stay builtins.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import dockerfile

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.+-]*")
_MARKER = re.compile(r"^\d*<<-?['\"]?[^\s'\"]+['\"]?$")
_STUB = """#!/bin/sh
printf '%s\\n' "${0##*/} $*" >> "$STUB_LOG"
case "${0##*/} $*" in FAIL) exit 1 ;; esac
exit 0
"""


def run_scripts(text: str) -> list[str | None]:
    """The shell script of every RUN in order (None for exec form): its shell-form line, or the body
    of a heredoc the shell runs (`RUN <<EOF`, `RUN <<EOF bash`)."""
    out: list[str | None] = []
    for c in dockerfile.parse_string(text):
        cmd = c.sub_cmd if c.cmd == "ONBUILD" and c.sub_cmd else c.cmd
        if cmd.upper() != "RUN":
            continue
        if c.json:
            out.append(None)
            continue
        line = c.value[0] if c.value else ""
        words = line.split()
        if c.heredocs and len(words) <= 2 and any(_MARKER.match(w) for w in words):
            out.append(c.heredocs[0].content)
        else:
            out.append(line)
    return out


def syntax_ok(script: str) -> bool:
    return subprocess.run(["/bin/dash", "-n", "-c", script], capture_output=True).returncode == 0


@dataclass(frozen=True)
class Outcome:
    status: int
    calls: tuple[str, ...]  # the stubbed commands run, in order, with their arguments


def run_stubbed(script: str, tmp: Path, fail: str = "") -> Outcome:
    """Run `script` with dash, every command word stubbed; stubs matching `fail` exit 1."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    # every name-like piece of the script (also inside `$(…)`); builtins and keywords win over PATH
    for word in set(_NAME.findall(script)):
        stub = bin_dir / word
        stub.write_text(_STUB.replace("FAIL", fail or "__never__"))
        stub.chmod(0o755)
    log = tmp / "log"
    log.write_text("")
    env = {"PATH": str(bin_dir), "STUB_LOG": str(log)}
    proc = subprocess.run(
        ["/bin/dash", "-f", "-c", script], env=env, cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True, timeout=20
    )
    return Outcome(proc.returncode, tuple(log.read_text().splitlines()))


def is_subsequence(needle: tuple[str, ...], hay: tuple[str, ...]) -> bool:
    it = iter(hay)
    return all(any(n == h for h in it) for n in needle)


def changed_scripts(text: str, fixed: str) -> list[tuple[str, str]]:
    """(original, fixed) scripts of the RUNs a fix changed; RUNs pair up by position."""
    before, after = run_scripts(text), run_scripts(fixed)
    assert len(before) == len(after), "the fix added or removed a RUN"
    return [(b, a) for b, a in zip(before, after) if b is not None and a is not None and a != b]
