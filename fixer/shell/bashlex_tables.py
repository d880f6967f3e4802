"""bashlex, imported with parser tables that ship inside dockfix instead of being rebuilt on every import.

bashlex builds its LALR tables on every import (about 0.45 s, most of a single-file run): the copy of
ply it bundles reads no table file. The tables are plain data (states, tokens, production names), kept
as JSON beside this module (`bashlex_tables.json`, made by `python -m fixer.shell.bashlex_tables`).
Nothing comes from the user cache: whoever can write that folder (a shared DOCKFIX_CACHE_DIR, a CI cache
restored from a pull request) must not be able to run code or change how scripts parse. When the
installed bashlex is not the one the tables were made from, the tables are built as bashlex builds them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

TABLES = Path(__file__).with_name("bashlex_tables.json")
_FORMAT = 1


def _grammar_id(package_dir: Path) -> str:
    """Identifies the grammar and the table builder: the two files the tables are computed from."""
    h = hashlib.sha256()
    for name in ("parser.py", "yacc.py"):
        h.update((package_dir / name).read_bytes())
    return h.hexdigest()


def load() -> ModuleType:
    if "bashlex" in sys.modules:
        return sys.modules["bashlex"]
    return _import(lambda build, yacc, grammar: _shipped(build, yacc, grammar))


def _import(patch: Any) -> ModuleType:
    """Import bashlex with `patch(build, yacc, grammar id)` standing in for its yacc.yacc."""
    spec = importlib.util.find_spec("bashlex")
    if spec is None or spec.loader is None or spec.origin is None:
        raise ImportError("bashlex is not installed")
    # bashlex/__init__ imports bashlex.parser, which builds the tables: register the package without
    # running its __init__, patch its yacc module, then run the __init__
    package = importlib.util.module_from_spec(spec)
    sys.modules["bashlex"] = package
    try:
        import bashlex.yacc as yacc  # type: ignore[import-untyped]

        build = yacc.yacc
        yacc.yacc = patch(build, yacc, _grammar_id(Path(spec.origin).parent))
        try:
            spec.loader.exec_module(package)
        finally:
            yacc.yacc = build
    except BaseException:
        for name in [m for m in sys.modules if m == "bashlex" or m.startswith("bashlex.")]:
            del sys.modules[name]
        raise
    return package


def _caller_module() -> ModuleType:
    # yacc reads the grammar from its caller's module: that is bashlex.parser, not this wrapper
    return sys.modules[sys._getframe(2).f_globals["__name__"]]


def _shipped(build: Any, yacc: ModuleType, grammar: str) -> Any:
    def from_tables(*args: Any, **kwargs: Any) -> Any:
        module = kwargs.get("module") or _caller_module()
        tables = _read(grammar)
        if tables is None:
            kwargs["module"] = module
            return build(*args, **kwargs)
        productions = []
        for number, (name, symbols, func) in enumerate(tables["productions"]):
            p = yacc.Production(number, name, symbols, func=func)
            p.bind(vars(module))
            productions.append(p)
        lrtab = SimpleNamespace(lr_productions=productions, lr_action=tables["action"], lr_goto=tables["goto"])
        return yacc.LRParser(lrtab, getattr(module, "p_error", None))

    return from_tables


def _read(grammar: str) -> dict[str, Any] | None:
    """The shipped tables when they were made from this grammar; None: build them."""
    try:
        data = json.loads(TABLES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT or data.get("grammar") != grammar:
        return None
    return {
        "productions": data["productions"],
        "action": {int(state): row for state, row in data["action"].items()},
        "goto": {int(state): row for state, row in data["goto"].items()},
    }


def make_tables() -> dict[str, Any]:
    """The tables bashlex builds, as data; run in a process that has not imported bashlex yet."""
    assert "bashlex" not in sys.modules
    made: dict[str, Any] = {"format": _FORMAT}

    def capturing(build: Any, yacc: ModuleType, grammar: str) -> Any:
        def capture(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("module", _caller_module())
            parser = build(*args, **kwargs)
            # copied now: bashlex.parser patches some actions once yacc returns, on every import
            made["grammar"] = grammar
            made["productions"] = [[p.name, list(p.prod), p.func] for p in parser.productions]
            made["action"] = {str(s): dict(row) for s, row in parser.action.items()}
            made["goto"] = {str(s): dict(row) for s, row in parser.goto.items()}
            return parser

        return capture

    _import(capturing)
    return made


if __name__ == "__main__":
    TABLES.write_text(json.dumps(make_tables(), sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
