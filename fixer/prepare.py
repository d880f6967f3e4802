"""From options and config files to what a run needs: rules, their context, and the unsafe-fix policy.

`dockfix` and `dockfix-bot` both start here, so the two commands cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fixer.config import Settings as Config
from fixer.engine.rules import FileContext, Rule


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
    # rule options given on the command line, by rule code; None (or a False switch) means not given
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    target: str | None = None
    context: Path | None = None
    isolated: bool = False
    config_file: Path | None = None
    no_hadolint_config: bool = False
    resolver: Any = None  # a registry resolver to use instead of making one (tests, a caller's own)
    registry: bool = True  # False: no resolver is made, rules that would ask a registry do without (tests)


@dataclass
class Prepared:
    rules: list[Rule]
    ctx: FileContext  # every file's context but its path
    allow: Any  # Callable[[Finding], bool]
    config: Config  # exclusions and per-file ignores
    unsafe: bool | None

    @property
    def networked(self) -> bool:
        """A rule may ask a registry: files then share one resolver in one process."""
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


def declared_options() -> dict[str, dict[str, type]]:
    """Rule code -> {option: type} as the rules declare them: what config files may set."""
    from fixer.engine.rules import all_rules

    return {r.code: {o.name: o.type for o in r.options} for r in all_rules()}


def load_settings(start: Path, opts: RunOptions, within: Path | None = None) -> Config:
    """The configuration for files under `start`; with `within`, only config files inside that folder count."""
    from fixer.config import ConfigError, find_config, find_hadolint_config, hadolint_ignored, load

    known = declared_options()
    try:
        if opts.isolated:
            return Config()
        if opts.config_file is not None:
            settings = load(opts.config_file, known)
        else:
            found = _inside(find_config(start), within)
            settings = load(found, known) if found else Config()
        if not opts.no_hadolint_config:
            hl = _inside(find_hadolint_config(start), within)
            if hl is not None:
                settings.hadolint_ignored = hadolint_ignored(hl)
    except ConfigError as e:
        raise SetupError(str(e)) from None
    return settings


def _given(value: Any) -> bool:
    # a switch left off on the command line is no answer: the configuration still decides
    return value is not None and value is not False


def rule_options(settings: Config, given: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each rule's options: the command line over the config file over the declared defaults."""
    from fixer.engine.rules import all_rules

    out: dict[str, dict[str, Any]] = {}
    for r in all_rules():
        mine = out[r.code] = {o.name: o.default for o in r.options}
        mine.update(settings.rule_options.get(r.code, {}))
        for key, value in given.get(r.code, {}).items():
            if r.option_named(key) is None:
                raise SetupError(f"{r.code} has no option {key!r}")
            if _given(value):
                mine[key] = value
    unknown = sorted(set(given) - set(out))
    if unknown:
        raise SetupError(f"options given for unknown rule {unknown[0]!r}")
    # the config's top-level `pin` predates per-rule tables: it is DF001's pin unless that is set
    df001 = out.setdefault("DF001", {})
    if not _given(given.get("DF001", {}).get("pin")) and "pin" not in settings.rule_options.get("DF001", {}):
        df001["pin"] = settings.pin
    return out


def prepare(start: Path, opts: RunOptions, within: Path | None = None) -> Prepared:
    from fixer.engine.rules import Service, UnknownRuleError, all_rules, select_rules
    from fixer.runner import allow_policy

    settings = load_settings(start, opts, within)
    # command-line rule selection replaces the configured one, as in ruff
    by_hadolint = [r.code for r in all_rules() if set(r.hadolint) & set(settings.hadolint_ignored)]
    try:
        rules = select_rules(opts.select or settings.select, [*(opts.ignore or settings.ignore), *by_hadolint])
    except UnknownRuleError as e:
        raise SetupError(f"{e} (in --select/--ignore or {settings.source or 'the defaults'})") from None
    options = rule_options(settings, opts.rule_options)
    resolver = opts.resolver
    if resolver is None and opts.registry and any(Service.RESOLVER in r.services for r in rules):
        from fixer.images.resolve import make_resolver

        # the registry options are declared by DF001, whichever rule asks the registry
        resolver = make_resolver(options["DF001"])
    ctx = FileContext(options=options, target=opts.target, context_dir=opts.context, resolver=resolver)
    unsafe = opts.unsafe_fixes if opts.unsafe_fixes is not None else settings.unsafe_fixes
    return Prepared(rules, ctx, allow_policy(unsafe), settings, unsafe)
