"""DF011 `interactive-install`: package installs that ask for confirmation (no `-y` / `-n`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.commands import RunScript, ToolCall, runs
from fixer.model.package_managers import APT_OPTIONS
from fixer.edits.script import insert_after
from fixer.syntax import Dockerfile

APT_ASKS = frozenset(
    {"install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "remove", "purge", "autoremove",
     "autopurge", "build-dep", "satisfy"}
)  # fmt: skip
RPM_ASKS = frozenset(
    {"install", "groupinstall", "localinstall", "reinstall", "remove", "erase", "update", "upgrade",
     "downgrade", "distro-sync", "autoremove", "builddep", "swap", "update-minimal", "group-install",
     "groups-install", "group-remove", "groups-remove", "group-update", "group-upgrade", "module-install",
     "module-enable", "module-disable", "module-remove", "module-reset", "module-switch-to"}
)  # fmt: skip
ZYPPER_ASKS = frozenset(
    {"install", "in", "remove", "rm", "update", "up", "patch", "dist-upgrade", "dup", "source-install", "si",
     "install-new-recommends", "inr"}
)  # fmt: skip
# zypper documents `-y/--no-confirm` for these; the others get the global `--non-interactive`
ZYPPER_CONFIRM = frozenset({"install", "in", "remove", "rm"})
_ASSUME_YES = re.compile(r"^APT::Get::Assume-Yes=(?:1|true|yes|on)$", re.IGNORECASE)
_APT_NO_PROMPT = ("--simulate", "--dry-run", "--just-print", "--no-act", "--recon", "--assume-no", "--trivial-only")


def _apt_says_yes(call: ToolCall) -> bool:
    if call.has_long("--yes", "--assume-yes", *_APT_NO_PROMPT) or call.has_short("y") or call.has_short("s"):
        return True
    words = call.values()
    qs = sum(APT_OPTIONS.short_letters(w).count("q") for w in words)
    if qs >= 2 or any(w in ("-q=2", "--quiet=2", "-q2") for w in words):
        return True  # quiet level 2 implies -y
    for i, w in enumerate(words):
        value = words[i + 1] if w in ("-o", "--option") and i + 1 < len(words) else None
        if w.startswith("--option="):
            value = w.split("=", 1)[1]
        elif w.startswith("-o") and len(w) > 2:
            value = w[2:].lstrip("=")
        if value is not None and _ASSUME_YES.match(value):
            return True
    return False


def _rpm_says_yes(call: ToolCall) -> bool:
    if call.has_long("--assumeyes", "--assumeno") or call.has_short("y"):
        return True
    return any(re.match(r"^(--setopt=)?assumeyes=(1|true|yes|on)$", w, re.I) for w in call.values())


def _zypper_says_yes(call: ToolCall) -> bool:
    return call.has_long("--non-interactive", "--no-confirm") or call.has_short("n") or call.has_short("y")


def _edit(run: RunScript, call: ToolCall) -> Edit | None:
    """The flag to add, or None when the call already runs unattended."""
    action = call.action
    if call.tool in ("apt-get", "apt"):
        if action in APT_ASKS and not _apt_says_yes(call):
            return insert_after(run, call, "-y")
    elif call.tool in ("yum", "dnf", "microdnf", "tdnf"):
        if action in RPM_ASKS and not _rpm_says_yes(call):
            return insert_after(run, call, "-y")
    elif call.tool == "zypper" and action in ZYPPER_ASKS and not _zypper_says_yes(call):
        if action in ZYPPER_CONFIRM:
            return insert_after(run, call, "-y")
        return Edit.insert(run.end_offset(call.cmd.words[call.at].end), " --non-interactive")
    return None


@rule(
    "DF011",
    "interactive-install",
    fixes=Fixes.SAFE,
    phrase="install packages non-interactively",
    hadolint=("DL3014", "DL3030", "DL3038", "DL3034"),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds package-manager commands that stop to ask for confirmation and adds the flag that answers
    yes: `apt-get install -y` (also `apt`, and upgrade/remove/purge/build-dep …), `yum`/`dnf`/`microdnf`/
    `tdnf install -y`, `zypper install -y` (`zypper --non-interactive` for update/patch/dist-upgrade).
    Answers hadolint's DL3014 (apt-get), DL3030 (yum), DL3038 (dnf, microdnf) and DL3034 (zypper).

    ## Why is this bad?
    A build has no terminal: the `Do you want to continue? [Y/n]` prompt reads end-of-file and apt-get,
    yum and dnf abort, so the build fails as soon as the install pulls in a dependency. A build that works
    today breaks the day a package gains one.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install curl
    ```
    Use instead:
    ```dockerfile
    RUN apt-get update && apt-get install -y curl
    ```

    ## Fix safety
    Safe: the flag only answers the confirmation prompt; what gets installed is unchanged. Commands that
    already answer (`-y`, `--yes`, `--assume-yes`, `-qq`, `-o APT::Get::Assume-Yes=true`, `--assumeyes`,
    `zypper -n`/`--non-interactive`/`--no-confirm`) or never ask (`--simulate`, `--assume-no`) are left
    alone. hadolint's DL3034 only accepts `-y`/`--no-confirm`, so it still reports `zypper -n install`.
    Reported without a fix in exec-form RUNs, under a non-POSIX SHELL and with the backtick escape.
    """
    for run in runs(df):
        owner, cmds = run.owner, run.commands
        edits = [e for e in (_edit(run, c) for c in cmds.calls) if e is not None]
        if not edits:
            continue
        message = "package install may stop at a confirmation prompt: add the non-interactive flag"
        if not run.editable:
            yield ctx.report(df, owner.start, f"{message} (not fixed: {run.refusal})", instruction=owner.index)
        else:
            yield ctx.report(df, owner.start, message, fix=Fix.safe(*edits), instruction=owner.index)
