"""DF002 keeps what the build does: run the original RUNs and the merged RUN in real shells and compare.

Each original RUN runs as its own `SHELL … <script>` in a scratch directory, in its own session that
is killed when the shell exits (as BuildKit tears down the container of each RUN); the build stops at
the first failure. The merged Dockerfile's RUN runs the same way. Compared: the build's exit status,
every file left in the scratch directory (path, mode, content) — the scripts log their working
directory, variables and shell options to files, so what each command saw is compared too.
Scripts are harmless builtins and file operations inside the scratch directory.

Which pairs DF002 merges at all (what hadolint's DL3059 flags, a lone `apt-get update` before its
install) is a judgement the fixture folder covers; here every pair is offered for merging, so that the
merge itself is proven safe on scripts of any shape (lists, compounds, state changes).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import dockerfile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixer.rules import consecutive_run
from tests.support.fixture_pairs import run

SHELLS = {
    "dash": ["/bin/dash", "-c"],
    "bash": ["/bin/bash", "-c"],
    "dash-e": ["/bin/dash", "-e", "-c"],
    "bash-e-pipefail": ["/bin/bash", "-eo", "pipefail", "-c"],
}
pytestmark = pytest.mark.skipif(
    not (shutil.which("dash") and shutil.which("bash")), reason="needs dash and bash (apt-get install dash bash)"
)


@pytest.fixture(autouse=True)
def _every_pair_wanted(monkeypatch: pytest.MonkeyPatch) -> None:
    # the author's layout is not in question here: only whether the merged script does the same
    monkeypatch.setattr(consecutive_run, "deliberate", lambda *args: None)


@dataclass(frozen=True)
class Outcome:
    status: int
    files: tuple[tuple[str, int, bytes], ...]


def _snapshot(root: Path) -> tuple[tuple[str, int, bytes], ...]:
    out = []
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        mode = p.lstat().st_mode & 0o777
        out.append((rel, mode, p.read_bytes() if p.is_file() else b""))
    return tuple(out)


def build(scripts: list[str], argv: list[str], root: Path) -> Outcome:
    """Run the RUN scripts one after another as a build would; stop at the first failure."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ROOT": str(root), "HOME": str(root), "LC_ALL": "C"}
    status = 0
    for script in scripts:
        proc = subprocess.Popen(
            [*argv, script],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            rc = proc.wait(timeout=20)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the RUN's container goes away with its processes
            except ProcessLookupError:
                pass
        if rc != 0:
            status = rc
            break
    return Outcome(status, _snapshot(root))


def dockerfile_text(scripts: list[str], argv: list[str]) -> str:
    lines = ["FROM debian:12", f"SHELL {json.dumps(argv)}"]
    lines += [f"RUN {s}" for s in scripts]
    return "\n".join(lines) + "\n"


def run_scripts(text: str) -> list[str]:
    """The scripts BuildKit would hand to the shell, read by BuildKit's own parser."""
    return [c.value[0] for c in dockerfile.parse_string(text) if c.cmd == "RUN"]


def compare(scripts: list[str], shell: str, tmp: Path, unsafe: bool) -> tuple[int, Outcome, Outcome]:
    """(number of RUNs after the fix, original outcome, merged outcome)."""
    argv = SHELLS[shell]
    fixed = run(dockerfile_text(scripts, argv), "DF002", unsafe=unsafe).output
    merged = run_scripts(fixed)
    # the same directory for both: scripts log absolute paths
    return len(merged), build(scripts, argv, tmp / "root"), build(merged, argv, tmp / "root")


def naive(scripts: list[str]) -> list[str]:
    """What a careless fixer writes: `A && B`."""
    return [" && ".join(scripts)]


# -- hand-written cases: (name, RUN scripts, shells, how many RUNs the safe fix leaves) ------------------
# `naive_differs` marks the counterexamples: there the naive `A && B` must give another outcome, which
# shows the harness can tell.

ALL = tuple(SHELLS)
CASES = [
    # DESIGN.md counterexamples
    ("cd-leaks", ["mkdir -p d && cd d", "pwd > where; touch here"], ALL, 2, True),
    ("comment-swallows-join", ["touch a # make", "touch b"], ALL, 1, True),
    ("later-semicolon-list", ["false", "touch a; touch b"], ALL, 1, True),
    ("later-or-fallback", ["false", "test -f nope || touch fallback"], ALL, 1, True),
    ("export-leaks", ["export V=1", 'echo "${V:-unset}" > v'], ALL, 2, True),
    ("set-e-leaks", ["set -e", "false; touch after"], ("dash", "bash"), 2, True),
    ("unset-leaks", ["unset HOME", 'echo "$HOME" > h'], ALL, 2, True),
    ("umask-leaks", ["umask 077", "touch f"], ALL, 2, True),
    ("source-leaks", ["echo V=2 > env.sh && . ./env.sh", 'echo "${V:-unset}" > v'], ALL, 2, True),
    ("trap-leaks", ["trap 'rm -f b' EXIT", "touch b"], ALL, 2, True),
    ("exec-leaks", ["exec > out", "echo hi"], ALL, 2, True),
    ("exit-leaks", ["exit 0", "touch b"], ALL, 2, True),
    ("eval-leaks", ["mkdir -p d; eval 'cd d'", "touch here"], ALL, 2, True),
    ("function-leaks", ["f() { touch ff; }", "f || touch nof"], ALL, 2, True),
    ("assignment-leaks", ["V=5", 'echo "${V:-none}" > v'], ALL, 2, True),
    ("param-assign-leaks", [': "${V:=7}"', 'echo "${V:-none}" > v'], ALL, 2, True),
    ("read-leaks", ["echo 3 > n; read V < n", 'echo "${V:-none}" > v'], ALL, 2, True),
    ("background-outlives", ["(sleep 0.3; touch bg) &", "sleep 0.8"], ALL, 2, True),
    ("errexit-brace-left", ["{ false; touch a; }", "touch b"], ("dash-e", "bash-e-pipefail"), 2, True),
    ("errexit-if-left", ["if true; then false; touch a; fi", "touch b"], ("dash-e", "bash-e-pipefail"), 2, True),
    ("set-e-then-brace", ["set -e; { false; touch a; }", "set -e; touch b"], ALL, 2, True),
    # merges that must keep the meaning
    ("plain", ["touch a", "touch b"], ALL, 1, False),
    ("earlier-fails", ["false", "touch b"], ALL, 1, False),
    ("later-fails", ["touch a", "false"], ALL, 1, False),
    ("exit-code-kept", ["sh -c 'exit 3'", "touch b"], ALL, 1, False),
    ("earlier-list", ["false; touch a", "touch b"], ALL, 1, False),
    ("earlier-or", ["false || touch a", "touch b"], ALL, 1, False),
    ("earlier-trailing-semicolon", ["touch a;", "touch b"], ALL, 1, False),
    ("pipes", ["false | true", "echo x | cat > piped"], ALL, 1, False),
    ("bang", ["! true", "touch b"], ALL, 1, False),
    # under -e a compound on the left of && would lose errexit: those stay apart
    ("subshell-cd", ["mkdir -p d && (cd d && touch in)", "pwd > where; touch out"], ALL, {"": 1, "-e": 2}, False),
    ("later-background", ["touch a", "touch b; sleep 0.1 &"], ALL, 1, False),
    ("later-exits", ["touch a", "exit 4; touch b"], ALL, 1, False),
    ("later-brace-list", ["true", "{ false; touch x; } || touch y"], ALL, 1, False),
    ("errexit-simple-left", ["touch a; false; touch b", "touch c; false; touch d"], ALL, 1, False),
    ("errexit-later-list", ["touch a", "false; touch b"], ALL, 1, False),
    ("set-eux-both", ["set -eux; touch a; false; touch b", "set -eux; touch c"], ALL, 1, False),
    ("set-covered-success", ["set -eu; touch a", "set -eux; false; touch c"], ALL, 1, False),
    ("here-string", ["cat <<< hi > h", "touch b"], ("bash", "bash-e-pipefail"), 1, False),
    ("comment-and-list", ["touch a # first", "touch b; false # last"], ALL, 1, False),
    ("quoted-hash", ['echo "a#b" > q', "echo ${ROOT#/} > r"], ALL, 1, False),
    ("three", ["touch a", "touch b || true", "false"], ALL, {"": 1, "-e": 2}, False),
]


@pytest.mark.parametrize(
    "name,scripts,shell,runs_left",
    [pytest.param(n, s, sh, left, id=f"{n}-{sh}") for n, s, shells, left, _ in CASES for sh in shells],
)
def test_merge_keeps_the_build(
    name: str, scripts: list[str], shell: str, runs_left: int | dict[str, int], tmp_path: Path
) -> None:
    left, orig, merged = compare(scripts, shell, tmp_path, unsafe=False)
    if isinstance(runs_left, dict):
        runs_left = runs_left["-e" if "-e" in shell else ""]
    assert left == runs_left
    assert merged == orig


@pytest.mark.parametrize(
    "name,scripts,shell",
    [pytest.param(n, s, sh, id=f"{n}-{sh}") for n, s, shells, _, bad in CASES if bad for sh in shells],
)
def test_naive_merge_is_caught_by_the_harness(name: str, scripts: list[str], shell: str, tmp_path: Path) -> None:
    argv = SHELLS[shell]
    assert build(naive(scripts), argv, tmp_path / "root") != build(scripts, argv, tmp_path / "root")


@pytest.mark.parametrize(
    "name,scripts,shell",
    [pytest.param(n, s, sh, id=f"{n}-{sh}") for n, s, shells, _, _ in CASES for sh in shells],
)
def test_unsafe_isolation_keeps_the_build_too(name: str, scripts: list[str], shell: str, tmp_path: Path) -> None:
    _, orig, merged = compare(scripts, shell, tmp_path, unsafe=True)
    assert merged == orig


# -- generated sequences ------------------------------------------------------------------------------

_COMMANDS = [
    "true", "false", "touch f1", "touch d1/f2", "mkdir -p d1", "cd d1", 'cd "$ROOT"', "rm -f f1",
    "test -f f1", "echo x >> log", "pwd >> log", 'echo "${V:-unset}" >> log', 'echo "$-" >> opts',
    "export V=1", "V=2", "unset V", "umask 077", "set -e", "set +e", "set -u", "(cd d1 && touch f3)",
    "{ touch f4; false; }", "f() { touch f5; }", "f", "exit 3", "! true", "false | true", "echo p | cat >> log",
    "trap 'echo t >> log' EXIT", ": ${W:=w}", 'echo "${W:-none}" >> log', "test -d d1 || mkdir d1",
    "if test -f f1; then touch f6; fi", "for i in 1 2; do echo $i >> log; done", "echo 'a;b' >> log",
]  # fmt: skip


@st.composite
def _script(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 3))
    cmds = [draw(st.sampled_from(_COMMANDS)) for _ in range(n)]
    ops = [draw(st.sampled_from(["&&", "||", ";"])) for _ in range(n - 1)]
    text = cmds[0]
    for op, cmd in zip(ops, cmds[1:]):
        text += f" {op} {cmd}"
    if draw(st.booleans()) and draw(st.booleans()):
        text += " # note"
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scripts=st.lists(_script(), min_size=2, max_size=3), shell=st.sampled_from(sorted(SHELLS)), unsafe=st.booleans())
def test_generated_sequences(scripts: list[str], shell: str, unsafe: bool, tmp_path: Path) -> None:
    _, orig, merged = compare(scripts, shell, tmp_path, unsafe=unsafe)
    assert merged == orig, (scripts, shell, unsafe)
