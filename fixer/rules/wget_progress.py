"""DF032 wget-progress: `wget` without a progress option gets `--progress=dot:giga`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.commands import SimpleCommand, runs
from fixer.model.base_image import base_image, family as stage_family
from fixer.model.stages import lineage_before
from fixer.syntax import Dockerfile, Instruction

_SILENT_LONG = ("--progress", "--quiet", "--no-verbose", "--output-file", "--append-output")
# GNU wget's short options that take a value (the rest of a cluster is that value)
_VALUE_LETTERS = frozenset("OoaeiBtTwQPUlARDIX")
# a package install of wget (GNU wget on every distribution, Alpine's `wget` package included)
_INSTALLS_WGET = re.compile(
    r"\b(?:apk\b[^\n;&|]*\badd|(?:apt-get|apt|yum|dnf|microdnf|zypper)\b[^\n;&|]*\binstall)\b[^\n;&|]*(?<![\w.-])wget(?![\w.-])"
)
_GNU_FAMILIES = frozenset({"debian", "rhel", "rhel-minimal"})
_BUSYBOX_FAMILIES = frozenset({"alpine", "busybox"})


def quiet(cmd: SimpleCommand) -> bool:
    """Whether the wget command already sets progress or verbosity (hadolint's list)."""
    for w in (w.value for w in cmd.words[1:]):
        if w == "--":
            break
        if w.startswith("--"):
            if w.split("=", 1)[0] in _SILENT_LONG:
                return True
        elif w.startswith("-n"):
            if "v" in w[2:]:
                return True
        elif w.startswith("-") and len(w) > 1:
            for letter in w[1:]:
                if letter in "qoa":
                    return True
                if letter in _VALUE_LETTERS:
                    break
    return False


def _gnu_wget_installed(df: Dockerfile, instr: Instruction, script: str, before: int) -> bool:
    if _INSTALLS_WGET.search(script[:before]):
        return True
    return any(i.cmd == "RUN" and _INSTALLS_WGET.search(i.args) for i in lineage_before(df, instr))


@rule(
    "DF032",
    "wget-progress",
    fixes=Fixes.SOMETIMES,
    phrase="quiet wget progress output",
    hadolint=("DL3047",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Adds `--progress=dot:giga` to a `wget` that sets neither a progress style nor quiet output
    (`-q`, `-nv`, `-o file`). With BusyBox's wget (Alpine without the `wget` package), which has no
    `--progress`, it adds `-q` instead.

    ## Why is this bad?
    Without a terminal, GNU wget prints its default progress display as thousands of dots or lines,
    flooding the build log (and BuildKit's log limit) for a large download. `dot:giga` prints one line
    per 32 MB. hadolint (DL3047) reports it.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN wget https://example.com/big.tar.gz
    ```
    Use instead:
    ```dockerfile
    FROM debian:12
    RUN wget --progress=dot:giga https://example.com/big.tar.gz
    ```

    ## Fix safety
    Sometimes safe: only the build log changes, provided the option exists. That is known for the
    Debian/Ubuntu and RHEL families (GNU wget; Fedora, whose wget is wget2, excluded), for Alpine with
    the `wget` package installed, for any image where an earlier command installs the `wget` package,
    and for BusyBox's wget, which gets `-q`. For other base images the
    fix is unsafe: a wget that does not know `--progress` fails the build.
    """
    for run in runs(df):
        if not run.editable or "wget" not in run.text:
            continue
        stage = run.instr.stage or run.owner.stage
        family = stage_family(df, stage).key
        image = base_image(df, stage) if stage is not None else None
        fedora = image is not None and "fedora" in image.repository
        for cmd in run.commands.commands:
            if cmd.name != "wget" or quiet(cmd):
                continue
            sp = run.span(cmd.words[0])
            option, safe = "--progress=dot:giga", False
            if _gnu_wget_installed(df, run.owner, run.text, cmd.words[0].start):
                safe = True
            elif family in _GNU_FAMILIES and not fedora:
                safe = True
            elif family in _BUSYBOX_FAMILIES:
                option, safe = "-q", True
            fix = None
            if sp is not None:
                edit = Edit.insert(sp[1], f" {option}")
                fix = Fix.safe(edit) if safe else Fix.unsafe(edit)
            yield ctx.report(
                df,
                sp[0] if sp else run.owner.start,
                f"`wget` without a progress option floods the build log: add `{option}`",
                fix,
                instruction=run.owner.index,
            )
