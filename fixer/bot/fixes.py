"""Running the fixes over a checkout, in memory, with the same rules and safety as `dockfix --write`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fixer.bot.git import Entry
from fixer.engine.finding import Applicability, Finding
from fixer.prepare import Prepared, RunOptions, SetupError, prepare

SYMLINK = "120000"


@dataclass
class FileFix:
    """One Dockerfile the fixes change."""

    path: str  # relative to the repository root, with "/"
    mode: str  # git file mode, kept in the commit
    source: str
    output: str
    findings: list[Finding]

    @property
    def fixed(self) -> list[Finding]:
        return [f for f in self.findings if f.fixed]

    @property
    def unsafe(self) -> list[Finding]:
        return [f for f in self.fixed if f.fix is not None and f.fix.applicability is Applicability.UNSAFE]


@dataclass
class FixRun:
    files: list[FileFix] = field(default_factory=list)
    # files that could not be fixed (unreadable, unparsable): reported, never part of the commit
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.files)


# the bot's options and setup are dockfix's own: one code path for both commands
FixOptions = RunOptions


def settings(root: Path, opts: FixOptions) -> Prepared:
    """Rules, context and unsafe-fix policy as `dockfix --write` builds them, from `root`'s own config files.

    Config files count only inside the repository: the folders above a checkout are not its settings.
    """
    from fixer.bot.errors import UsageError

    try:
        return prepare(root, opts, within=root)
    except SetupError as e:
        raise UsageError(f"the repository's configuration: {e}".replace(str(root) + "/", "")) from None


def fix_tree(root: Path, tracked: Mapping[str, Entry], s: Prepared) -> FixRun:
    """Fix every Dockerfile under `root` that git tracks; nothing is written."""
    from fixer.engine.pipeline import FixedPointError
    from fixer.files import InputError, discover, read
    from fixer.runner import fix_file
    from fixer.syntax import ParseError

    run = FixRun()
    for path in discover(root):
        rel = path.relative_to(root).as_posix()
        entry = tracked.get(rel)
        # untracked files are not the repository's; a symlink's target is fixed under its own name
        if entry is None or entry.kind != "blob" or entry.mode == SYMLINK or s.config.excluded(path):
            continue
        try:
            result = fix_file(read(path), path, s).result
        except InputError as e:
            run.problems.append(str(e).replace(str(root) + "/", ""))
            continue
        except ParseError as e:
            run.problems.append(f"{rel}:{e.line}: {e.reason}")
            continue
        except FixedPointError as e:
            run.problems.append(f"{rel}: internal error, left unchanged: {e} (please report this)")
            continue
        if result.changed:
            run.files.append(FileFix(rel, entry.mode, result.source, result.output, result.findings))
    return run
