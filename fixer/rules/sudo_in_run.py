"""DF039 sudo-in-run: `sudo` dropped from RUN commands that already run as root."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.commands import runs
from fixer.model.users import runs_as_root
from fixer.syntax import Dockerfile

# options that change nothing when root runs sudo: keep the environment, set HOME, never prompt
HARMLESS = frozenset({"-E", "--preserve-env", "-H", "--set-home", "-n", "--non-interactive"})


@rule(
    "DF039",
    "sudo-in-run",
    fixes=Fixes.SAFE,
    phrase="remove sudo from RUN",
    hadolint=("DL3004",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Removes `sudo` (with the options `-E`, `-H`, `-n`) from commands of a RUN that runs as root: the
    last `USER` of the stage is `root`, or there is none and the base is a distribution image.

    ## Why is this bad?
    The build already runs as root there, so `sudo` adds nothing but a dependency: most images do not
    ship it, and where they do it resets the environment (build arguments like `HTTP_PROXY` vanish)
    and may wait for a TTY. Use `USER` to switch users, or `gosu`/`su-exec` in an entrypoint.
    hadolint (DL3004) reports it.

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    RUN sudo apt-get update
    ```
    Use instead:
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update
    ```

    ## Fix safety
    Safe where the user is provably root: the command runs as the same user. It then sees the build's
    environment instead of the one sudo resets, like the other commands of the RUN, and no longer fails
    when sudo is not installed. Reported only where the user is not root or unknown, or `sudo` is
    given options that pick another user, a login shell or a command from its own policy, and in
    `ONBUILD` triggers, which run in another build.
    """
    for run in runs(df):
        if not run.editable or "sudo" not in run.text:
            continue
        # an ONBUILD trigger runs in a later build, as whichever user that build has by then
        root = run.owner.cmd == "RUN" and runs_as_root(df, run.owner)
        for cmd in run.commands.commands:
            if cmd.name != "sudo":
                continue
            words = cmd.words
            i = 1
            while i < len(words) and words[i].value in HARMLESS:
                i += 1
            fix = None
            if root and i < len(words) and not words[i].value.startswith("-"):
                a = run.offset(words[0].start)
                b = run.offset(words[i].start)
                if b - a == words[i].start - words[0].start:
                    fix = Fix.safe(Edit.delete(a, b))
            why = "the RUN already runs as root" if root else "switch users with USER instead"
            yield ctx.report(
                df,
                run.offset(words[0].start),
                f"Do not use `sudo`: {why}",
                fix,
                instruction=run.owner.index,
            )
