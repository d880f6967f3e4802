"""Fixture pairs shared by every rule's tests (the pyupgrade way: input → expected, plus must-not-change).

A rule's folder `fixtures/<rule-name>/` holds `CASE.in.Dockerfile` with `CASE.out.Dockerfile` (what the
fix must produce, byte for byte) and `CASE.keep.Dockerfile` (must come out unchanged). An optional
`CASE.args` holds extra options as `key=value` lines (`unsafe=true`; `unsafe=default` for the policy a
user gets without --unsafe-fixes, where a rule may apply its unsafe fix by default); a `CASE.context/`
folder is the build context for rules that read it.

Every case runs as `dockfix` runs a file: options through `prepare` (checked against the rules'
declarations), then the one `fix_file`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fixer.engine.pipeline import Result
from fixer.prepare import RunOptions, prepare
from fixer.runner import fix_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def case_options(path: Path) -> dict[str, str]:
    args = path.with_name(path.name.split(".")[0] + ".args")
    if not args.exists():
        return {}
    return dict(ln.split("=", 1) for ln in read(args).splitlines() if "=" in ln)


def run(
    text: str,
    select: str,
    *,
    unsafe: bool | None = False,
    path: Path | None = None,
    context_dir: Path | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    resolver: Any = None,
    target: str | None = None,
    config: Path | None = None,
) -> Result:
    """Fix `text` with the selected rules as `dockfix` would.

    `unsafe`: True/False as --unsafe-fixes/--no-unsafe-fixes, None as neither (the configured or default
    policy); `config`: a config file to read (otherwise none is). No registry is asked unless `resolver` is given.
    """
    opts = RunOptions(
        select=select.split(","),
        unsafe_fixes=unsafe,
        rule_options=options or {},
        target=target,
        context=context_dir,
        isolated=config is None,
        config_file=config,
        no_hadolint_config=True,
        resolver=resolver,
        registry=False,
    )
    return fix_file(text, path, prepare(path or Path.cwd(), opts)).result


def _unsafe(opts: dict[str, str], given: bool | None) -> bool | None:
    value = opts.get("unsafe")
    if value == "default":
        return None
    return value == "true" or bool(given)


def pairs(rule_dir: str) -> list[Any]:
    """(input path, expected path) parameters for every `*.in.Dockerfile` of the rule's folder."""
    folder = FIXTURES / rule_dir
    found = [
        pytest.param(p, p.with_name(p.name.replace(".in.", ".out.")), id=p.name.split(".")[0])
        for p in sorted(folder.glob("*.in.Dockerfile"))
    ]
    assert found, f"no fixture pairs in {folder}"
    return found


def keeps(rule_dir: str) -> list[Any]:
    """Paths of every `*.keep.Dockerfile` of the rule's folder."""
    folder = FIXTURES / rule_dir
    found = [pytest.param(p, id=p.name.split(".")[0]) for p in sorted(folder.glob("*.keep.Dockerfile"))]
    assert found, f"no must-not-change fixtures in {folder}"
    return found


def context_for(path: Path) -> Path | None:
    ctx = path.with_name(path.name.split(".")[0] + ".context")
    return ctx if ctx.is_dir() else None


def check_pair(src: Path, expected: Path, select: str, **kw: Any) -> None:
    """The fix gives the expected text, and running again on it changes nothing."""
    unsafe = _unsafe(case_options(src), kw.pop("unsafe", False))
    kw.setdefault("context_dir", context_for(src))
    out = run(read(src), select, unsafe=unsafe, path=src, **kw).output
    assert out == read(expected)
    again = run(out, select, unsafe=unsafe, path=src, **kw).output
    assert again == out, "a second run changed the output"


def check_keep(src: Path, select: str, **kw: Any) -> None:
    unsafe = _unsafe(case_options(src), kw.pop("unsafe", False))
    kw.setdefault("context_dir", context_for(src))
    text = read(src)
    assert run(text, select, unsafe=unsafe, path=src, **kw).output == text
