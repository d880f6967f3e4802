"""DF008 `dnf-cache-kept`: `dnf`/`microdnf`/`tdnf install` without `clean all` after it in the same RUN."""

from __future__ import annotations

from collections.abc import Iterator

from fixer.engine.finding import Finding
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.model.commands import ToolCall
from fixer.cache_cleanup import CacheCleanup, check_cleanup
from fixer.syntax import Dockerfile

FILLS = frozenset(
    {"install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "downgrade", "distro-sync",
     "group-install", "groups-install", "module-install", "builddep", "swap", "update-minimal"}
)  # fmt: skip
CACHE_DIRS = ("/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5", "/var/cache/tdnf")


def _cleans(call: ToolCall, tool: str) -> bool:
    return call.tool == tool and call.subcommand == "clean" and "all" in call.operands()


SPEC = CacheCleanup(
    tools=("dnf", "microdnf", "tdnf"),
    fills=FILLS,
    cleans=_cleans,
    cache_dirs=CACHE_DIRS,
    commands=lambda tool: [f"{tool} clean all"],
)


@rule(
    "DF008",
    "dnf-cache-kept",
    fixes=Fixes.SAFE,
    phrase="clean the dnf cache",
    hadolint=("DL3040",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds RUN instructions that install or update packages with `dnf`, `microdnf` or `tdnf` and do not
    run that tool's `clean all` afterwards, and appends `&& dnf clean all` (`microdnf clean all`,
    `tdnf clean all`) as the RUN's last step, in its continuation style. Answers hadolint's DL3040.

    ## Why is this bad?
    dnf keeps repository metadata and packages in `/var/cache/dnf` (microdnf in `/var/cache/yum`): tens
    to hundreds of megabytes that the layer keeps unless they are removed in the same RUN.

    ## Example
    ```dockerfile
    RUN microdnf install -y tar gzip
    ```
    Use instead:
    ```dockerfile
    RUN microdnf install -y tar gzip \\
        && microdnf clean all
    ```

    ## Fix safety
    Safe: the metadata is downloaded again when a later command needs it, and the cleanup is joined with
    `&&` (`;` under `set -e`), so a failing install still fails the build. Skipped when the RUN mounts
    a cache or tmpfs on the cache directory, or cleans it after its last install (`clean all`, or `rm`
    of the cache directory). Reported without a fix where the RUN cannot be edited safely (exec form,
    a non-POSIX SHELL, the backtick escape, a script ending in `exit` or `&`).
    """
    return check_cleanup(df, ctx, SPEC)
