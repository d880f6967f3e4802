"""pre-commit hooks, the GitHub Action's shell steps, and the generated rule docs, tested for real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DIRTY = "FROM alpine:3.20\nEXPOSE 80/TCP\n"


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "user"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    git("config", "user.email", "t@example.invalid", cwd=repo)
    git("config", "user.name", "t", cwd=repo)
    (repo / "Dockerfile").write_text(DIRTY)
    (repo / "notes.txt").write_text("FROM a\n")
    git("add", ".", cwd=repo)
    git("commit", "-qm", "init", cwd=repo)
    return repo


@pytest.mark.network
def test_pre_commit_hook_fixes_and_reports_modified_files(user_repo: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    # the user's own config narrows the hook to one rule (try-repo cannot pass hook args)
    (user_repo / ".dockfix.toml").write_text('select = ["DF020"]\n')
    git("add", ".", cwd=user_repo)
    git("commit", "-qm", "config", cwd=user_repo)
    r = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "dockfix", "--all-files"],
        cwd=user_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "files were modified by this hook" in out
    fixed = (user_repo / "Dockerfile").read_text()
    assert "EXPOSE 80/tcp" in fixed
    assert (user_repo / "notes.txt").read_text() == "FROM a\n", "a file that is not a Dockerfile was touched"


def _steps() -> list[dict[str, object]]:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert {"args", "format", "upload-sarif"} <= set(action["inputs"])
    return list(action["runs"]["steps"])


def _expand(value: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        if expr.startswith("steps."):
            return outputs.get(expr.split(".")[-1], "")
        raise AssertionError(f"expression the test does not know: {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", sub, value)


def _enabled(step: dict[str, object], inputs: dict[str, str]) -> bool:
    cond = str(step.get("if", "true"))
    m = re.search(r"inputs\.([\w-]+) == '(\w+)'", cond)
    return not m or inputs[m.group(1)] == m.group(2)


def source_copy(tmp_path: Path) -> Path:
    """The checkout without its local state: pip builds in the source folder (build/, *.egg-info),
    which must be a copy, never the user's checkout."""
    copy = tmp_path / "dockfix-src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".mypy_cache", ".pytest_cache", ".hypothesis"))
    return copy


def run_action(workspace: Path, tmp_path: Path, inputs: dict[str, str]) -> tuple[list[subprocess.CompletedProcess[str]], dict[str, str]]:
    """Run the action's bash steps as a GitHub runner would: its env variables, a fresh Python environment."""
    action_path = source_copy(tmp_path)
    venv = tmp_path / "runner-python"
    if not venv.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    output_file = runner_temp / "github_output"
    base_env = {
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
        "HOME": os.environ["HOME"],  # the test's own (tests/conftest.py)
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(action_path),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_OUTPUT": str(output_file),
    }
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "PIP_TRUSTED_HOST"):
        if key in os.environ:
            base_env[key] = os.environ[key]
    results = []
    outputs: dict[str, str] = {}
    for step in _steps():
        if "run" not in step or not _enabled(step, inputs):
            continue  # `uses:` steps are GitHub's own actions (setup-python, upload-sarif)
        env = {**base_env, **{k: _expand(str(v), inputs, outputs) for k, v in dict(step.get("env", {})).items()}}  # type: ignore[arg-type]
        script = _expand(str(step["run"]), inputs, outputs)
        r = subprocess.run(["bash", "-e", "-c", script], cwd=workspace, env=env, capture_output=True, text=True, timeout=900)
        results.append(r)
        if output_file.exists():
            outputs.update(ln.split("=", 1) for ln in output_file.read_text().splitlines() if "=" in ln)  # type: ignore[misc]
    return results, outputs


@pytest.mark.network
def test_action_runs_dockfix_with_github_annotations_and_sarif(user_repo: Path, tmp_path: Path) -> None:
    inputs = {"args": "--check --select DF020 .", "format": "github", "upload-sarif": "true", "python-version": "3.12"}
    results, outputs = run_action(user_repo, tmp_path, inputs)
    install, check, sarif = results
    assert install.returncode == 0, install.stderr
    assert check.returncode == 1, "the check step must fail the job when a file would change"
    assert "::notice file=Dockerfile,line=2,col=11,title=DF020 expose-proto-casing::" in check.stdout
    assert sarif.returncode == 0, sarif.stderr
    import json

    doc = json.loads(Path(outputs["file"]).read_text())
    assert doc["version"] == "2.1.0" and doc["runs"][0]["results"][0]["ruleId"] == "DF020"
    assert (user_repo / "Dockerfile").read_text() == DIRTY, "--check wrote"


def test_rule_docs_are_complete_and_generated_file_is_current() -> None:
    from fixer.engine.rules import all_rules
    from fixer.report import rules_markdown

    rules = all_rules()
    for r in rules:
        heads = re.findall(r"^## (.+)$", r.doc, re.MULTILINE)
        assert heads[:4] == ["What it does", "Why is this bad?", "Example", "Fix safety"], f"{r.code} docs sections: {heads}"
        assert re.fullmatch(r"DF\d{3}", r.code) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name)
    current = (ROOT / "docs" / "rules.md").read_text()
    assert current == rules_markdown(rules), "docs/rules.md is out of date: run `make docs`"
