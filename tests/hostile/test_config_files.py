"""Broken and hostile configuration (issue 17, "Configuration"): exit 2 with one line naming the file and what
is wrong, never a traceback and never a silent fallback to other settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.hostile.run import ROOT, dockfix, one_error_line

FIXABLE = "FROM debian:12\nRUN echo a\nRUN echo b\n"


def _project(tmp_path: Path, **files: str) -> Path:
    (tmp_path / "Dockerfile").write_text(FIXABLE)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('tool = "dockfix"\n', "`tool` must be a table"),
        ("[tool]\ndockfix = 1\n", "`tool.dockfix` must be a table"),
        ('[tool]\ndockfix = ["select"]\n', "`tool.dockfix` must be a table"),
    ],
)
def test_pyproject_of_the_wrong_shape_is_named(tmp_path: Path, text: str, reason: str) -> None:
    _project(tmp_path, **{"pyproject.toml": text})
    r = dockfix(tmp_path, "--offline", "Dockerfile")
    assert r.returncode == 2
    assert one_error_line(r.stderr) == f"dockfix: error: {tmp_path / 'pyproject.toml'}: {reason}"


def test_malformed_pyproject_holding_dockfix_settings_is_an_error_not_skipped(tmp_path: Path) -> None:
    # the parent's settings would apply silently: here they would select a rule the project meant to drop
    (tmp_path / ".dockfix.toml").write_text('select = ["ALL"]\n')
    project = tmp_path / "app"
    project.mkdir()
    _project(project, **{"pyproject.toml": '[tool.dockfix]\nignore = ["DF002"\n'})
    r = dockfix(project, "--offline", "Dockerfile")
    assert r.returncode == 2
    line = one_error_line(r.stderr)
    assert line == f"dockfix: error: {project / 'pyproject.toml'}:2: not valid TOML (Unclosed array)"


def test_malformed_pyproject_without_dockfix_settings_is_not_dockfix_s_business(tmp_path: Path) -> None:
    (tmp_path / ".dockfix.toml").write_text('select = ["DF002"]\n')
    project = tmp_path / "app"
    project.mkdir()
    _project(project, **{"pyproject.toml": "[project\nname = 'x'\n"})
    r = dockfix(project, "--offline", "--check", "Dockerfile")
    assert r.returncode == 1, r.stderr
    assert "DF002" in r.stdout and "DF005" not in r.stdout, "the parent's .dockfix.toml applies"


def test_deeply_nested_hadolint_config_is_named(tmp_path: Path) -> None:
    _project(tmp_path, **{".hadolint.yaml": "ignored: " + "[" * 20000 + "]" * 20000 + "\n"})
    r = dockfix(tmp_path, "--offline", "Dockerfile")
    assert r.returncode == 2
    line = one_error_line(r.stderr)
    assert line.startswith(f"dockfix: error: {tmp_path / '.hadolint.yaml'}: "), line
    assert "nested" in line


def test_deeply_nested_dockfix_toml_is_named(tmp_path: Path) -> None:
    _project(tmp_path, **{".dockfix.toml": "select = " + "[" * 20000 + "]" * 20000 + "\n"})
    r = dockfix(tmp_path, "--offline", "Dockerfile")
    assert r.returncode == 2
    line = one_error_line(r.stderr)
    assert line.startswith(f"dockfix: error: {tmp_path / '.dockfix.toml'}: "), line


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('select = ["DF002", "ZZZ999"]\n', "select"),
        ('ignore = ["ZZZ999"]\n', "ignore"),
        ('[per-file-ignores]\n"*" = ["ZZZ999"]\n', 'per-file-ignores."*"'),
    ],
)
def test_a_rule_code_that_names_no_rule_is_an_error_naming_key_and_value(tmp_path: Path, toml: str, key: str) -> None:
    _project(tmp_path, **{".dockfix.toml": toml})
    r = dockfix(tmp_path, "--offline", "Dockerfile")
    assert r.returncode == 2
    assert one_error_line(r.stderr) == (
        f"dockfix: error: {tmp_path / '.dockfix.toml'}: `{key}`: unknown rule 'ZZZ999'"
    )


def test_per_file_ignores_by_code_prefix_and_name_are_still_accepted(tmp_path: Path) -> None:
    toml = '[per-file-ignores]\n"Dockerfile" = ["DF0", "consecutive-run", "ALL"]\n'
    _project(tmp_path, **{".dockfix.toml": toml})
    r = dockfix(tmp_path, "--offline", "--check", "Dockerfile")
    assert r.returncode == 0, r.stderr


def test_pragma_naming_no_rule_is_reported_by_show_unused_pragmas(tmp_path: Path) -> None:
    # DF002 is suppressed, so the pragma is used; the code beside it silences nothing, ever
    text = "FROM debian:12\nRUN echo a\n# dockfix: ignore=DF002,ZZZ999\nRUN echo b\n"
    (tmp_path / "Dockerfile").write_text(text)
    r = dockfix(tmp_path, "--isolated", "--offline", "--select", "DF002", "--show-unused-pragmas", "Dockerfile")
    assert r.returncode == 0, r.stderr
    assert "Dockerfile:3:1: unused pragma: # dockfix: ignore=DF002,ZZZ999 (`ZZZ999` names no rule)" in r.stdout.splitlines()


def _toml_examples() -> list[tuple[str, str]]:
    """(where, text) of every ```toml block in README.md and docs/, as the reader sees it."""
    out = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for m in re.finditer(r"^```toml\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
            line = text.count("\n", 0, m.start()) + 1
            out.append((f"{doc.relative_to(ROOT)}:{line}", m.group(1)))
    return out


EXAMPLES = _toml_examples()


def test_the_docs_hold_a_configuration_example() -> None:
    assert any("[rules." in text for _, text in EXAMPLES), "README's configuration example was found"


@pytest.mark.parametrize(("where", "text"), EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_every_configuration_example_in_the_docs_is_accepted_as_written(tmp_path: Path, where: str, text: str) -> None:
    name = "pyproject.toml" if re.search(r"^\[tool\.dockfix", text, re.MULTILINE) else ".dockfix.toml"
    _project(tmp_path, **{name: text})
    r = dockfix(tmp_path, "--offline", "--check", "Dockerfile")
    assert "error" not in r.stderr, f"{where}: {r.stderr}"
    assert r.returncode in (0, 1), f"{where}: {r.stderr}"
