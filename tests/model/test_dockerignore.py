"""The .dockerignore generator: what it writes for a context, what it leaves out, when it writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.dockerignore import copy_sources, plan, write
from fixer.model.context import BuildContext, IgnoreRules, excludes


def make(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def patterns(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#")]


def test_python_and_node_context(tmp_path: Path) -> None:
    make(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n",
        "requirements.txt": "flask\n", "app.py": "", "web/package.json": "{}", ".git/HEAD": "ref",
    })  # fmt: skip
    p = plan(tmp_path / "Dockerfile")
    assert p is not None and p.path == tmp_path / ".dockerignore"
    got = patterns(p.text)
    assert {".git", ".env", "**/__pycache__", ".venv", "node_modules", "**/node_modules"} <= set(got)
    assert p.languages == ["Python", "Node.js"]
    assert not any(x.startswith("!") for x in got), "an exception pattern disables BuildKit's CopyIgnoredFile check"
    assert len(got) == len(set(got))


def test_go_only_context_gets_no_python_patterns(tmp_path: Path) -> None:
    make(tmp_path, {"Dockerfile": "FROM golang:1.22\nCOPY . .\n", "go.mod": "module x\n", "main.go": ""})
    p = plan(tmp_path / "Dockerfile")
    assert p is not None and p.languages == ["Go"]
    assert "**/__pycache__" not in patterns(p.text) and ".git" in patterns(p.text)


def test_patterns_hiding_a_copy_source_are_left_out(tmp_path: Path) -> None:
    make(tmp_path, {
        "Dockerfile": "FROM node:20\nCOPY .env /app/.env\nCOPY logs/*.log /logs/\nCOPY [\"dist/\", \"/srv/\"]\n",
        "package.json": "{}", "logs/a.log": "", ".gitignore": "/dist/\nbuild\n", "dist/index.js": "",
    })  # fmt: skip
    p = plan(tmp_path / "Dockerfile")
    assert p is not None
    got = patterns(p.text)
    assert ".env" not in got and "**/*.log" not in got and "dist" not in got
    assert "build" in got, "a build output the .gitignore ignores and no COPY reads"
    assert {pat for pat, _ in p.left_out} == {".env", "**/*.log", "dist"}
    # read back the way DF004 reads a context: every COPY source is still sent
    make(tmp_path, {".dockerignore": p.text})
    ctx = BuildContext(tmp_path, tmp_path / "Dockerfile")
    for src in (".env", "logs/a.log", "dist/index.js"):
        assert not ctx.ignored(src), src
    assert ctx.ignored(".git") and ctx.ignored("build/x") and ctx.ignored("node_modules/a/b.js")


@pytest.mark.parametrize("existing", [".dockerignore", "Dockerfile.dockerignore"])
def test_existing_ignore_file_means_nothing_to_do(tmp_path: Path, existing: str) -> None:
    make(tmp_path, {"Dockerfile": "FROM alpine:3.20\n", existing: "x\n"})
    assert plan(tmp_path / "Dockerfile") is None


def test_context_other_than_the_dockerfile_folder(tmp_path: Path) -> None:
    make(tmp_path, {"docker/Dockerfile": "FROM python:3.12\nCOPY src/ /src/\n", "src/app.py": ""})
    p = plan(tmp_path / "docker" / "Dockerfile", tmp_path)
    assert p is not None and p.path == tmp_path / ".dockerignore" and "Python" in p.languages


def test_write_never_overwrites(tmp_path: Path) -> None:
    make(tmp_path, {"Dockerfile": "FROM alpine:3.20\n"})
    p = plan(tmp_path / "Dockerfile")
    assert p is not None
    write(p)
    assert (tmp_path / ".dockerignore").read_text() == p.text
    with pytest.raises(FileExistsError):
        write(p)


def test_copy_sources_skip_stages_urls_and_heredocs() -> None:
    text = (
        "FROM alpine:3.20 AS b\nFROM alpine:3.20\nCOPY --from=b /x /x\nADD https://e.com/a /a\n"
        "COPY <<EOF /f\nhi\nEOF\nCOPY ./a/../b c/ /d/\nONBUILD COPY e /e\n"
    )
    assert copy_sources(text) == ["b", "c"]


@pytest.mark.parametrize(
    "pattern,path,hit",
    [
        (".git", ".git/HEAD", True),
        (".git", "sub/.git", False),
        ("**/*.log", "a.log", True),
        ("**/*.log", "x/y/a.log", True),
        ("**/*.py[cod]", "pkg/m.pyc", True),
        ("**/*.py[cod]", "pkg/m.py", False),
        ("node_modules", "web/node_modules", False),
        ("**/node_modules", "web/node_modules/x", True),
        ("vendor/bundle", "vendor/bundle/gems", True),
    ],
)
def test_matching(pattern: str, path: str, hit: bool) -> None:
    assert excludes(pattern, path) is hit
    # DF004's reader agrees on what the pattern excludes: one matcher for both
    assert IgnoreRules.from_text(pattern + "\n").excludes(path) is hit


def test_sibling_dockerfiles_sharing_the_context(tmp_path: Path) -> None:
    make(tmp_path, {"Dockerfile": "FROM node:20\nCOPY . .\n", "Dockerfile.dev": "FROM node:20\nCOPY .env .\n", "package.json": "{}"})
    alone = plan(tmp_path / "Dockerfile")
    both = plan(tmp_path / "Dockerfile", also=[tmp_path / "Dockerfile.dev"])
    assert alone is not None and both is not None
    assert ".env" in patterns(alone.text) and ".env" not in patterns(both.text)


def test_cli_shows_writes_and_checks_the_generated_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY app.py /app/\n")
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "app.py").write_text("print(1)\n")
    base = [sys.executable, "-m", "fixer", "--ignore", "ALL", "--dockerignore"]

    shown = subprocess.run([*base, "Dockerfile"], cwd=tmp_path, capture_output=True, text=True)
    assert shown.returncode == 0 and "+++ b/" in shown.stdout and "__pycache__" in shown.stdout
    assert not (tmp_path / ".dockerignore").exists(), "--diff wrote"

    checked = subprocess.run([*base, "--check", "Dockerfile"], cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 1

    written = subprocess.run([*base, "--write", "Dockerfile"], cwd=tmp_path, capture_output=True, text=True)
    assert written.returncode == 0, written.stderr
    text = (tmp_path / ".dockerignore").read_text()
    assert "__pycache__" in text and "app.py" not in text
    # once it exists, nothing more to do
    again = subprocess.run([*base, "--check", "Dockerfile"], cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0
