"""The rule registry: a rule is a check function registered by the `@rule` decorator.

Every module in `fixer.rules` is imported on first use, so adding a rule means adding one module.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fixer.engine.finding import Finding, Fix

if TYPE_CHECKING:
    from fixer.syntax import Dockerfile

Check = Callable[["Dockerfile", "RuleContext"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    check: Check
    hadolint: tuple[str, ...] = ()
    buildkit: tuple[str, ...] = ()
    # DF005: the mission wants `--write` to apply its unsafe fix unless configured otherwise
    unsafe_by_default: bool = False
    # options users may set in config under [tool.dockfix.rules.<code or name>], with their types
    options: Mapping[str, type] = field(default_factory=dict)

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        """The first sentence of 'What it does'."""
        lines = [ln for ln in self.doc.splitlines() if ln.strip() and not ln.startswith("#")]
        return lines[0] if lines else self.name


_REGISTRY: dict[str, Rule] = {}
_loaded = False


def rule(
    code: str,
    name: str,
    *,
    hadolint: Iterable[str] = (),
    buildkit: Iterable[str] = (),
    unsafe_by_default: bool = False,
    options: Mapping[str, type] | None = None,
) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if code in _REGISTRY:
            raise RuntimeError(f"rule code {code} registered twice")
        _REGISTRY[code] = Rule(
            code, name, check, tuple(hadolint), tuple(buildkit), unsafe_by_default, dict(options or {})
        )
        return check

    return register


def all_rules() -> list[Rule]:
    global _loaded
    if not _loaded:
        import fixer.rules as pkg

        for mod in pkgutil.iter_modules(pkg.__path__):
            importlib.import_module(f"{pkg.__name__}.{mod.name}")
        _loaded = True
    return sorted(_REGISTRY.values(), key=lambda r: r.code)


class UnknownRuleError(ValueError):
    pass


def _matches(r: Rule, token: str) -> bool:
    t = token.strip()
    return t.upper() == "ALL" or t.upper() == r.code or t.lower() == r.name or (
        # a code prefix selects a family, as in ruff: DF0 selects DF001..DF099
        len(t) >= 2 and r.code.startswith(t.upper()) and t[:2].upper() == "DF"
    )


def select_rules(select: Iterable[str] = ("ALL",), ignore: Iterable[str] = ()) -> list[Rule]:
    """Rules picked by `--select` minus `--ignore`; tokens are codes, code prefixes, names or ALL."""
    rules = all_rules()
    sel = [t for t in select if t.strip()]
    ign = [t for t in ignore if t.strip()]
    for token in [*sel, *ign]:
        if token.strip().upper() != "ALL" and not any(_matches(r, token) for r in rules):
            raise UnknownRuleError(f"unknown rule {token.strip()!r}")
    return [r for r in rules if any(_matches(r, t) for t in sel) and not any(_matches(r, t) for t in ign)]


@dataclass
class RuleContext:
    """What a rule may know beyond the tree: where the file is, its options, shared services."""

    path: Path | None = None
    context_dir: Path | None = None
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    target: str | None = None
    # DF001's image resolver; created by the command line, None when no rule needs it
    resolver: Any = None
    rule: Rule | None = None

    def option(self, key: str, default: Any) -> Any:
        assert self.rule is not None
        return self.options.get(self.rule.code, {}).get(key, default)

    def report(
        self,
        df: Dockerfile,
        at: int,
        message: str,
        fix: Fix | None = None,
        instruction: int | None = None,
    ) -> Finding:
        """A finding of the running rule at text offset `at`."""
        assert self.rule is not None
        line, col = df.position(at)
        return Finding(
            code=self.rule.code,
            name=self.rule.name,
            message=message,
            line=line,
            column=col,
            fix=fix,
            instruction=instruction,
            hadolint=self.rule.hadolint,
            buildkit=self.rule.buildkit,
        )
