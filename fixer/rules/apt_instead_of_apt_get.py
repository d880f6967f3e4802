"""DF033 apt-instead-of-apt-get: `apt` in a RUN becomes `apt-get`."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.base_image import family as stage_family
from fixer.model.commands import runs
from fixer.syntax import Dockerfile

# apt subcommands apt-get runs the same way (`full-upgrade` is apt-get's `dist-upgrade`)
SAME = {
    "install": "install", "update": "update", "remove": "remove", "purge": "purge",
    "autoremove": "autoremove", "autopurge": "autopurge", "build-dep": "build-dep", "source": "source",
    "download": "download", "clean": "clean", "autoclean": "autoclean", "satisfy": "satisfy",
    "full-upgrade": "dist-upgrade", "dist-upgrade": "dist-upgrade",
}  # fmt: skip


@rule(
    "DF033",
    "apt-instead-of-apt-get",
    fixes=Fixes.SOMETIMES,
    phrase="use apt-get instead of apt",
    hadolint=("DL3027",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Replaces `apt` with `apt-get` in RUN scripts for the subcommands apt-get shares (`install`, `update`,
    `remove`, `purge`, `autoremove`, `clean`, `build-dep`, `source`, `download`, …; `full-upgrade`
    becomes `dist-upgrade`). `apt upgrade` is an unsafe fix; `apt search`, `apt list` and `apt show` are
    only reported.

    ## Why is this bad?
    `apt` is meant for people at a terminal: its output and behaviour may change between releases and it
    warns "apt does not have a stable CLI interface" when used in scripts. `apt-get` is the stable,
    scriptable interface. hadolint (DL3027) reports it.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN apt update && apt install -y curl
    ```
    Use instead:
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y curl
    ```

    ## Fix safety
    Sometimes safe. On Debian/Ubuntu-based images the subcommands above install, remove and download
    the same packages. `apt` also deletes the downloaded `.deb` files after installing, which `apt-get`
    leaves to the image's `docker-clean` apt configuration: Docker's Debian and Ubuntu images have it,
    so the fix is unsafe when the base image is not known to be one of them. `apt upgrade` installs new
    dependencies that `apt-get upgrade` holds back, so that fix is always unsafe.
    """
    for run in runs(df):
        owner, cmds = run.owner, run.commands
        if not run.editable:
            continue
        debian = stage_family(df, run.instr.stage or owner.stage).key == "debian"
        for call in cmds.of("apt"):
            word = call.cmd.words[call.at]
            sub = call.subcommand
            if not word.raw.endswith("apt") or sub is None:
                continue
            a = run.offset(word.start)
            b = run.offset(word.end - 1) + 1
            edits = [Edit(b - 3, b, "apt-get")] if b - a == word.end - word.start else []
            new_sub = SAME.get(sub)
            sub_word = call.cmd.words[call.sub] if call.sub is not None else None
            if edits and new_sub is not None and new_sub != sub and sub_word is not None:
                s = run.offset(sub_word.start)
                e = run.offset(sub_word.end - 1) + 1
                if e - s != len(sub_word.raw) or sub_word.raw != sub:
                    edits = []
                else:
                    edits.append(Edit(s, e, new_sub))
            fix = None
            if edits and new_sub is not None:
                fix = Fix.safe(*edits) if debian else Fix.unsafe(*edits)
            elif edits and sub == "upgrade":
                fix = Fix.unsafe(*edits)
            target = f"apt-get {new_sub}" if new_sub else ("apt-get" if sub == "upgrade" else "apt-get or apt-cache")
            yield ctx.report(
                df,
                a,
                f"Use `{target}` instead of `apt {sub}` in scripts",
                fix,
                instruction=owner.index,
            )
