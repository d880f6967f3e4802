"""Running the fixes over a checkout, in memory, with the same rules and safety as `dockfix --write`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fixer.bot.git import Entry
from fixer.engine.finding import Applicability, Finding
from fixer.engine.rules import Rule, RuleContext

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


@dataclass
class FixOptions:
    """What the command line says about the fixes; None and empty mean "as the repository's config says"."""

    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    unsafe_fixes: bool | None = None
    pin: str | None = None
    offline: bool = False
    no_cache: bool = False
    registry_timeout: float | None = None
    target: str | None = None
    isolated: bool = False


@dataclass
class Settings:
    rules: list[Rule]
    ctx: RuleContext
    allow: Any
    config: Any  # fixer.config.Settings: exclusions and per-file ignores


def settings(root: Path, opts: FixOptions) -> Settings:
    """Rules, context and unsafe-fix policy as `dockfix --write` builds them, from `root`'s own config files."""
    from fixer.bot.errors import UsageError
    from fixer.config import ConfigError, find_config, find_hadolint_config, hadolint_ignored, load
    from fixer.config import Settings as Config
    from fixer.engine.rules import UnknownRuleError, all_rules, select_rules
    from fixer.runner import allow_policy

    known = {r.code: dict(r.options) for r in all_rules()}
    config = Config()
    try:
        if not opts.isolated:
            found = _inside(find_config(root), root)
            if found:
                config = load(found, known)
            hl = _inside(find_hadolint_config(root), root)
            if hl:
                config.hadolint_ignored = hadolint_ignored(hl)
    except ConfigError as e:
        raise UsageError(f"the repository's configuration: {e}".replace(str(root) + "/", "")) from None
    by_hadolint = [r.code for r in all_rules() if set(r.hadolint) & set(config.hadolint_ignored)]
    try:
        rules = select_rules(opts.select or config.select, [*(opts.ignore or config.ignore), *by_hadolint])
    except UnknownRuleError as e:
        raise UsageError(str(e)) from None
    options: dict[str, dict[str, Any]] = {code: dict(o) for code, o in config.rule_options.items()}
    df001 = options.setdefault("DF001", {})
    df001["pin"] = opts.pin or config.pin
    df001["offline"] = opts.offline or df001.get("offline", False)
    df001["no_cache"] = opts.no_cache or df001.get("no_cache", False)
    if opts.registry_timeout is not None:
        df001["timeout"] = opts.registry_timeout
    ctx = RuleContext(options=options, target=opts.target)
    if any(r.code == "DF001" for r in rules):
        from fixer.images.resolve import make_resolver

        ctx.resolver = make_resolver(df001)
    unsafe = opts.unsafe_fixes if opts.unsafe_fixes is not None else config.unsafe_fixes
    return Settings(rules, ctx, allow_policy(unsafe), config)


def _inside(path: Path | None, root: Path) -> Path | None:
    """Config files count only inside the repository: the folders above a checkout are not its settings."""
    if path is None:
        return None
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return path


def fix_tree(root: Path, tracked: Mapping[str, Entry], s: Settings) -> FixRun:
    """Fix every Dockerfile under `root` that git tracks; nothing is written."""
    from fixer.engine.pipeline import FixedPointError, fix_text
    from fixer.files import InputError, discover, read
    from fixer.syntax import ParseError

    run = FixRun()
    for path in discover(root):
        rel = path.relative_to(root).as_posix()
        entry = tracked.get(rel)
        # untracked files are not the repository's; a symlink's target is fixed under its own name
        if entry is None or entry.kind != "blob" or entry.mode == SYMLINK or s.config.excluded(path):
            continue
        dropped = {t.upper() for t in s.config.ignores_for(path)}
        rules = [r for r in s.rules if r.code not in dropped and r.name.upper() not in dropped]
        try:
            text = read(path)
            s.ctx.path = path
            result = fix_text(text, rules, s.ctx, allow=s.allow)
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
