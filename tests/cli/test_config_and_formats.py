"""Configuration files, hadolint's config, output formats and rule listing, through the real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

DOCKFIX = [sys.executable, "-m", "fixer"]
DIRTY = "FROM alpine:3.20\nEXPOSE 80/TCP\n"
DATA = Path(__file__).parents[1] / "data"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([*DOCKFIX, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DIRTY)
    return tmp_path


def test_dockfix_toml_ignore_is_honoured(repo: Path) -> None:
    (repo / ".dockfix.toml").write_text('select = ["DF020"]\nignore = ["expose-proto-casing"]\n')
    assert run("--check", "Dockerfile", cwd=repo).returncode == 0
    assert run("--check", "--isolated", "Dockerfile", cwd=repo).returncode == 1


def test_pyproject_section_found_walking_up(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.dockfix]\nselect = ["DF020"]\n')
    sub = repo / "svc"
    sub.mkdir()
    (sub / "Dockerfile").write_text(DIRTY)
    r = run("--check", "--format", "json", "Dockerfile", cwd=sub)
    assert r.returncode == 1, r.stderr
    # the default rule set also reports the root user here: only the parent's selection gives DF020 alone
    assert [(row["code"], row["line"]) for row in json.loads(r.stdout)] == [("DF020", 2)]
    isolated = run("--check", "--format", "json", "--isolated", "Dockerfile", cwd=sub)
    assert {row["code"] for row in json.loads(isolated.stdout)} > {"DF020"}


def test_dockfix_toml_wins_over_pyproject(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.dockfix]\nignore = ["DF020"]\n')
    (repo / ".dockfix.toml").write_text('select = ["DF020"]\n')
    assert run("--check", "Dockerfile", cwd=repo).returncode == 1


def test_explicit_config_file(repo: Path) -> None:
    cfg = repo / "ci.toml"
    cfg.write_text('select = ["DF020"]\nignore = ["DF020"]\n')
    assert run("--check", "--config", str(cfg), "Dockerfile", cwd=repo).returncode == 0


@pytest.mark.parametrize(
    "content,needle",
    [
        ("colour = true\n", "unknown key `colour`"),
        ('pin = "branch"\n', "`pin` must be"),
        ("unsafe-fixes = 3\n", "`unsafe-fixes` must be true or false"),
        ('select = ["DF999"]\n', "unknown rule 'DF999'"),
        ("[rules.DF020]\nfoo = 1\n", "`rules.DF020.foo`: unknown option"),
        ("[rules.nope]\nfoo = 1\n", "`rules.nope`: unknown rule"),
        ("select = [\n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_one_line_error(repo: Path, content: str, needle: str) -> None:
    (repo / ".dockfix.toml").write_text(content)
    r = run("--check", "Dockerfile", cwd=repo)
    assert r.returncode == 2
    assert needle in r.stderr and ".dockfix.toml" in r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert (repo / "Dockerfile").read_text() == DIRTY


def test_per_file_ignores_and_exclude(repo: Path) -> None:
    (repo / "legacy").mkdir()
    (repo / "legacy" / "Dockerfile").write_text(DIRTY)
    (repo / "vendor").mkdir()
    (repo / "vendor" / "Dockerfile").write_text(DIRTY)
    (repo / ".dockfix.toml").write_text(
        'select = ["DF020"]\nexclude = ["vendor/*"]\n[per-file-ignores]\n"legacy/*" = ["DF020"]\n'
    )
    r = run("--check", "--format", "json", ".", cwd=repo)
    files = {row["file"] for row in json.loads(r.stdout)}
    assert files == {"Dockerfile"}


def test_hadolint_yaml_ignored_list_silences_answering_rules(repo: Path) -> None:
    # DF003 answers hadolint's DL3009 and flags line 2; DF010 (DL3042) flags line 3 and must stay
    (repo / "Dockerfile").write_text(
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl python3-pip\nRUN pip install flask\n"
    )
    select = ("--format", "json", "--select", "DF003,DF010", "Dockerfile")
    base = json.loads(run(*select, cwd=repo).stdout)
    assert [(row["code"], row["line"], row["hadolint"]) for row in base] == [("DF003", 2, ["DL3009"]), ("DF010", 3, ["DL3042"])]
    (repo / ".hadolint.yaml").write_text("ignored:\n  - DL3009\n")
    quiet = json.loads(run(*select, cwd=repo).stdout)
    assert [row["code"] for row in quiet] == ["DF010"]
    again = json.loads(run("--no-hadolint-config", *select, cwd=repo).stdout)
    assert again == base


def test_sarif_is_valid_against_the_official_schema(repo: Path) -> None:
    schema = json.loads((DATA / "sarif-2.1.0-rtm.5.json").read_text())
    r = run("--format", "sarif", "Dockerfile", cwd=repo)
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, schema)
    run_ = doc["runs"][0]
    rules = {x["id"]: x for x in run_["tool"]["driver"]["rules"]}
    assert rules["DF020"]["name"] == "expose-proto-casing"
    assert rules["DF020"]["helpUri"].endswith("#df020-expose-proto-casing")
    res = next(x for x in run_["results"] if x["ruleId"] == "DF020")
    change = res["fixes"][0]["artifactChanges"][0]["replacements"][0]
    # the replacement, applied to the original text, gives the fix
    off, length = change["deletedRegion"]["charOffset"], change["deletedRegion"]["charLength"]
    assert DIRTY[:off] + change["insertedContent"]["text"] + DIRTY[off + length :] == DIRTY.replace("TCP", "tcp")


def test_github_annotations(repo: Path) -> None:
    r = run("--format", "github", "--select", "DF020", "Dockerfile", cwd=repo)
    [line] = r.stdout.splitlines()  # one annotation, nothing else on stdout
    assert line.startswith("::notice file=Dockerfile,line=2,col=11,title=DF020 expose-proto-casing::Protocol `TCP`")


def test_statistics_and_show_fixes(repo: Path) -> None:
    r = run("--write", "--select", "DF020", "--statistics", "--show-fixes", "Dockerfile", cwd=repo)
    assert "     1  DF020  expose-proto-casing  (1 fixed)" in r.stdout
    assert "Dockerfile:\n    2:11 DF020 expose-proto-casing:" in r.stdout


def test_list_rules_and_explain(repo: Path) -> None:
    table = run("--list-rules", cwd=repo).stdout
    assert table.splitlines()[0].split() == ["code", "name", "fix", "hadolint", "buildkit"]
    assert any(ln.split()[:3] == ["DF020", "expose-proto-casing", "safe"] for ln in table.splitlines())
    doc = run("--explain", "expose-proto-casing", cwd=repo).stdout
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert section in doc
    assert run("--explain", "DF999", cwd=repo).returncode == 2


def test_unused_pragmas_are_reported(repo: Path) -> None:
    (repo / "Dockerfile").write_text("FROM a\n# dockfix: ignore=DF020\nRUN true\n# dockfix: ignore=DF020\nEXPOSE 1/TCP\n")
    r = run("--show-unused-pragmas", "--select", "DF020", "Dockerfile", cwd=repo)
    assert "Dockerfile:2:1: unused pragma: # dockfix: ignore=DF020" in r.stdout
    assert "Dockerfile:4:1" not in r.stdout


def test_check_directive_skips_buildkit_checks(repo: Path) -> None:
    (repo / "Dockerfile").write_text("# check=skip=ExposeProtoCasing\nFROM a\nEXPOSE 1/TCP\n")
    assert run("--check", "--select", "DF020", "Dockerfile", cwd=repo).returncode == 0
    (repo / "Dockerfile").write_text("# check=skip=JSONArgsRecommended\nFROM a\nEXPOSE 1/TCP\n")
    assert run("--check", "--select", "DF020", "Dockerfile", cwd=repo).returncode == 1, "another check skipped"


def test_parallel_jobs_keep_order(tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"{i:02d}.Dockerfile").write_text(DIRTY)
    one = run("--format", "json", "--select", "DF020", "-j", "1", ".", cwd=tmp_path)
    many = run("--format", "json", "--select", "DF020", "-j", "2", ".", cwd=tmp_path)
    assert json.loads(one.stdout) == json.loads(many.stdout)
    assert [r["file"] for r in json.loads(many.stdout)] == sorted(f"{i:02d}.Dockerfile" for i in range(12))


def test_python_dash_m_works(repo: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "fixer", "--check", "--select", "DF020", "Dockerfile"], cwd=repo)
    assert r.returncode == 1
