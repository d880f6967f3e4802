"""The rule registry: a rule is a check function registered, with its declaration, by the `@rule` decorator.

Every module in `fixer.rules` is imported on first use, so adding a rule means adding one module. What a
rule needs beyond the tree (options, services) and what its fixes are like is declared in `@rule(...)` as
data: the command lines, config validation, the bot and the docs all read that one declaration.
"""

from __future__ import annotations

import enum
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
# what a file's text needs looked up (DF001's registry references): gathered for every file and looked
# up together, before any file is fixed
Lookups = Callable[[str], list[Any]]


class Fixes(enum.Enum):
    """What a rule's fixes are like: always safe, always unsafe, either depending on the case, or none."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    SOMETIMES = "sometimes"
    NONE = "none"


class Service(enum.Enum):
    """Things beyond the tree a rule may ask the per-file context for; each has one command-line flag."""

    RESOLVER = "resolver"  # the registry resolver (with its cache and credentials)
    CONTEXT = "context"  # the build context folder
    TARGET = "target"  # the stage that is the final image

    @property
    def flag(self) -> str | None:
        return {Service.CONTEXT: "--context", Service.TARGET: "--target"}.get(self)

    @property
    def help(self) -> str:
        return {
            Service.RESOLVER: "the registry resolver",
            Service.CONTEXT: "the build context (default: the Dockerfile's folder)",
            Service.TARGET: "the stage that is the final image (default: the last)",
        }[self]


@dataclass(frozen=True)
class Option:
    """One option a rule accepts, in config (`[tool.dockfix.rules.<code>]`) and, with a flag, on the command line."""

    name: str
    type: type
    default: Any
    help: str
    flag: str | None = None  # e.g. "--pin"; None: config only
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    check: Check
    hadolint: tuple[str, ...] = ()
    buildkit: tuple[str, ...] = ()
    # DF005: the mission wants `--write` to apply its unsafe fix unless configured otherwise
    unsafe_by_default: bool = False
    options: tuple[Option, ...] = ()
    services: frozenset[Service] = frozenset()
    fixes: Fixes = Fixes.NONE
    # a short imperative phrase for commit subjects and pull request titles ("pin base images")
    phrase: str = ""
    lookups: Lookups | None = None

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        """The first sentence of 'What it does'."""
        lines = [ln for ln in self.doc.splitlines() if ln.strip() and not ln.startswith("#")]
        return lines[0] if lines else self.name

    def option_named(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


_REGISTRY: dict[str, Rule] = {}
_loaded = False


def rule(
    code: str,
    name: str,
    *,
    fixes: Fixes,
    phrase: str,
    hadolint: Iterable[str] = (),
    buildkit: Iterable[str] = (),
    unsafe_by_default: bool = False,
    options: Iterable[Option] = (),
    services: Iterable[Service] = (),
    lookups: Lookups | None = None,
) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if code in _REGISTRY:
            raise RuntimeError(f"rule code {code} registered twice")
        _REGISTRY[code] = Rule(
            code,
            name,
            check,
            tuple(hadolint),
            tuple(buildkit),
            unsafe_by_default,
            tuple(options),
            frozenset(services),
            fixes,
            phrase,
            lookups,
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


@dataclass(frozen=True)
class FileContext:
    """What the rules may know about one file beyond its tree. Built once per file; never changed."""

    path: Path | None = None
    context_dir: Path | None = None  # the build context named on the command line
    target: str | None = None
    resolver: Any = None  # the registry resolver; None when no selected rule needs it
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # by rule code

    def for_rule(self, r: Rule) -> RuleContext:
        return RuleContext(self, r)


class ServiceNotDeclared(RuntimeError):
    """A rule asked for a service its `@rule(...)` does not declare: a dockfix bug."""


_MISSING: Any = object()


@dataclass(frozen=True)
class RuleContext:
    """One rule's view of the file context: its own options, the services it declared, and `report`."""

    file: FileContext
    rule: Rule

    @property
    def path(self) -> Path | None:
        return self.file.path

    def _service(self, s: Service) -> None:
        if s not in self.rule.services:
            raise ServiceNotDeclared(f"{self.rule.code} uses the {s.value} service without declaring it")

    @property
    def context_dir(self) -> Path | None:
        self._service(Service.CONTEXT)
        return self.file.context_dir

    @property
    def target(self) -> str | None:
        self._service(Service.TARGET)
        return self.file.target

    @property
    def resolver(self) -> Any:
        self._service(Service.RESOLVER)
        return self.file.resolver

    def option(self, key: str, default: Any = _MISSING) -> Any:
        """The configured value of one of the rule's declared options, else `default`, else the declared default."""
        declared = self.rule.option_named(key)
        if declared is None:
            raise KeyError(f"{self.rule.code} reads option {key!r} it does not declare")
        given = self.file.options.get(self.rule.code, {})
        if key in given and given[key] is not None:
            return given[key]
        return declared.default if default is _MISSING else default

    def silenced(self, df: Dockerfile, instruction: int) -> bool:
        """Whether a pragma of `df` silences this rule at that instruction (its findings there are dropped)."""
        from fixer.engine.suppression import silences

        return silences(df, self.rule, instruction)

    def report(
        self,
        df: Dockerfile,
        at: int,
        message: str,
        fix: Fix | None = None,
        instruction: int | None = None,
    ) -> Finding:
        """A finding of this rule at text offset `at`."""
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
            offset=at,
        )
