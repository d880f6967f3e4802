"""DF020 expose-proto-casing."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, RuleContext, rule
from fixer.syntax import Dockerfile

_PORT = re.compile(r"(?P<port>[^\s/]+)/(?P<proto>[A-Za-z]+)")


@rule(
    "DF020",
    "expose-proto-casing",
    fixes=Fixes.SAFE,
    phrase="lower-case EXPOSE protocols",
    buildkit=("ExposeProtoCasing",),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Lower-cases the protocol of an `EXPOSE` port: `EXPOSE 80/TCP` becomes `EXPOSE 80/tcp`.

    ## Why is this bad?
    Docker matches protocols case-sensitively in some places; BuildKit's `ExposeProtoCasing` check
    warns about upper-case protocols, and mixed spellings make the image's port list inconsistent.

    ## Example
    ```dockerfile
    EXPOSE 53/UDP 8080/TCP
    ```
    Use instead:
    ```dockerfile
    EXPOSE 53/udp 8080/tcp
    ```

    ## Fix safety
    Safe: Docker reads the protocol case-insensitively, so the image's exposed ports are the same.
    """
    for instr in df.instructions:
        if instr.cmd != "EXPOSE":
            continue
        for m in _PORT.finditer(instr.args):
            proto = m.group("proto")
            if proto == proto.lower() or "$" in m.group(0):
                continue
            start = instr.args_start + m.start("proto")
            end = instr.args_start + m.end("proto")
            fstart = instr.file_offset(start)
            if instr.file_offset(end - 1) - fstart != len(proto) - 1:
                continue  # the word is split by a line continuation: leave it
            yield ctx.report(
                df,
                fstart,
                f"Protocol `{proto}` should be lower-case",
                Fix.safe(Edit(fstart, fstart + len(proto), proto.lower())),
                instruction=instr.index,
            )
