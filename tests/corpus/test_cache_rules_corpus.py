"""The package-cache family (DF003, DF006-DF012) over every file of the shared corpus.

After fixing with these rules only (safe fixes, as `dockfix --write` applies them):
- the output parses under BuildKit's parser with the same number of instructions, and every RUN it
  changed is valid shell (`dash -n`);
- a second run changes nothing;
- hadolint reports no code for a file that it did not report before, and every finding left of a code
  these rules answer is either on an instruction the rule reported without a safe fix, or one of the
  documented places where hadolint and the rule disagree (`_HADOLINT_DISAGREES`).

hadolint is slow (it runs ShellCheck on every RUN): it only looks at files that mention a package
manager, in two parallel batches, and its answers are kept in pytest's cache keyed by the exact text
and hadolint's version, so a re-run only asks about outputs that changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dockerfile
import pytest

from fixer.engine.finding import Finding
from fixer.engine.pipeline import fix_text
from fixer.engine.rules import FileContext, select_rules
from fixer.syntax import ParseError, parse
from tests.support.corpus import SHARED, available, is_dockerfile, label, read
from tests.support.package_scripts import changed_scripts, syntax_ok

CODES = ("DF003", "DF006", "DF007", "DF008", "DF009", "DF010", "DF011", "DF012")
RULES = select_rules(CODES)
# hadolint code -> the rule answering it, for rules whose fix is safe (DF012's DL3015 is unsafe: it stays)
ANSWERS = {h: r.code for r in RULES if r.code != "DF012" for h in r.hadolint}
HADOLINT = Path(sys.executable).with_name("hadolint")
_MENTIONS = re.compile(r"apt|apk|yum|dnf|zypper|pip|python")


def _corpus() -> list[Path]:
    root = SHARED / "corpus"
    if not available():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and is_dockerfile(p))


FILES = _corpus()
PARAMS = [pytest.param(p, id=label(p)) for p in FILES] or [
    pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason="shared corpus not found"))
]


@dataclass
class Fixed:
    text: str
    output: str
    remaining: list[Finding] = field(default_factory=list)


@pytest.fixture(scope="module")
def fixed() -> dict[Path, Fixed]:
    out: dict[Path, Fixed] = {}
    for path in FILES:
        text = read(path)
        try:
            parse(text)
        except ParseError:
            continue  # files the parser refuses are the foundation's business (none of ours to fix)
        result = fix_text(text, RULES, FileContext())
        out[path] = Fixed(text, result.output, result.remaining)
    return out


@pytest.mark.parametrize("path", PARAMS)
def test_output_parses_and_keeps_instructions(path: Path, fixed: dict[Path, Fixed]) -> None:
    if path not in fixed or fixed[path].output == fixed[path].text:
        return
    f = fixed[path]
    assert len(dockerfile.parse_string(f.output)) == len(dockerfile.parse_string(f.text))
    for _, after in changed_scripts(f.text, f.output):
        assert syntax_ok(after), after


@pytest.mark.parametrize("path", PARAMS)
def test_second_run_changes_nothing(path: Path, fixed: dict[Path, Fixed]) -> None:
    if path not in fixed or fixed[path].output == fixed[path].text:
        return
    again = fix_text(fixed[path].output, RULES, FileContext())
    assert again.output == fixed[path].output


# --- hadolint ----------------------------------------------------------------------------------


def _version() -> str:
    return subprocess.run([str(HADOLINT), "--version"], capture_output=True, text=True).stdout.strip()


def _lint(texts: list[str], tmp: Path, cache: Any) -> list[list[dict[str, Any]]]:
    """hadolint's JSON findings for each text, from pytest's cache or two parallel hadolint runs."""
    key = "dockfix/hadolint/" + re.sub(r"\W+", "_", _version())
    known: dict[str, list[dict[str, Any]]] = cache.get(key, {}) if cache is not None else {}
    digests = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    todo = sorted({d: t for d, t in zip(digests, texts) if d not in known}.items())
    paths: dict[str, str] = {}
    for d, t in todo:
        p = tmp / d
        p.write_bytes(t.encode())
        paths[str(p)] = d
        known[d] = []
    batches = [list(paths)[i::2] for i in range(2)]
    procs = [
        subprocess.Popen([str(HADOLINT), "--no-fail", "--no-color", "-f", "json", *b], stdout=subprocess.PIPE)
        for b in batches
        if b
    ]
    for proc in procs:
        stdout, _ = proc.communicate(timeout=900)
        for item in json.loads(stdout or b"[]"):
            known[paths[item["file"]]].append({"code": item["code"], "line": item["line"]})
    if cache is not None and todo:
        cache.set(key, known)
    return [known[d] for d in digests]


def _instruction_text(text: str, line: int) -> tuple[int | None, str]:
    df = parse(text)
    for instr in df.instructions:
        if instr.start_line <= line <= instr.end_line:
            return instr.index, instr.text(df)
    return None, ""


# Where hadolint reports a code these rules answer and the rule is right not to act. Each entry is
# checked on the instruction's text, independently of the rule's own code.
_HADOLINT_DISAGREES: dict[str, list[tuple[str, Callable[[str], bool]]]] = {
    "DL3009": [
        # apt >= 2.7 (Debian trixie): `apt-get dist-clean` removes the lists; hadolint knows only `rm`
        ("lists removed by `apt-get dist-clean`", lambda t: "apt-get dist-clean" in t),
    ],
    "DL3014": [
        # `apt-get install -s` simulates: it never prompts; hadolint only looks for -y/-q
        ("`apt-get install -s` (simulation) never prompts", lambda t: re.search(r"apt-get install\s+-s\b", t) is not None),
    ],
}


def _explain(code: str, instr_text: str, index: int | None, remaining: list[Finding]) -> str | None:
    rule = ANSWERS[code]
    if any(f.code == rule and f.instruction == index and (f.fix is None or f.applicability == "unsafe") for f in remaining):
        return f"{rule} reports it without a safe fix"
    for reason, applies in _HADOLINT_DISAGREES.get(code, []):
        if applies(instr_text):
            return reason
    return None


def test_hadolint_agrees(fixed: dict[Path, Fixed], tmp_path: Path, pytestconfig: pytest.Config) -> None:
    if not FILES:
        pytest.skip("shared corpus not found")
    candidates = [p for p in FILES if p in fixed and _MENTIONS.search(fixed[p].text)]
    befores = _lint([fixed[p].text for p in candidates], tmp_path, getattr(pytestconfig, "cache", None))
    changed = [p for p in candidates if fixed[p].output != fixed[p].text]
    afters_changed = dict(zip(changed, _lint([fixed[p].output for p in changed], tmp_path, getattr(pytestconfig, "cache", None))))
    before_count: Counter[str] = Counter()
    after_count: Counter[str] = Counter()
    new_codes: list[str] = []
    unexplained: list[str] = []
    reasons: Counter[str] = Counter()
    for path, before in zip(candidates, befores):
        after = afters_changed.get(path, before)
        before_count.update(x["code"] for x in before)
        after_count.update(x["code"] for x in after)
        new = {x["code"] for x in after} - {x["code"] for x in before}
        if new:
            new_codes.append(f"{label(path)}: {sorted(new)}")
        f = fixed[path]
        for x in after:
            if x["code"] not in ANSWERS:
                continue
            index, text = _instruction_text(f.output, x["line"])
            why = _explain(x["code"], text, index, f.remaining)
            if why is None:
                unexplained.append(f"{label(path)}:{x['line']}: {x['code']}")
            else:
                reasons[f"{x['code']}: {why}"] += 1
    table = [f"{c}: {before_count[c]} -> {after_count[c]}" for c in sorted({*ANSWERS, "DL3015"})]
    print(f"\nhadolint over {len(candidates)} corpus files ({len(changed)} changed), before -> after:", *table, sep="\n  ")
    print("left, with reasons:", *[f"{n} x {r}" for r, n in sorted(reasons.items())], sep="\n  ")
    assert not new_codes, "hadolint reports codes it did not report before:\n" + "\n".join(new_codes)
    assert not unexplained, "hadolint still reports what the rules answer:\n" + "\n".join(unexplained)
    assert sum(before_count[c] for c in ANSWERS) > sum(after_count[c] for c in ANSWERS)
