"""DF009 `zypper-cache-kept`: `zypper install` without `zypper clean` after it in the same RUN."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Finding
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.commands import ToolCall
from fixer.cache_cleanup import CacheCleanup, check_cleanup
from fixer.syntax import Dockerfile

FILLS = frozenset(
    {"install", "in", "update", "up", "dist-upgrade", "dup", "patch", "source-install", "si", "install-new-recommends", "inr"}
)  # fmt: skip


def _cleans(call: ToolCall, tool: str) -> bool:
    return call.tool == "zypper" and call.subcommand in ("clean", "cc")


SPEC = CacheCleanup(
    tools=("zypper",),
    fills=FILLS,
    cleans=_cleans,
    cache_dirs=("/var/cache/zypp",),
    commands=lambda tool: ["zypper clean --all"],
)


@rule(
    "DF009",
    "zypper-cache-kept",
    fixes=Fixes.SAFE,
    phrase="clean the zypper cache",
    hadolint=("DL3036",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds RUN instructions that install or update packages with `zypper` and do not run `zypper clean`
    afterwards, and appends `&& zypper clean --all` as the RUN's last step, in its continuation style.
    Answers hadolint's DL3036.

    ## Why is this bad?
    zypper keeps repository metadata and packages in `/var/cache/zypp`; the layer keeps them unless
    they are removed in the same RUN.

    ## Example
    ```dockerfile
    RUN zypper install -y curl
    ```
    Use instead:
    ```dockerfile
    RUN zypper install -y curl \\
        && zypper clean --all
    ```

    ## Fix safety
    Safe: zypper refreshes the metadata when a later command needs it, and the cleanup is joined with
    `&&` (`;` under `set -e`), so a failing install still fails the build. Skipped when the RUN mounts
    a cache or tmpfs on `/var/cache/zypp`, or cleans it after its last install (`zypper clean`,
    `zypper cc`, `rm` of the cache directory). Reported without a fix where the RUN cannot be edited
    safely (exec form, a non-POSIX SHELL, the backtick escape, a script ending in `exit` or `&`).
    """
    return check_cleanup(df, ctx, SPEC)
