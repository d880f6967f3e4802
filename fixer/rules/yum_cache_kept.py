"""DF007 `yum-cache-kept`: `yum install` without `yum clean all` after it in the same RUN."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Finding
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.commands import ToolCall
from fixer.cache_cleanup import CacheCleanup, check_cleanup
from fixer.syntax import Dockerfile

FILLS = frozenset(
    {"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "downgrade", "distro-sync",
     "group-install", "groups-install", "builddep", "swap", "update-minimal"}
)  # fmt: skip


def _cleans(call: ToolCall, tool: str) -> bool:
    # on RHEL 8+ `yum` is dnf, and `dnf clean all` empties the same cache
    return call.tool in ("yum", "dnf") and call.subcommand == "clean" and "all" in call.operands()


SPEC = CacheCleanup(
    tools=("yum",),
    fills=FILLS,
    cleans=_cleans,
    cache_dirs=("/var/cache/yum",),
    commands=lambda tool: ["yum clean all", "rm -rf /var/cache/yum"],
)


@rule(
    "DF007",
    "yum-cache-kept",
    fixes=Fixes.SAFE,
    phrase="clean the yum cache",
    hadolint=("DL3032",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds RUN instructions that install or update packages with `yum` and do not run `yum clean all`
    afterwards, and appends `&& yum clean all && rm -rf /var/cache/yum` as the RUN's last step, in its
    continuation style. Answers hadolint's DL3032.

    ## Why is this bad?
    yum keeps the repository metadata and downloaded packages in `/var/cache/yum`, often hundreds of
    megabytes. Files a layer creates stay in the image even when a later RUN deletes them, so the cleanup
    must happen in the RUN that installs.

    ## Example
    ```dockerfile
    RUN yum install -y httpd
    ```
    Use instead:
    ```dockerfile
    RUN yum install -y httpd \\
        && yum clean all \\
        && rm -rf /var/cache/yum
    ```

    ## Fix safety
    Safe: yum downloads the metadata again when a later command needs it. The cleanup is joined with
    `&&` (`;` under `set -e`), so a failing install still fails the build. Skipped when the RUN mounts a
    cache or tmpfs on `/var/cache/yum`, or already cleans it (`yum clean all`, `dnf clean all`,
    `rm -rf /var/cache/yum`) after its last install. Reported without a fix where the RUN cannot be
    edited safely (exec form, a non-POSIX SHELL, the backtick escape, a script ending in `exit` or `&`).
    """
    return check_cleanup(df, ctx, SPEC)
