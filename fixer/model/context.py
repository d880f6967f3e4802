"""The build context as `docker build` sends it: a folder's files minus what `.dockerignore` excludes.

`.dockerignore` is read as BuildKit reads it (moby's `ignorefile.ReadAll` and `patternmatcher`), not as
git reads `.gitignore`: patterns are cleaned and anchored at the context root (`/docs/` is `docs`,
`*.md` matches only at the root), `*` and `?` never cross a `/`, `**` spans any number of folders, a
pattern that matches a folder excludes everything below it, the last matching pattern wins and
`!pattern` re-includes. `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's own
file. The `pathspec` package implements git's rules, which differ (`*.md` anywhere, `[!x]` negation,
`foo/` only folders), hence this port.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fixer.model.paths import normalize

# regexp characters that mean nothing to Go's filepath.Match, escaped by patternmatcher
_ESCAPED = frozenset(".+()|{}$")
_BOM = "\ufeff"


@dataclass(frozen=True)
class Pattern:
    """One `.dockerignore` line, compiled as patternmatcher does (its match types kept: they differ
    from the regexp at the edges, e.g. `**foo` matches `barfoo`)."""

    text: str  # cleaned, without the `!`
    exclusion: bool  # `!pattern`: re-includes what it matches
    kind: str  # "exact", "prefix", "suffix" or "regexp"
    regexp: re.Pattern[str] | None

    @classmethod
    def compile(cls, text: str, exclusion: bool = False) -> Pattern:
        out = "^"
        kind = "exact"
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            i += 1
            if ch == "*":
                leading = i == 1
                if i < n and text[i] == "*":
                    i += 1
                    if i < n and text[i] == "/":
                        i += 1  # `**/` is `**`
                    if i == n:
                        if kind == "exact":
                            kind = "prefix"
                        else:
                            out += ".*"
                            kind = "regexp"
                    else:
                        out += "(.*/)?"
                        kind = "regexp"
                    if leading:
                        kind = "suffix"  # patternmatcher: a leading `**` makes a suffix match
                else:
                    out += "[^/]*"
                    kind = "regexp"
            elif ch == "?":
                out += "[^/]"
                kind = "regexp"
            elif ch in _ESCAPED:
                out += "\\" + ch
            elif ch == "\\":
                if i < n:
                    out += "\\" + text[i]  # as Go does: `\d` is a digit class there too
                    i += 1
                    kind = "regexp"
                else:
                    out += "\\\\"
            elif ch in "[]":
                out += ch
                kind = "regexp"
            else:
                out += ch  # as patternmatcher does: `^` keeps its regexp meaning
        regexp = None
        if kind == "regexp":
            try:
                regexp = re.compile(out + r"\Z")  # Go's `$`; and Go's `.` stops at a newline too
            except re.error:
                regexp = re.compile(r"(?!)")  # BuildKit rejects the file; nothing of ours should match
        return cls(text, exclusion, kind, regexp)

    def match(self, path: str) -> bool:
        if self.kind == "exact":
            return path == self.text
        if self.kind == "prefix":
            return path.startswith(self.text[:-2])
        if self.kind == "suffix":
            suffix = self.text[2:]
            if path.endswith(suffix):
                return True
            return suffix.startswith("/") and path == suffix[1:]
        assert self.regexp is not None
        return self.regexp.match(path) is not None

    def match_or_parent(self, path: str) -> bool:
        """The path itself or one of the folders above it matches."""
        if self.match(path):
            return True
        parts = path.split("/")[:-1]
        return any(self.match("/".join(parts[: i + 1])) for i in range(len(parts)))


def read_patterns(text: str) -> list[Pattern]:
    """The patterns of a `.dockerignore` text, as `ignorefile.ReadAll` cleans them."""
    out: list[Pattern] = []
    for number, line in enumerate(text.splitlines()):
        if number == 0:
            line = line.removeprefix(_BOM)
        if line.startswith("#"):  # only a `#` in the first column starts a comment
            continue
        line = line.strip()
        if not line:
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        if line:
            line = normalize(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
        if not line:
            continue  # a lone `!`: BuildKit refuses the file
        out.append(Pattern.compile(line, exclusion))
    return out


class IgnoreRules:
    """A `.dockerignore`'s patterns in order."""

    def __init__(self, patterns: Iterable[Pattern] = ()) -> None:
        self.patterns = list(patterns)
        self.reincludes = any(p.exclusion for p in self.patterns)

    @classmethod
    def from_text(cls, text: str) -> IgnoreRules:
        return cls(read_patterns(text))

    def excludes(self, path: str) -> bool:
        """Whether the context path `path` (posix, relative) is kept out of the build
        (patternmatcher's `MatchesOrParentMatches`)."""
        path = normalize(path)
        matched = False
        for pattern in self.patterns:
            # an inclusion cannot change an already excluded path, nor an exclusion a sent one
            if pattern.exclusion != matched:
                continue
            if pattern.match_or_parent(path):
                matched = not pattern.exclusion
        return matched

    def skips(self, folder: str) -> bool:
        """Whether the build never looks inside the excluded `folder`: BuildKit's walker (fsutil)
        enters an excluded folder only when the text of a `!` pattern starts with the folder's path,
        so `*` then `!**/*.txt` re-includes `b.txt` but not `docs/a.txt`."""
        if not self.excludes(folder):
            return False
        prefix = normalize(folder) + "/"
        return not any(p.exclusion and (p.text + "/").startswith(prefix) for p in self.patterns)

    def sends(self, path: str) -> bool:
        """Whether the build sends the context path `path`: not excluded, and no folder above it skipped."""
        path = normalize(path)
        if path == ".":
            return True  # the context root itself is always sent
        parts = path.split("/")
        if any(self.skips("/".join(parts[:i])) for i in range(1, len(parts))):
            return False
        return not self.excludes(path)


def excludes(pattern: str, path: str) -> bool:
    """Whether the single `.dockerignore` line `pattern` keeps `path` (or a folder above it) out."""
    return IgnoreRules.from_text(pattern).excludes(path)


def ignore_file(root: Path, dockerfile: Path | None = None) -> Path | None:
    """The ignore file BuildKit reads: `<Dockerfile>.dockerignore`, else the context's `.dockerignore`."""
    candidates = [root / ".dockerignore"]
    if dockerfile is not None:
        candidates.insert(0, dockerfile.with_name(dockerfile.name + ".dockerignore"))
    return next((p for p in candidates if p.is_file()), None)


@functools.lru_cache(maxsize=1024)
def _go_match(pattern: str) -> re.Pattern[str]:
    """Go's filepath.Match for one path component (how COPY expands a wildcard source)."""
    out, i, n = "", 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i < n:
            out += re.escape(pattern[i])
            i += 1
        elif ch == "[":
            close = pattern.find("]", i + 1)
            if close < 0:
                return re.compile(r"(?!)")  # ErrBadPattern: COPY fails
            body = pattern[i:close]
            neg = body.startswith("^")
            body = body[1:] if neg else body
            out += "[" + ("^" if neg else "") + body.replace("\\", "\\\\").replace("[", "\\[") + "]"
            i = close + 1
        else:
            out += re.escape(ch)
    return re.compile(out + r"\Z", re.DOTALL)


WILDCARDS = frozenset("*?[")


def go_match(pattern: str, name: str) -> bool:
    """Go's filepath.Match of one path component."""
    return _go_match(pattern).match(name) is not None


def source_matches(source: str, path: str) -> bool:
    """Whether the COPY source `source` (a wildcard) names the context path `path`, component by component."""
    want = normalize(source.lstrip("/") or ".").split("/")
    parts = path.split("/")
    return len(want) == len(parts) and all(go_match(w, p) for w, p in zip(want, parts, strict=True))


class BuildContext:
    """The files of a build context folder, as COPY sees them."""

    def __init__(self, root: Path, dockerfile: Path | None = None, *, ignore: Path | None | bool = True) -> None:
        """`ignore`: the ignore file to read (None: none); by default the one BuildKit picks."""
        self.root = root
        self.ignore_path = ignore_file(root, dockerfile) if ignore is True else ignore or None
        text = self.ignore_path.read_text(encoding="utf-8", errors="replace") if self.ignore_path else ""
        self.rules = IgnoreRules.from_text(text)
        self._listing: list[str] | None = None  # every file sent, once walked in full
        self._real_root = root.resolve()

    def ignored(self, rel: str) -> bool:
        """Whether `.dockerignore` keeps the context path `rel` (posix, relative) out of the build."""
        return not self.rules.sends(rel)

    def _path(self, rel: str) -> Path | None:
        """The file system path of a context path; None outside the context (`..`, or a symlink
        leading out: BuildKit sends the link, not its target)."""
        rel = normalize(rel.lstrip("/") or ".")
        if rel == ".." or rel.startswith("../"):
            return None
        p = self.root / rel
        try:
            inside = p.resolve().is_relative_to(self._real_root)
        except (OSError, RuntimeError):  # a symlink loop
            return None
        return p if inside else None

    def is_file(self, rel: str) -> bool:
        """A file the build sends (exists, not ignored)."""
        p = self._path(rel)
        return p is not None and p.is_file() and not self.ignored(rel)

    def is_dir(self, rel: str) -> bool:
        """A folder the build sends (exists, not itself ignored)."""
        p = self._path(rel)
        return p is not None and p.is_dir() and not self.ignored(rel)

    def exists(self, rel: str) -> bool:
        p = self._path(rel)
        return p is not None and p.exists() and not self.ignored(rel)

    def files_under(self, rel: str) -> Iterator[str]:
        """Context-relative paths of the files the build sends below folder `rel`, sorted."""
        if rel in (".", "") and self._listing is not None:
            yield from self._listing
            return
        found: list[str] = []
        for path in self._walk(rel):
            found.append(path)
            yield path
        if rel in (".", ""):
            self._listing = found  # reached only when the caller read the walk to its end

    def _walk(self, rel: str) -> Iterator[str]:
        p = self._path(rel)
        if p is None or not p.is_dir():
            return
        parts = normalize(rel).split("/")
        if parts != ["."] and any(self.rules.skips("/".join(parts[:i])) for i in range(1, len(parts))):
            return
        for dirpath, dirnames, filenames in os.walk(p):
            base = Path(dirpath).relative_to(self.root).as_posix()
            if base != "." and self.rules.skips(base):
                dirnames[:] = []
                continue
            dirnames[:] = sorted(d for d in dirnames if not self.rules.skips(d if base == "." else f"{base}/{d}"))
            for name in sorted(filenames):
                child = name if base == "." else f"{base}/{name}"
                if not self.rules.excludes(child):
                    yield child

    def present(self, rel: str) -> bool:
        """A file the build sends, or a folder holding at least one."""
        if self.is_file(rel):
            return True
        return next(self.files_under(rel), None) is not None

    def read(self, rel: str) -> str | None:
        """Text of a file the build sends, None when absent or ignored."""
        if not self.is_file(rel):
            return None
        p = self._path(rel)
        assert p is not None
        return p.read_text(encoding="utf-8", errors="replace")

    def expand(self, source: str) -> list[str] | None:
        """The context paths a COPY source names, wildcards expanded per path component as COPY
        does (Go's filepath.Match), sorted; None when the source leaves the context."""
        rel = normalize(source.lstrip("/") or ".")
        if rel == ".." or rel.startswith("../"):
            return None
        if not any(c in rel for c in WILDCARDS):
            return [rel] if self.exists(rel) else []
        found = ["."]
        for part in rel.split("/"):
            nxt: list[str] = []
            for folder in found:
                if not any(c in part for c in WILDCARDS):
                    child = part if folder == "." else f"{folder}/{part}"
                    if self.exists(child):
                        nxt.append(child)
                    continue
                p = self._path(folder)
                if p is None or not p.is_dir():
                    continue
                rx = _go_match(part)
                for name in sorted(os.listdir(p)):
                    child = name if folder == "." else f"{folder}/{name}"
                    if rx.match(name) and self.exists(child):
                        nxt.append(child)
            found = nxt
        return found

    def path(self, rel: str) -> Path | None:
        """The file system path of a context path the build sends."""
        return self._path(rel) if self.exists(rel) else None


def context_of(dockerfile: Path | None, context_dir: Path | None = None) -> BuildContext | None:
    """The build context of a Dockerfile: `context_dir` (`--context`), else the Dockerfile's folder;
    None for a Dockerfile read from standard input without `--context`."""
    df = dockerfile.resolve() if dockerfile is not None else None
    if context_dir is not None:
        return _context(context_dir.resolve() if context_dir.is_dir() else None, df)
    # the folder of a resolved path is resolved already: each resolve costs a stat per path component
    return _context(df.parent if df is not None and df.parent.is_dir() else None, df)


def context_for(root: Path | None, dockerfile: Path | None = None) -> BuildContext | None:
    """The build context in folder `root` (None: unknown) for `dockerfile`, shared by every rule and
    every pass over the files of one run; read afresh when the folder or its ignore file changed
    (a bot reusing a checkout path)."""
    if root is None or not root.is_dir():
        return None
    return _context(root.resolve(), dockerfile.resolve() if dockerfile is not None else None)


def _context(root: Path | None, df: Path | None) -> BuildContext | None:
    """`root` and `df` resolved; `root` an existing folder or None."""
    if root is None:
        return None
    ignore = ignore_file(root, df)
    stat = root.stat()
    # Dockerfiles of one folder share a context unless one has its own ignore file
    return _cached(root, ignore, (stat.st_ino, stat.st_mtime_ns, ignore.stat().st_mtime_ns if ignore else 0))


@functools.lru_cache(maxsize=16)
def _cached(root: Path, ignore: Path | None, stamp: tuple[int, int, int]) -> BuildContext:
    return BuildContext(root, ignore=ignore)
