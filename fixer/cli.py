"""The `dockfix` command: `--diff` (default), `--write` and `--check` share one code path, as in black."""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from fixer.engine.rules import Service
from fixer.flags import split as split_flags
from fixer.flags import with_rule_flags
from fixer.report import FileOutcome

if TYPE_CHECKING:
    from fixer.prepare import Prepared

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)
# with rich installed, typer escapes "[default: …]" for rich markup even when markup is off: `\[default: text]`
typer.core.HAS_RICH = False


class Color(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


class Format(str, enum.Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


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


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        sys.stdout.write(f"dockfix {version('dockfix')}\n")
        raise typer.Exit()


def _fail(message: str) -> None:
    sys.stderr.write(f"dockfix: error: {message}\n")
    raise typer.Exit(2)


@app.command(context_settings={"help_option_names": ["-h", "--help"]})
@with_rule_flags()
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
    config: Annotated[Optional[Path], typer.Option(help="Read settings from this file only.")] = None,
    isolated: Annotated[bool, typer.Option("--isolated", help="Ignore every configuration file.")] = False,
    no_hadolint_config: Annotated[
        bool, typer.Option("--no-hadolint-config", help="Do not honour .hadolint.yaml's `ignored` list.")
    ] = False,
    statistics: Annotated[bool, typer.Option("--statistics", help="Print counts per rule.")] = False,
    show_fixes: Annotated[bool, typer.Option("--show-fixes", help="List what was fixed in each file.")] = False,
    show_unused_pragmas: Annotated[
        bool, typer.Option("--show-unused-pragmas", help="Report `# dockfix:` pragmas that suppress nothing.")
    ] = False,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="Print the rules and exit.")] = False,
    explain: Annotated[Optional[str], typer.Option(help="Print a rule's documentation and exit.")] = None,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_version)
    ] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="Files processed in parallel (default: CPUs).")] = None,
    dockerignore: Annotated[
        bool, typer.Option("--dockerignore", help="Also create a .dockerignore where a build has none (per mode).")
    ] = False,
    **rule_flags: Any,  # the rules' declared flags (--pin, --offline, --context, --target, ...)
) -> None:
    """Fix Dockerfiles: pin base images, merge RUNs, clean package caches, reorder COPY, run as non-root."""
    from fixer import report
    from fixer.engine.rules import all_rules
    from fixer.prepare import RunOptions, SetupError, prepare
    from fixer.prepare import split_tokens as _split

    if list_rules:
        sys.stdout.write(report.rules_table(all_rules()))
        return
    if explain:
        found = [r for r in all_rules() if explain.upper() == r.code or explain.lower() == r.name]
        if not found:
            _fail(f"unknown rule {explain!r}")
        sys.stdout.write(f"{found[0].code} {found[0].name}\n\n{found[0].doc}\n")
        return
    if sum((diff, write, check)) > 1:
        _fail("--diff, --write and --check are mutually exclusive")

    targets = paths or ["."]
    first = Path(targets[0]) if targets[0] != "-" else Path.cwd()
    options, services = split_flags(rule_flags)
    context = services.get(Service.CONTEXT)
    opts = RunOptions(
        select=_split(select),
        ignore=_split(ignore),
        unsafe_fixes=unsafe_fixes,
        rule_options=options,
        target=services.get(Service.TARGET),
        context=context,
        isolated=isolated,
        config_file=config,
        no_hadolint_config=no_hadolint_config,
    )
    try:
        run = prepare(first, opts)
    except SetupError as e:
        _fail(str(e))
    rules, settings = run.rules, run.config

    mode = "write" if write else "check" if check else "diff"
    human = output_format is Format.text
    inputs = _inputs(targets, settings)
    from fixer.runner import Job, default_workers, prefetch, run_jobs

    # with registry lookups on, they are all made first (each distinct one once) and the workers read the answers
    workers = jobs or default_workers()

    job_list = [Job(name, path, mode) for name, path in inputs]
    if run.networked:
        prefetch(run, [p for _, p in inputs if p is not None])
    outcomes: list[FileOutcome] = []
    try:
        for outcome in run_jobs(job_list, run, workers, show_unused_pragmas, progress=human):
            outcomes.append(outcome)
            if human and outcome.diff and mode == "diff":
                lines = _colorize(outcome.diff) if _use_color(color, sys.stdout) else outcome.diff
                sys.stdout.write("".join(lines))
                sys.stdout.flush()
    finally:
        run.close()

    if dockerignore:
        outcomes.extend(_dockerignores([p for _, p in inputs if p is not None], context, mode, human))

    for o in outcomes:
        if o.error and output_format is not Format.github:
            sys.stderr.write(f"dockfix: error: {o.error}\n")
    if output_format is Format.json:
        report.write_json(sys.stdout, outcomes)
    elif output_format is Format.sarif:
        import json

        sys.stdout.write(json.dumps(report.sarif(outcomes, rules), indent=2) + "\n")
    elif output_format is Format.github:
        report.write_github(sys.stdout, outcomes)
    else:
        # stdout carries the fixed text when stdin is written back
        stream = sys.stderr if mode == "write" and any(o.name == "-" for o in outcomes) else sys.stdout
        report.write_text(stream, outcomes, mode)
        if statistics:
            report.write_statistics(stream, outcomes)
        if show_fixes:
            report.write_show_fixes(stream, outcomes)
    if any(o.error for o in outcomes):
        raise typer.Exit(2)
    if mode == "check" and any(o.changed for o in outcomes):
        raise typer.Exit(1)


def _colorize(lines: list[str]) -> list[str]:
    from fixer.diff import colorize

    return colorize(lines)


def _dockerignores(paths: list[Path], context: Path | None, mode: str, human: bool) -> list[FileOutcome]:
    """A generated .dockerignore per build context that has none: shown, written or checked like a fix."""
    import difflib

    from fixer import dockerignore
    from fixer.files import InputError

    groups: dict[Path, list[Path]] = {}
    for p in paths:
        groups.setdefault((context or p.parent).resolve(), []).append(p)
    outcomes = []
    for ctx_dir, files in groups.items():
        try:
            plan = dockerignore.plan(files[0], ctx_dir, also=files[1:])
        except InputError:
            # the file's own error is reported; without its COPY sources no pattern is known to be safe
            continue
        if plan is None:
            continue
        outcome = FileOutcome(str(plan.path), changed=True)
        if mode == "write":
            try:
                dockerignore.write(plan)
            except OSError as e:
                outcome.error = f"{plan.path}: cannot write ({e.strerror})"
        elif mode == "diff" and human:
            sys.stdout.write("".join(difflib.unified_diff([], plan.text.splitlines(True), "/dev/null", f"b/{plan.path}")))
        if human:
            for pattern, source in plan.left_out:
                sys.stdout.write(f"{plan.path}: left out `{pattern}`: it would hide COPY source `{source}`\n")
        outcomes.append(outcome)
    return outcomes


def _inputs(paths: list[str], settings: Any) -> list[tuple[str, Path | None]]:
    """(display name, path) per file; path None with the name holding an error for a bad argument."""
    from fixer.files import discover, quote

    out: list[tuple[str, Path | None]] = []
    for p in paths:
        if p == "-":
            out.append(("-", None))
            continue
        path = Path(p)
        try:
            if path.is_dir():
                found = [f for f in discover(path) if not settings.excluded(f)]
                if not found:
                    out.append((f"{quote(p)}: no Dockerfiles found", None))
                out.extend((quote(str(f)), f) for f in found)
            elif path.exists() or path.is_symlink():
                out.append((quote(p), path))  # named explicitly: processed whatever its name or exclusions
            else:
                out.append((f"{quote(p)}: no such file or directory", None))
        except PermissionError:
            out.append((f"{quote(p)}: permission denied", None))
        except OSError as e:
            out.append((f"{quote(p)}: cannot read ({e.strerror})", None))
    return out


def _terminate(signum: int, frame: object) -> None:
    # unwinds like Ctrl-C does, so a write in progress removes its temp file (fixer.files.write_atomic)
    raise SystemExit(128 + signum)


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    app(prog_name="dockfix")
