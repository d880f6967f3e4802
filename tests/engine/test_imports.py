"""The package's import structure (issue 15): only the registry imports a rule, and no two modules
import each other, directly or round a loop, when they are loaded.

Read from the source with `ast`, not by importing: a module-level import runs at load time and forms
the cycles that break loading order; an import inside a function runs late. Imports under
`if TYPE_CHECKING:` never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fixer

PACKAGE = Path(fixer.__file__).parent
REGISTRY = "fixer.engine.rules"
# imports inside a function that close a loop, each for a reason that is not hiding the loop:
# DF005 assesses a Dockerfile of the same tree that builds its base image (assess -> base_user -> assess)
LATE_LOOPS = {("fixer.nonroot.base_user", "fixer.nonroot.assess")}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported (a submodule when `from package import submodule`)
    late: bool  # inside a function
    line: int


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    def __init__(self, name: str, modules: dict[str, Path]) -> None:
        self.name = name
        self.modules = modules
        self.depth = 0
        self.found: list[Import] = []

    def _add(self, target: str, line: int) -> None:
        self.found.append(Import(self.name, target, self.depth > 0, line))

    def visit_If(self, node: ast.If) -> None:
        if _type_checking(node):
            for n in node.orelse:
                self.visit(n)
            return
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:  # relative: resolved against this module's package
            package = self.name.split(".")
            if self.modules[self.name].name != "__init__.py":
                package.pop()
            package = package[: len(package) - node.level + 1]
            base = ".".join(package + ([base] if base else []))
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            self._add(sub if sub in self.modules else base, node.lineno)


def imports() -> Iterator[Import]:
    modules = _modules()
    for name, path in modules.items():
        collector = _Collector(name, modules)
        collector.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        yield from (i for i in collector.found if i.target.startswith("fixer"))


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges.get(v, ()):
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return out


def _graph(late: bool) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for i in imports():
        if i.target != i.source and (late or not i.late):
            edges.setdefault(i.source, set()).add(i.target)
    return edges


def test_only_the_registry_imports_a_rule() -> None:
    # the collector sees the registry's own, function-level import: it would see another module's
    assert any(i.source == REGISTRY and i.target == "fixer.rules" and i.late for i in imports())
    offenders = [
        f"{i.source}:{i.line} imports {i.target}"
        for i in imports()
        if (i.target == "fixer.rules" or i.target.startswith("fixer.rules.")) and i.source != REGISTRY
        and not i.source.startswith("fixer.rules.")
    ]
    assert offenders == []


def test_no_rule_imports_another_rule() -> None:
    offenders = [
        f"{i.source}:{i.line} imports {i.target}"
        for i in imports()
        if i.source.startswith("fixer.rules.") and i.target.startswith("fixer.rules.")
    ]
    assert offenders == []


def test_no_cycle_between_modules_at_load_time() -> None:
    assert cycles(_graph(late=False)) == []


def test_late_imports_close_only_the_loops_listed() -> None:
    """A function-level import may defer loading, but a loop it closes must be one listed above, with
    its reason: a loop hidden by a late import is a cycle all the same."""
    late_edges = {(i.source, i.target) for i in imports() if i.late}
    loops = cycles(_graph(late=True))
    closing = sorted(e for e in late_edges if any(e[0] in c and e[1] in c for c in loops))
    assert set(closing) <= LATE_LOOPS, closing


def test_the_checker_sees_a_cycle() -> None:
    """The checker itself: a loop of three is one component, a chain is none."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}}) == []
