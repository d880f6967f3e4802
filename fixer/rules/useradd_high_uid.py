"""DF031 useradd-high-uid: `useradd` with a large uid gets `--no-log-init`."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.commands import SimpleCommand, runs
from fixer.model.package_managers import USERADD_OPTIONS
from fixer.syntax import Dockerfile

_MAX_SMALL_UID = 99999


def uid_and_log_init(cmd: SimpleCommand) -> tuple[str | None, bool]:
    """The uid `useradd` is given, and whether it already skips the lastlog/faillog entry."""
    opts, _ = USERADD_OPTIONS.split(cmd.words[1:], lenient=True)
    uid = next((v for n, v in reversed(opts) if n in ("u", "uid")), None)
    return uid, any(n in ("l", "no-log-init") for n, _ in opts)


@rule(
    "DF031",
    "useradd-high-uid",
    fixes=Fixes.SAFE,
    phrase="add --no-log-init to useradd",
    hadolint=("DL3046",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Adds `--no-log-init` (`-l`) to a `useradd` that creates a user with a uid above 99999, or one given
    by a variable.

    ## Why is this bad?
    `useradd` reserves the user's entry in `/var/log/lastlog` and `/var/log/faillog`, files indexed by
    uid. The files are sparse on disk, but image layers store them in full: a uid of 100000000 adds
    gigabytes to the image. hadolint (DL3046) reports it.

    ## Example
    ```dockerfile
    RUN useradd -u 100000 app
    ```
    Use instead:
    ```dockerfile
    RUN useradd --no-log-init -u 100000 app
    ```

    ## Fix safety
    Safe: the user, its uid, groups and home are the same; only the login-record files get no entry.
    """
    for run in runs(df):
        if not run.editable or "useradd" not in run.text:
            continue
        for cmd in run.commands.commands:
            if cmd.name != "useradd":
                continue
            uid, no_log = uid_and_log_init(cmd)
            if uid is None or no_log:
                continue
            if "$" not in uid and not (uid.isdigit() and int(uid) > _MAX_SMALL_UID):
                continue
            sp = run.span(cmd.words[0])
            fix = Fix.safe(Edit.insert(sp[1], " --no-log-init")) if sp else None
            yield ctx.report(
                df,
                sp[0] if sp else run.owner.start,
                f"`useradd` with uid {uid} and no `--no-log-init` bloats the image with login records",
                fix,
                instruction=run.owner.index,
            )
