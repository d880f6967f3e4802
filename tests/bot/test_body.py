"""The pull request body from real fixes: complete table, reasons, unsafe call-outs, diffs cut to the limit."""

from __future__ import annotations

import re
from pathlib import Path

from fixer.bot import body
from fixer.bot.fixes import FileFix, FixOptions, FixRun, fix_tree, settings
from fixer.bot.git import Entry
from fixer.bot.gitlab import BODY_LIMIT as GITLAB_LIMIT
from fixer.engine.finding import Finding
from fixer.engine.rules import all_rules


def fixes(root: Path, files: dict[str, str], *select: str) -> tuple[FixRun, dict[str, body.Rule]]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    s = settings(root, FixOptions(select=list(select)))
    run = fix_tree(root, {name: Entry("100644", "blob", "0" * 40) for name in files}, s)
    return run, {r.code: r for r in s.rules}


def rows(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("| `")]


def test_every_fix_has_a_row_a_reason_and_a_diff(tmp_path: Path) -> None:
    run, rules = fixes(
        tmp_path,
        {"Dockerfile": 'FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\nEXPOSE 8080/TCP\nCMD ["curl"]\n'},
        "DF002", "DF005", "DF020",
    )
    text = body.render(run, rules)
    fixed = [f for ff in run.files for f in ff.fixed]
    assert len(rows(text)) == len(fixed) > 0
    for f in fixed:
        assert f"**{f.code}** `{f.name}`" in text
        why = body.sections(rules[f.code].doc)["Why is this bad?"]
        assert why.split("\n")[0] in text
    # the unsafe fix is called out with the rule's own words on fix safety
    assert "> [!WARNING]" in text and "unsafe" in rows(text)[0]
    safety = body.sections(rules["DF005"].doc)["Fix safety"]
    assert " ".join(safety.split())[:80] in text
    assert "<details>\n<summary><code>Dockerfile</code> (+" in text
    assert "```diff\n--- a/Dockerfile\n+++ b/Dockerfile\n" in text


def test_big_diffs_are_cut_first_and_the_table_stays_whole(tmp_path: Path) -> None:
    wide = "LABEL note=" + "x" * 3000 + "\n"
    files = {f"svc{i:02}/Dockerfile": "FROM alpine:3.20\n" + wide * 3 + f"EXPOSE {8000 + i}/TCP\n" + wide * 3 for i in range(40)}
    run, rules = fixes(tmp_path, files, "DF020")
    assert len(run.files) == 40

    text = body.render(run, rules)

    assert len(text) <= body.GITHUB_BODY_LIMIT
    assert len(rows(text)) == 40  # one row per fix, none dropped
    full = len(re.findall(r"^<details>", text, re.M))
    assert 0 < full < 40
    assert "diff cut after" in text or "diff not shown" in text
    assert text.count("diff not shown, the body is at its size limit.") + full == 40
    assert text.endswith("</sub>\n")

    roomy = body.render(run, rules, GITLAB_LIMIT)
    assert len(re.findall(r"^<details>", roomy, re.M)) == 40 and "diff not shown" not in roomy


def test_a_table_too_big_for_the_limit_is_grouped_per_file_and_rule(tmp_path: Path) -> None:
    ports = " ".join(f"{p}/TCP" for p in range(1000, 1800))
    files = {f"app{i}/Dockerfile": f"FROM alpine:3.20\nEXPOSE {ports}\n" for i in range(3)}
    run, rules = fixes(tmp_path, files, "DF020")
    assert sum(len(ff.fixed) for ff in run.files) == 2400

    text = body.render(run, rules)

    assert len(text) <= body.GITHUB_BODY_LIMIT
    assert len(rows(text)) == 3
    assert all("(and 799 more)" in row for row in rows(text))


def test_diff_fence_outgrows_backticks_in_the_file(tmp_path: Path) -> None:
    run, rules = fixes(tmp_path, {"Dockerfile": "FROM alpine:3.20\nLABEL doc=\"```` fenced ````\"\nEXPOSE 1/TCP\n"}, "DF020")
    text = body.render(run, rules)
    assert "`````diff\n" in text and "\n`````\n" in text


def test_cells_escape_pipes_and_html_but_keep_code_spans() -> None:
    assert body._cell("a|b <script> `x|y <z>`\nnext") == "a\\|b &lt;script&gt; `x\\|y <z>` next"


def test_titles_list_the_rules_and_stay_short() -> None:
    def applied(*codes: str) -> FixRun:
        found = [Finding(c, c.lower(), "m", 1, fixed=True) for c in codes]
        return FixRun([FileFix("Dockerfile", "100644", "a", "b", found)])

    rules = {r.code: r for r in all_rules()}
    assert body.title(applied("DF020", "DF002"), rules) == "dockfix: merge RUN instructions, lower-case EXPOSE protocols"
    many = body.title(applied(*sorted(rules)), rules)
    assert len(many) <= body.TITLE_MAX
    assert many.startswith("dockfix: pin base images, merge RUN instructions") and re.search(r" and \d+ more$", many)
    assert body.title(applied("DF999"), rules) == "dockfix: fix DF999"


def test_every_rule_declares_its_own_commit_phrase() -> None:
    phrases = [r.phrase for r in all_rules()]
    assert all(p and p == p.strip() and not p.endswith(".") for p in phrases)
    assert len(set(phrases)) == len(phrases), "two rules would read the same in a commit subject"
