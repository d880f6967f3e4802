"""From options and config files to what a run needs: rules, their context, and the unsafe-fix policy.

`dockfix` and `dockfix-bot` both start here, so the two commands cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fixer.config import Settings
from fixer.engine.rules import Rule, RuleContext


def split_tokens(values: list[str] | None) -> list[str]:
    """`--select A,B --select C` → [A, B, C]."""
    return [t.strip() for v in values or [] for t in v.split(",") if t.strip()]


class SetupError(Exception):
    """A usage or configuration error: one line, naming the file and key where there is one."""


@dataclass
class RunOptions:
    """What the command line says; None and empty mean "as the configuration says"."""

    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    unsafe_fixes: bool | None = None
    pin: str | None = None
    offline: bool = False
    no_cache: bool = False
    registry_timeout: float | None = None
    target: str | None = None
    context: Path | None = None
    isolated: bool = False
    config_file: Path | None = None
    no_hadolint_config: bool = False


@dataclass
class Prepared:
    rules: list[Rule]
    ctx: RuleContext
    allow: Any  # Callable[[Finding], bool]
    config: Settings  # exclusions and per-file ignores
    unsafe: bool | None

    @property
    def networked(self) -> bool:
        """DF001 may ask a registry: files then share one resolver in one process."""
        return self.ctx.resolver is not None and not self.ctx.options.get("DF001", {}).get("offline", False)

    def close(self) -> None:
        if self.ctx.resolver is not None:
            self.ctx.resolver.close()


def _inside(path: Path | None, root: Path | None) -> Path | None:
    if path is None or root is None:
        return path
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return path


def load_settings(start: Path, opts: RunOptions, within: Path | None = None) -> Settings:
    """The configuration for files under `start`; with `within`, only config files inside that folder count."""
    from fixer.config import ConfigError, find_config, find_hadolint_config, hadolint_ignored, load
    from fixer.engine.rules import all_rules

    known = {r.code: dict(r.options) for r in all_rules()}
    try:
        if opts.isolated:
            return Settings()
        if opts.config_file is not None:
            settings = load(opts.config_file, known)
        else:
            found = _inside(find_config(start), within)
            settings = load(found, known) if found else Settings()
        if not opts.no_hadolint_config:
            hl = _inside(find_hadolint_config(start), within)
            if hl is not None:
                settings.hadolint_ignored = hadolint_ignored(hl)
    except ConfigError as e:
        raise SetupError(str(e)) from None
    return settings


def prepare(start: Path, opts: RunOptions, within: Path | None = None) -> Prepared:
    from fixer.engine.rules import UnknownRuleError, all_rules, select_rules
    from fixer.runner import allow_policy

    settings = load_settings(start, opts, within)
    # command-line rule selection replaces the configured one, as in ruff
    by_hadolint = [r.code for r in all_rules() if set(r.hadolint) & set(settings.hadolint_ignored)]
    try:
        rules = select_rules(opts.select or settings.select, [*(opts.ignore or settings.ignore), *by_hadolint])
    except UnknownRuleError as e:
        raise SetupError(f"{e} (in --select/--ignore or {settings.source or 'the defaults'})") from None
    options: dict[str, dict[str, Any]] = {code: dict(o) for code, o in settings.rule_options.items()}
    df001 = options.setdefault("DF001", {})
    df001["pin"] = opts.pin or settings.pin
    df001["offline"] = opts.offline or df001.get("offline", False)
    df001["no_cache"] = opts.no_cache or df001.get("no_cache", False)
    if opts.registry_timeout is not None:
        df001["timeout"] = opts.registry_timeout
    ctx = RuleContext(options=options, target=opts.target, context_dir=opts.context)
    if any(r.code == "DF001" for r in rules):
        from fixer.images.resolve import make_resolver

        ctx.resolver = make_resolver(df001)
    unsafe = opts.unsafe_fixes if opts.unsafe_fixes is not None else settings.unsafe_fixes
    return Prepared(rules, ctx, allow_policy(unsafe), settings, unsafe)
