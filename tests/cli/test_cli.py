"""The dockfix command through a real subprocess: modes, exit codes, stdin, and safe writes.

A tiny rule registered by `tests/cli_plugin.py` is not needed: these tests use a real rule when one
exists for the case and otherwise check behaviour that holds with any rule set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.unprivileged import nobody_folder, run_dockfix_as_nobody

DOCKFIX = [sys.executable, "-m", "fixer"]
# a file no rule fixes (the root-user rule reports it, unsafe), and one that a real rule,
# DF020 expose-proto-casing, fixes as FIXED
CLEAN = "FROM debian:12\nCMD [\"true\"]\n"
DIRTY = "FROM alpine:3.20\nEXPOSE 80/TCP\n"
FIXED = "FROM alpine:3.20\nEXPOSE 80/tcp\n"
SEL = ("--select", "DF020")


def run(*args: str, cwd: Path | None = None, stdin: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*DOCKFIX, *args], cwd=cwd, input=stdin, capture_output=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_clean_file_exits_zero_in_every_mode(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(CLEAN)
    for mode in ("--diff", "--check", "--write"):
        r = run(mode, "--ignore", "ALL", str(f))
        assert r.returncode == 0, r.stderr
    assert f.read_text() == CLEAN


def test_parse_error_names_file_line_and_reason_and_leaves_file(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    original = b"FROM a\nRUN <<EOF\necho never closed\n"
    f.write_bytes(original)
    r = run("--write", str(f))
    assert r.returncode == 2
    err = r.stderr.decode()
    assert err.count("\n") == 1 and f"{f}:2: unterminated heredoc" in err
    assert "Traceback" not in err
    assert f.read_bytes() == original


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"\x7fELF\x00\x00binary", "binary file"),
        (b"FROM a\nRUN echo \xff\xfe\n", ":2: not UTF-8 text"),
        (b"", "file with no instructions"),
    ],
)
def test_bad_input_is_one_line_error(tmp_path: Path, content: bytes, reason: str) -> None:
    f = tmp_path / "Dockerfile"
    f.write_bytes(content)
    r = run("--write", str(f))
    assert r.returncode == 2
    err = r.stderr.decode()
    assert reason in err and err.count("\n") == 1 and str(f) in err
    assert f.read_bytes() == content


def test_other_files_still_processed_after_a_bad_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.Dockerfile"
    bad.write_bytes(b"FROM a\nRUN <<EOF\n")
    good = tmp_path / "Dockerfile"
    good.write_text(DIRTY)
    r = run("--check", "--format", "json", *SEL, str(bad), str(good))
    assert r.returncode == 2
    assert [(row["file"], row["line"], row["code"]) for row in json.loads(r.stdout)] == [(str(good), 2, "DF020")]
    assert r.stderr.decode().count("\n") == 1 and f"{bad}:2" in r.stderr.decode()
    assert good.read_text() == DIRTY, "--check wrote"


def test_permission_denied(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root reads any file: run as nobody, from a folder nobody can enter (tmp_path and the checkout
        # may sit in private folders), so the only thing nobody is denied is the file itself
        with nobody_folder() as folder:
            f = folder / "Dockerfile"
            f.write_text(CLEAN)
            f.chmod(0)
            r = run_dockfix_as_nobody(folder, str(f))
    else:
        f = tmp_path / "Dockerfile"
        f.write_text(CLEAN)
        f.chmod(0)
        r = run(str(f))
    assert r.returncode == 2, r.stderr
    assert r.stderr.decode() == f"dockfix: error: {f}: permission denied\n"


def test_directory_without_dockerfiles(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("hi")
    r = run(str(tmp_path))
    assert r.returncode == 2
    assert "no Dockerfiles found" in r.stderr.decode()


def test_missing_path(tmp_path: Path) -> None:
    r = run(str(tmp_path / "nope"))
    assert r.returncode == 2 and "no such file" in r.stderr.decode()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(CLEAN)
    assert run("--write", "--check", str(f)).returncode == 2
    r = run("--select", "DF999", str(f))
    assert r.returncode == 2 and "unknown rule" in r.stderr.decode()


def test_directory_walk_finds_dockerfiles_and_honours_gitignore(tmp_path: Path) -> None:
    names = ["Dockerfile", "Dockerfile.dev", "api.Dockerfile", "web.dockerfile", "Containerfile", "Containerfile.ci"]
    (tmp_path / "src").mkdir()
    for n in names:
        (tmp_path / "src" / n).write_text(DIRTY)
    # each would be reported if the walk read it
    (tmp_path / "notes.txt").write_text(DIRTY)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "Dockerfile").write_text(DIRTY)
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "Dockerfile").write_text(DIRTY)
    (tmp_path / ".gitignore").write_text("vendor/\n")
    r = run("--check", "--format", "json", *SEL, str(tmp_path))
    assert r.returncode == 1, r.stderr
    found = sorted(Path(row["file"]).relative_to(tmp_path).as_posix() for row in json.loads(r.stdout))
    assert found == sorted(f"src/{n}" for n in names)


def test_explicit_file_with_any_name_is_processed(tmp_path: Path) -> None:
    f = tmp_path / "owner__repo__path__Dockerfile.txt"
    f.write_bytes(b"FROM a\nRUN <<EOF\n")
    r = run(str(f))
    assert r.returncode == 2 and "unterminated heredoc" in r.stderr.decode()


def test_stdin_round_trips_with_rules_off() -> None:
    text = b"FROM a\r\nRUN x \\\r\n  # c\r\n  y"
    r = run("--write", "--ignore", "ALL", "-", stdin=text)
    assert r.returncode == 0
    assert r.stdout == text


def test_json_format_prints_only_the_report(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(CLEAN)
    r = run("--format", "json", *SEL, str(f))
    assert r.returncode == 0
    assert json.loads(r.stdout) == []
    f.write_text(DIRTY)
    r = run("--check", "--format", "json", *SEL, str(f))
    assert r.returncode == 1
    [row] = json.loads(r.stdout)
    assert row["file"] == str(f) and (row["line"], row["column"]) == (2, 11)
    assert (row["code"], row["name"], row["applicability"], row["fixable"]) == ("DF020", "expose-proto-casing", "safe", True)
    assert row["buildkit"] == ["ExposeProtoCasing"]


def test_help_works() -> None:
    r = run("--help")
    assert r.returncode == 0 and b"--write" in r.stdout and b"--check" in r.stdout


# --- writing, through a real rule (DF020 expose-proto-casing) -------------------------------------


def test_check_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(DIRTY)
    r = run("--check", *SEL, str(f))
    assert r.returncode == 1
    assert "1 file would change" in r.stdout.decode()
    assert f.read_text() == DIRTY


def test_write_keeps_mode_and_rewrites_only_changed_files(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(DIRTY)
    f.chmod(0o640)
    other = tmp_path / "other.Dockerfile"
    other.write_text(FIXED)
    before = other.stat()
    r = run("--write", *SEL, str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert f.read_text() == FIXED
    assert f.stat().st_mode & 0o777 == 0o640
    after = other.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".dockfix")], "temporary file left behind"


def test_write_through_symlink_updates_target(tmp_path: Path) -> None:
    target = tmp_path / "real.Dockerfile"
    target.write_text(DIRTY)
    link = tmp_path / "Dockerfile"
    link.symlink_to(target.name)
    assert run("--write", *SEL, str(link)).returncode == 0
    assert link.is_symlink()
    assert target.read_text() == FIXED


@pytest.mark.parametrize(
    "before,after",
    [
        (b"FROM a\r\nEXPOSE 80/TCP\r\n", b"FROM a\r\nEXPOSE 80/tcp\r\n"),
        (b"FROM a\nEXPOSE 80/TCP", b"FROM a\nEXPOSE 80/tcp"),
        (b"\xef\xbb\xbfFROM a\nEXPOSE 80/TCP\n", b"\xef\xbb\xbfFROM a\nEXPOSE 80/tcp\n"),
        (b"FROM a\r\nRUN x\nEXPOSE 80/TCP\r\n", b"FROM a\r\nRUN x\nEXPOSE 80/tcp\r\n"),
    ],
    ids=["crlf", "no-final-newline", "bom", "mixed-endings"],
)
def test_write_keeps_line_endings_bom_and_final_newline(tmp_path: Path, before: bytes, after: bytes) -> None:
    f = tmp_path / "Dockerfile"
    f.write_bytes(before)
    assert run("--write", *SEL, str(f)).returncode == 0
    assert f.read_bytes() == after


def test_stdin_write_prints_fixed_text_and_reports_on_stderr() -> None:
    r = run("--write", *SEL, "-", stdin=DIRTY.encode())
    assert r.returncode == 0
    assert r.stdout.decode() == FIXED
    assert "1 fixed" in r.stderr.decode()


def test_diff_applies_with_patch_and_marks_missing_newline(tmp_path: Path) -> None:
    src = tmp_path / "a" / "Dockerfile"
    src.parent.mkdir()
    src.write_bytes(b"FROM a\nEXPOSE 80/TCP")
    r = run("--diff", "--color", "never", *SEL, "Dockerfile", cwd=src.parent)
    assert r.returncode == 0
    diff = r.stdout.decode()
    assert diff.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,2 @@\n")
    assert diff.count("\\ No newline at end of file\n") == 2
    assert src.read_bytes() == b"FROM a\nEXPOSE 80/TCP", "--diff must not write"
    # the diff is a real patch: git applies it and gets the fixed file
    lines = diff.splitlines(keepends=True)
    n = next(i for i, ln in enumerate(lines) if i > 1 and not ln.startswith((" ", "+", "-", "@@", "\\")))
    patch = "".join(lines[:n])
    subprocess.run(["git", "init", "-q", str(src.parent)], check=True)
    applied = subprocess.run(["git", "apply", "-"], input=patch.encode(), cwd=src.parent, capture_output=True)
    assert applied.returncode == 0, applied.stderr
    assert src.read_bytes() == b"FROM a\nEXPOSE 80/tcp"


def test_color_follows_flag_and_no_color(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(DIRTY)
    assert b"\x1b[" in run("--color", "always", *SEL, str(f)).stdout
    assert b"\x1b[" not in run("--color", "never", *SEL, str(f)).stdout
    assert b"\x1b[" not in run(*SEL, str(f), env={"NO_COLOR": "1"}).stdout  # not a terminal either way
    assert b"\x1b[" in run(*SEL, str(f), env={"FORCE_COLOR": "1"}).stdout


def test_json_report_fields(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(DIRTY)
    r = run("--format", "json", *SEL, str(f))
    rows = json.loads(r.stdout)
    assert rows == [
        {
            "file": str(f),
            "line": 2,
            "column": 11,
            "code": "DF020",
            "name": "expose-proto-casing",
            "message": "Protocol `TCP` should be lower-case",
            "fixable": True,
            "applicability": "safe",
            "fixed": True,
            "hadolint": [],
            "buildkit": ["ExposeProtoCasing"],
        }
    ]
    assert b"---" not in r.stdout


def test_text_report_marks_fixable_and_summarises(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(DIRTY)
    out = run("--color", "never", *SEL, str(f)).stdout.decode()
    assert f"{f}:2:11: DF020 expose-proto-casing [*] Protocol `TCP` should be lower-case" in out
    assert out.rstrip().endswith("1 fixable, 0 remaining")
