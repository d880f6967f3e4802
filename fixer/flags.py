"""Command-line flags made from the rules' declarations, for `dockfix` and `dockfix-bot` alike.

A rule option with a `flag` becomes that flag; a service with a flag (`--context`, `--target`) is offered
when some rule declares it. A command takes them as `**rule_flags` and hands them to `split` for RunOptions.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Optional, TypeVar

import typer

from fixer.engine.rules import Option, Rule, Service, all_rules

F = TypeVar("F", bound=Callable[..., Any])


def _param(flag: str) -> str:
    return "rule_" + flag.lstrip("-").replace("-", "_")


def _annotation(r: Rule, o: Option) -> tuple[Any, Any]:
    help = f"{r.code}: {o.help}."
    if o.type is bool:
        return Annotated[bool, typer.Option(o.flag, help=help)], False
    kind: Any = o.type
    if o.choices:
        kind = enum.Enum(o.name.title(), {c: c for c in o.choices}, type=str)  # type: ignore[misc,no-redef]
    return Annotated[Optional[kind], typer.Option(o.flag, help=help)], None


def _services(rules: list[Rule]) -> list[tuple[Service, list[str]]]:
    return [(s, [r.code for r in rules if s in r.services]) for s in Service if s.flag]


def with_rule_flags(without: frozenset[Service] = frozenset()) -> Callable[[F], F]:
    """Give a command (which takes `**rule_flags`) one parameter per declared flag, as typer reads them.

    `without`: services the command does not offer (the bot has no one build context for a checkout).
    """

    def add(command: F) -> F:
        return _add_flags(command, without)

    return add


def _add_flags(command: F, without: frozenset[Service]) -> F:
    from pathlib import Path

    sig = inspect.signature(command, eval_str=True)
    params = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    rules = all_rules()
    for r in rules:
        for o in r.options:
            if o.flag:
                annotation, default = _annotation(r, o)
                params.append(inspect.Parameter(_param(o.flag), inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation))
    for s, codes in _services(rules):
        if codes and s not in without:
            assert s.flag is not None
            kind: Any = Path if s is Service.CONTEXT else str
            help = f"{', '.join(codes)}: {s.help}."
            annotation = Annotated[Optional[kind], typer.Option(s.flag, help=help)]
            params.append(inspect.Parameter(_param(s.flag), inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation))
    command.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = {**command.__annotations__, **{p.name: p.annotation for p in params[len(sig.parameters) - 1 :]}}
    return command


def split(given: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[Service, Any]]:
    """The values typer passed for the generated flags: rule options by code, and the services' values."""
    options: dict[str, dict[str, Any]] = {}
    for r in all_rules():
        for o in r.options:
            if o.flag and _param(o.flag) in given:
                value = given[_param(o.flag)]
                options.setdefault(r.code, {})[o.name] = value.value if isinstance(value, enum.Enum) else value
    services = {s: given.get(_param(s.flag)) for s in Service if s.flag}
    return options, services
