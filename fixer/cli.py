"""The `dockfix` command: `--diff` (default), `--write` and `--check` share one code path, as in black."""

from __future__ import annotations

import enum
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from fixer.diff import colorize, unified_diff
from fixer.engine.finding import Applicability, Finding
from fixer.files import InputError, decode, discover, read, write_atomic

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)


class Color(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


class Format(str, enum.Enum):
    text = "text"
    json = "json"


class Pin(str, enum.Enum):
    tag = "tag"
    digest = "digest"


def _split(values: list[str] | None) -> list[str]:
    return [t.strip() for v in values or [] for t in v.split(",") if t.strip()]


@dataclass
class FileOutcome:
    name: str
    changed: bool = False
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    diff: list[str] = field(default_factory=list)


def _use_color(choice: Color, stream: Any) -> bool:
    if choice is Color.always:
        return True
    if choice is Color.never:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


@app.command(context_settings={"help_option_names": ["-h", "--help"]})
def dockfix(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Files or directories; '-' reads stdin.")] = None,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of the fixes; write nothing (default).")] = False,
    write: Annotated[bool, typer.Option("--write", help="Rewrite changed files in place.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 if any file would change.")] = False,
    select: Annotated[Optional[list[str]], typer.Option(help="Rules to run: codes, names, prefixes or ALL.")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(help="Rules to skip: codes, names, prefixes or ALL.")] = None,
    unsafe_fixes: Annotated[
        Optional[bool], typer.Option("--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that may change behaviour.")
    ] = None,
    output_format: Annotated[Format, typer.Option("--format", help="Report format.")] = Format.text,
    color: Annotated[Color, typer.Option(help="Colour the diff.")] = Color.auto,
    pin: Annotated[Pin, typer.Option(help="DF001: pin to a version tag or to tag@digest.")] = Pin.tag,
    offline: Annotated[bool, typer.Option("--offline", help="DF001: use cached registry answers only.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="DF001: ignore the registry answer cache.")] = False,
    registry_timeout: Annotated[float, typer.Option(help="DF001: seconds per registry request.")] = 10.0,
    context: Annotated[Optional[Path], typer.Option(help="DF004: the build context (default: the Dockerfile's folder).")] = None,
    target: Annotated[Optional[str], typer.Option(help="DF005: the stage that is the final image.")] = None,
) -> None:
    """Fix Dockerfiles: pin base images, merge RUNs, clean package caches, reorder COPY, run as non-root."""
    from fixer.engine.rules import RuleContext, UnknownRuleError, select_rules

    if sum((diff, write, check)) > 1:
        _usage("--diff, --write and --check are mutually exclusive")
    try:
        rules = select_rules(_split(select) or ["ALL"], _split(ignore))
    except UnknownRuleError as e:
        _usage(str(e))
    options: dict[str, dict[str, Any]] = {
        "DF001": {"pin": pin.value, "offline": offline, "no_cache": no_cache, "timeout": registry_timeout},
    }
    ctx = RuleContext(options=options, target=target, context_dir=context)
    if any(r.code == "DF001" for r in rules):
        ctx.resolver = _make_resolver(options["DF001"])

    mode = "write" if write else "check" if check else "diff"
    human = output_format is Format.text
    out_stream = sys.stdout
    inputs = _inputs(paths or ["."])
    outcomes: list[FileOutcome] = []
    for name, path in inputs:
        if path is None and name != "-":
            outcomes.append(FileOutcome(name, error=name))  # discovery error message
            continue
        outcome = _process(name, path, rules, ctx, unsafe_fixes, mode, human)
        outcomes.append(outcome)
        if human and outcome.diff and mode == "diff":
            lines = colorize(outcome.diff) if _use_color(color, out_stream) else outcome.diff
            out_stream.write("".join(lines))
    _report(outcomes, mode, output_format)
    if any(o.error for o in outcomes):
        raise typer.Exit(2)
    if mode == "check" and any(o.changed for o in outcomes):
        raise typer.Exit(1)


def _usage(message: str) -> None:
    sys.stderr.write(f"dockfix: error: {message}\n")
    raise typer.Exit(2)


def _make_resolver(options: dict[str, Any]) -> Any:
    try:
        from fixer.images.resolve import make_resolver
    except ImportError:
        return None
    return make_resolver(options)


def _inputs(paths: list[str]) -> list[tuple[str, Path | None]]:
    """(display name, path) per file; path None with the name holding an error for a bad argument."""
    out: list[tuple[str, Path | None]] = []
    for p in paths:
        if p == "-":
            out.append(("-", None))
            continue
        path = Path(p)
        try:
            if path.is_dir():
                found = list(discover(path))
                if not found:
                    out.append((f"{p}: no Dockerfiles found", None))
                out.extend((str(f), f) for f in found)
            elif path.exists() or path.is_symlink():
                out.append((p, path))
            else:
                out.append((f"{p}: no such file or directory", None))
        except PermissionError:
            out.append((f"{p}: permission denied", None))
        except OSError as e:
            out.append((f"{p}: cannot read ({e.strerror})", None))
    return out


def _allow(rules_unsafe: Optional[bool]) -> Any:
    from fixer.engine.rules import all_rules

    by_default = {r.code for r in all_rules() if r.unsafe_by_default}

    def allow(f: Finding) -> bool:
        if f.fix is None:
            return False
        if f.fix.applicability is Applicability.SAFE:
            return True
        if rules_unsafe is None:
            return f.code in by_default
        return rules_unsafe

    return allow


def _process(
    name: str, path: Path | None, rules: Any, ctx: Any, unsafe: Optional[bool], mode: str, human: bool
) -> FileOutcome:
    from fixer.engine.pipeline import FixedPointError, fix_text
    from fixer.syntax import ParseError

    outcome = FileOutcome(name)
    try:
        text = decode(sys.stdin.buffer.read(), "<stdin>") if path is None else read(path)
        ctx.path = path
        result = fix_text(text, rules, ctx, allow=_allow(unsafe))
    except InputError as e:
        outcome.error = str(e)
        return outcome
    except ParseError as e:
        outcome.error = f"{name}:{e.line}: {e.reason}"
        return outcome
    except FixedPointError as e:
        outcome.error = f"{name}: internal error, left unchanged: {e} (please report this)"
        return outcome
    outcome.findings = result.findings
    outcome.changed = result.changed
    if path is None and mode == "write":
        if human:
            sys.stdout.write(result.output)
        return outcome
    if result.changed:
        if mode == "write":
            try:
                write_atomic(path, result.output)  # type: ignore[arg-type]
            except OSError as e:
                outcome.error = f"{name}: cannot write ({e.strerror})"
        else:
            outcome.diff = unified_diff(result.source, result.output, f"a/{name}", f"b/{name}")
    return outcome


def _report(outcomes: list[FileOutcome], mode: str, fmt: Format) -> None:
    for o in outcomes:
        if o.error:
            sys.stderr.write(f"dockfix: error: {o.error}\n")
    if fmt is Format.json:
        rows = [
            {
                "file": o.name,
                "line": f.line,
                "column": f.column,
                "code": f.code,
                "name": f.name,
                "message": f.message,
                "fixable": f.fixable,
                "applicability": f.applicability,
                "fixed": f.fixed,
                "hadolint": list(f.hadolint),
            }
            for o in outcomes
            for f in o.findings
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    # in text mode, stdout carries the fixed text when stdin is written back
    stream = sys.stderr if mode == "write" and any(o.name == "-" for o in outcomes) else sys.stdout
    fixed = remaining = 0
    for o in outcomes:
        for f in o.findings:
            if f.fixed:
                fixed += 1
                if mode == "write":
                    continue
            else:
                remaining += 1
            mark = " [*]" if f.fixed else ""
            hint = " (unsafe fix available with --unsafe-fixes)" if not f.fixed and f.fixable else ""
            stream.write(f"{o.name}:{f.line}:{f.column}: {f.code} {f.name}{mark} {f.message}{hint}\n")
    changed = sum(1 for o in outcomes if o.changed)
    verb = "fixed" if mode == "write" else "fixable"
    summary = f"{fixed} {verb}, {remaining} remaining"
    if mode == "check" and changed:
        summary += f"; {changed} file{'s' if changed != 1 else ''} would change"
    stream.write(summary + "\n")


def main() -> None:
    app(prog_name="dockfix")
