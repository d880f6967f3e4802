"""DF001: pin untagged and `:latest` images to the version tag the registry says they are today."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fixer.engine.finding import Edit, Finding, Fix
from fixer.engine.rules import Fixes, Option, RuleContext, Service, rule
from fixer.images.reference import InvalidReferenceError, Reference, parse_reference
from fixer.model.variables import expand_global

if TYPE_CHECKING:
    from fixer.images.resolve import Resolution, Resolver
    from fixer.syntax import Dockerfile, Instruction

_VARIABLE = re.compile(r"\$(?:(\w+)|\{(\w+)\})")
_MOUNT_FROM = re.compile(r"(?:^|,)from=", re.IGNORECASE)
_MOUNT_FROM_RAW = re.compile(r"(?:^--mount=[\"']?|,)from=", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """A floating image reference in the file and where its text is."""

    ref: Reference
    text: str  # as written
    start: int | None  # file offsets of `text`; None when it cannot be edited in one piece
    end: int | None
    instruction: Instruction  # the instruction that uses the image (where the finding is reported)
    at: int  # offset to report at
    arg: str | None = None  # the ARG whose default this is (FROM ${ARG})


def _floating(text: str) -> Reference | None:
    """The reference when `text` is an image whose tag floats: untagged or `latest`, no digest."""
    if "$" in text or text.lower() == "scratch":
        return None
    try:
        ref = parse_reference(text)
    except InvalidReferenceError:
        return None  # the builder will reject it; nothing to pin
    if ref.digest is not None or ref.tag not in (None, "latest"):
        return None
    return ref


def _span(instr: Instruction, lstart: int, text: str) -> tuple[int | None, int | None]:
    """File span of `text` at `lstart` in the logical line, if it is contiguous in the file."""
    if not text or instr.logical[lstart : lstart + len(text)] != text:
        return None, None
    start = instr.file_offset(lstart)
    end = instr.file_offset(lstart + len(text) - 1) + 1
    return (start, end) if end - start == len(text) else (None, None)


def _words(s: str, base: int) -> Iterator[tuple[int, str]]:
    """(index, word) of the whitespace-separated words of `s`, quotes kept, `base` added to indexes."""
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i].isspace():
            i += 1
        if i >= n:
            return
        j = i
        while j < n and not s[j].isspace():
            if s[j] in "'\"":
                close = s.find(s[j], j + 1)
                j = n if close < 0 else close + 1
            elif s[j] == "\\":
                j += 2
            else:
                j += 1
        yield base + i, s[i:j]
        i = j


Declaration = tuple["Instruction", bool, int, str]  # ARG instruction, literal, logical index, default


def _arg_defaults(instr: Instruction) -> Iterator[tuple[str, bool, int, str]]:
    """(name, literal, logical index, default) for each name ARG `instr` declares.

    A default is literal when it holds no variable, escape or inner quote; quotes around it stay in
    the file and the index points inside them. A name without `=` has no default (literal False).
    """
    for idx, word in _words(instr.args, instr.args_start):
        key, eq, value = word.partition("=")
        if not eq:
            yield key, False, idx, ""
            continue
        vstart = idx + len(key) + 1
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value, vstart = value[1:-1], vstart + 1
        literal = bool(value) and not any(c in value for c in "$\\'\"")
        yield key, literal, vstart, value


def _global_args(df: Dockerfile) -> dict[str, Declaration]:
    """The ARGs before the first FROM, which are all that FROM lines can use; the last one wins."""
    out: dict[str, Declaration] = {}
    for instr in df.instructions:
        if instr.stage is not None:
            break
        if instr.cmd == "ARG":
            for name, literal, idx, value in _arg_defaults(instr):
                out[name] = (instr, literal, idx, value)
    return out


class _Stages:
    """Stage names as BuildKit sees them: expanded with the global ARG defaults, case-insensitive."""

    def __init__(self, df: Dockerfile) -> None:
        # None: a name that cannot be expanded, which could be anything
        self.names: list[str | None] = [
            (expand_global(df, st.name) or None) if st.name and "$" in st.name else st.name for st in df.stages
        ]
        self.names = [n.lower() if n else n for n in self.names]
        self.unknown = [st.name is not None and n is None for st, n in zip(df.stages, self.names)]

    def names_stage(self, text: str, before: int | None = None) -> bool:
        """`text` names a stage (before stage `before` for FROM; any stage for --from), or might."""
        t = text.lower()
        last = len(self.names) if before is None else before
        return t.isdigit() or any(self.unknown[:last]) or t in self.names[:last]


def targets(df: Dockerfile) -> list[Target]:
    """Every floating image reference DF001 looks at, in file order (ARG defaults once)."""
    out: list[Target] = []
    args = _global_args(df)
    stages = _Stages(df)
    seen_args: set[str] = set()
    for instr in df.instructions:
        if instr.cmd == "FROM" and instr.stage is not None:
            words = instr.args.split()
            if not words:
                continue
            text = words[0]
            before = instr.stage.index
            m = _VARIABLE.fullmatch(text)
            if m is not None:
                name = m[1] or m[2]
                decl = args.get(name)
                if decl is None or name in seen_args:
                    continue
                arg, literal, lstart, value = decl
                # only earlier stages are stages for FROM; a later or own name is still an image here
                ref = _floating(value) if literal and not stages.names_stage(value, before) else None
                if ref is not None:
                    seen_args.add(name)
                    start, end = _span(arg, lstart, value)
                    out.append(Target(ref, value, start, end, instr, instr.args_offset, arg=name))
                continue
            ref = _floating(text)
            if ref is not None and not stages.names_stage(text, before):
                start, end = _span(instr, instr.args_start, text)
                out.append(Target(ref, text, start, end, instr, instr.args_offset))
        elif instr.cmd in ("COPY", "RUN"):
            out.extend(t for t in _flag_targets(instr) if not stages.names_stage(t.text))
    return out


def _flag_targets(instr: Instruction) -> Iterator[Target]:
    """`COPY --from=<image>` and `RUN --mount=…,from=<image>`: images unless a stage has that name."""
    for flag in instr.flags:
        value: str | None = None
        pos = -1
        if instr.cmd == "COPY" and flag.name == "from" and flag.value:
            value = flag.value
            pos = flag.raw.find(value, len("--from="))
        elif instr.cmd == "RUN" and flag.name == "mount" and flag.value:
            m = _MOUNT_FROM.search(flag.value)
            if m is not None:
                value = flag.value[m.end() :].split(",", 1)[0]
                raw = _MOUNT_FROM_RAW.search(flag.raw)
                pos = raw.end() if raw is not None else -1
        if not value:
            continue
        ref = _floating(value)
        if ref is None:
            continue
        ok = pos >= 0 and flag.raw[pos : pos + len(value)] == value
        start, end = (flag.start + pos, flag.start + pos + len(value)) if ok else (None, None)
        yield Target(ref, value, start, end, instr, flag.start)


def _edit(t: Target, pinned: str) -> Edit | None:
    if t.start is None or t.end is None or not pinned.startswith(t.ref.name) or not t.text.startswith(t.ref.name):
        return None
    # keep the name exactly as written; only the tag (and digest) part changes
    n = len(t.ref.name)
    return Edit(t.start + n, t.end, pinned[n:])


def _describe(t: Target) -> str:
    where = f" (default of ARG {t.arg})" if t.arg else ""
    floats = "has no tag, so it means `latest`" if t.ref.tag is None else "uses `latest`"
    return f"image `{t.text}`{where} {floats}"


@rule(
    "DF001",
    "unpinned-base-image",
    fixes=Fixes.SAFE,
    phrase="pin base images",
    hadolint=("DL3006", "DL3007"),
    services=(Service.RESOLVER,),
    options=(
        Option("pin", str, "tag", "pin to a version tag or to tag@digest", flag="--pin", choices=("tag", "digest")),
        Option("offline", bool, False, "use cached registry answers only", flag="--offline"),
        Option("no_cache", bool, False, "ignore the registry answer cache", flag="--no-cache"),
        Option("timeout", float, None, "seconds per image lookup", flag="--registry-timeout"),
        # README's configuration example sets it; the resolver has always read it
        Option("insecure_registries", list, (), "registry hosts (host[:port]) that may be reached over plain HTTP"),
    ),
    lookups=lambda text: lookups(text),
)
def check(df: Dockerfile, ctx: RuleContext) -> Iterator[Finding]:
    """Pin untagged and `:latest` images to the exact version they resolve to today.

    ## What it does
    Finds images named without a tag or with `:latest` in `FROM`, `COPY --from=<image>` and
    `RUN --mount=from=<image>`, asks the image's registry which version tag has the same digest as
    `latest` today, and pins the reference to it (`python` becomes `python:3.13.1`). With
    `--pin digest` it writes `python:3.13.1@sha256:…`, the digest of the multi-platform index.
    `FROM ${BASE}` is pinned through the literal default of `ARG BASE=…`.

    Left alone: `scratch`, stage names (case-insensitive), references that carry a digest or
    another tag, and references built from variables without a literal default.

    ## Why is this bad?
    `latest` moves: the same Dockerfile builds on a different base image every week, and a build
    that worked yesterday breaks today for no change of yours. A version tag says what the image
    was built and tested on, and shows up in the diff when you upgrade on purpose.

    ## Example
    ```dockerfile
    FROM python
    COPY --from=busybox:latest /bin/busybox /bin/
    ```
    Use instead (the versions `latest` names at the time of the fix):
    ```dockerfile
    FROM python:3.13.1
    COPY --from=busybox:1.37.0 /bin/busybox /bin/
    ```

    ## Fix safety
    Safe: the pin is written only when the registry reports the same digest for the version tag
    as for `latest`, so the build uses the identical image today. When the registry cannot be
    reached, no version tag shares the digest, or `--offline` finds nothing in the cache, the
    finding says why and the reference is left as it is: dockfix never guesses a version.
    """
    found = targets(df)
    if not found:
        return
    resolver: Resolver | None = ctx.resolver
    resolutions: list[Resolution | None]
    if resolver is None:
        resolutions = [None] * len(found)
    else:
        resolutions = list(resolver.resolve_all([t.ref for t in found]))
    pin = resolver.pin if resolver is not None else "tag"
    for t, res in zip(found, resolutions):
        what = _describe(t)
        if res is None:
            msg = f"{what}; could not resolve: registry lookups are off"
            yield ctx.report(df, t.at, msg, instruction=t.instruction.index)
            continue
        pinned = res.pinned(pin)
        if pinned is None:
            yield ctx.report(df, t.at, f"{what}; could not resolve: {res.reason}", instruction=t.instruction.index)
            continue
        edit = _edit(t, pinned)
        msg = f"{what}; pin it to `{pinned}`, the same image today"
        yield ctx.report(df, t.at, msg, fix=Fix.safe(edit) if edit else None, instruction=t.instruction.index)


def lookups(text: str) -> list[Reference]:
    """The references a file needs looked up, for the run to look up every file's at once before fixing
    them one by one: otherwise the lookups of different files would go one file at a time."""
    from fixer.syntax import ParseError, parse
    from fixer.syntax.skim import skim

    try:
        # what `targets` reads, cut out of the file: parsing only that costs a third of the whole
        cut = skim(text, _names_images)
        return [t.ref for t in targets(parse(cut if cut is not None else text))]
    except ParseError:
        return []  # reported when the file itself is processed


def _names_images(keyword: str, instruction: str) -> bool:
    """Whether an instruction may hold a reference `targets` reads: FROM, ARG (values FROM uses), and
    COPY or RUN with a flag that may name an image (`--from=`, `--mount=…,from=`)."""
    if keyword in ("FROM", "ARG"):
        return True
    return keyword in ("COPY", "RUN") and "from" in instruction.lower()
