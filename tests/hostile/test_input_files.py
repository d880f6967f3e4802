"""Hostile files and a hostile moment (issue 17, "Input and files"): exit 2 with one line, never a hang or a
traceback, other files still processed, nothing written to a file that was not fixed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.hostile.run import dockfix, dockfix_patched, one_error_line

FIXABLE = "FROM debian:12\nRUN echo a\nRUN echo b\n"
FIXED = "FROM debian:12\nRUN echo a \\\n    && echo b\n"
ARGS = ("--isolated", "--offline", "--select", "DF002")


def test_fifo_named_on_the_command_line_is_refused_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "Dockerfile")
    (tmp_path / "good.Dockerfile").write_text(FIXABLE)
    r = dockfix(tmp_path, *ARGS, "--write", "Dockerfile", "good.Dockerfile", timeout=20)
    assert r.returncode == 2
    assert one_error_line(r.stderr) == "dockfix: error: Dockerfile: not a regular file"
    assert (tmp_path / "good.Dockerfile").read_text() == FIXED, "the other file is still fixed"


def test_fifo_found_by_the_directory_walk_is_refused_not_read(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    os.mkfifo(tmp_path / "svc" / "Dockerfile")
    (tmp_path / "Dockerfile").write_text(FIXABLE)
    r = dockfix(tmp_path, *ARGS, "--check", ".", timeout=20)
    assert r.returncode == 2
    assert one_error_line(r.stderr) == "dockfix: error: svc/Dockerfile: not a regular file"
    assert "Dockerfile:3:1: DF002" in r.stdout, "the regular file is still checked"


def test_symlink_loop_as_first_argument_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "Dockerfile").write_text(FIXABLE)
    r = dockfix(tmp_path, *ARGS[1:], "--check", "loop", "Dockerfile")  # not --isolated: config lookup walks up
    assert r.returncode == 2, r.stderr
    line = one_error_line(r.stderr)
    assert line.startswith("dockfix: error: loop: ") and "symbolic links" in line
    assert "Dockerfile:3:1: DF002" in r.stdout


def test_newline_in_a_path_is_quoted_as_git_quotes_it(tmp_path: Path) -> None:
    odd = tmp_path / "a\nb"
    odd.mkdir()
    (odd / "Dockerfile").write_text(FIXABLE)
    (odd / "bad.Dockerfile").write_bytes(b"\xff\xfeF\x00")
    r = dockfix(tmp_path, *ARGS, "--diff", ".")
    assert r.returncode == 2
    assert '--- "a/a\\nb/Dockerfile"\n+++ "b/a\\nb/Dockerfile"\n' in r.stdout
    assert '"a\\nb/Dockerfile":3:1: DF002' in r.stdout
    assert one_error_line(r.stderr).startswith('dockfix: error: "a\\nb/bad.Dockerfile": ')


def test_utf16_with_bom_is_named_utf16(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(FIXABLE.encode("utf-16"))
    r = dockfix(tmp_path, *ARGS, "Dockerfile")
    assert r.returncode == 2
    assert one_error_line(r.stderr) == "dockfix: error: Dockerfile: UTF-16 text (byte-order mark); dockfix reads UTF-8"


def test_write_leaves_a_read_only_file_alone(tmp_path: Path) -> None:
    ro = tmp_path / "Dockerfile"
    ro.write_text(FIXABLE)
    ro.chmod(0o444)
    (tmp_path / "other.Dockerfile").write_text(FIXABLE)
    r = dockfix(tmp_path, *ARGS, "--write", "Dockerfile", "other.Dockerfile")
    assert r.returncode == 2
    assert one_error_line(r.stderr) == "dockfix: error: Dockerfile: cannot write (read-only file, left unchanged)"
    assert ro.read_text() == FIXABLE and (ro.stat().st_mode & 0o777) == 0o444
    assert (tmp_path / "other.Dockerfile").read_text() == FIXED
    assert "Dockerfile:3:1: DF002 consecutive-run Merge this RUN into the RUN above: each RUN adds a layer\n" in r.stdout
    assert r.stdout.endswith("1 fixed, 1 remaining\n"), "only the fix that was written is counted as fixed"


def test_summary_does_not_count_fixes_that_could_not_be_written(tmp_path: Path) -> None:
    # a folder the user may not write to, as root cannot be denied one: the temp file cannot be created
    (tmp_path / "Dockerfile").write_text(FIXABLE)
    deny = "import tempfile\ndef mkstemp(*a, **k):\n    raise PermissionError(13, 'Permission denied')\ntempfile.mkstemp = mkstemp\n"
    r = dockfix_patched(tmp_path, deny, *ARGS, "--write", "Dockerfile")
    assert r.returncode == 2
    assert one_error_line(r.stderr) == "dockfix: error: Dockerfile: cannot write (Permission denied)"
    assert "Dockerfile:3:1: DF002 consecutive-run Merge this RUN into the RUN above: each RUN adds a layer\n" in r.stdout
    assert r.stdout.endswith("0 fixed, 1 remaining\n")
    assert (tmp_path / "Dockerfile").read_text() == FIXABLE


def test_sigterm_between_temp_file_and_rename_leaves_no_temp_file(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(FIXABLE)
    # the moment the temp file is complete and not yet renamed
    term = "import os, signal\ndef fsync(fd):\n    os.kill(os.getpid(), signal.SIGTERM)\nos.fsync = fsync\n"
    r = dockfix_patched(tmp_path, term, *ARGS, "--write", "Dockerfile")
    assert r.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM), r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".cache-dockfix") == ["Dockerfile"]
    assert (tmp_path / "Dockerfile").read_text() in (FIXABLE, FIXED)


def test_write_leaves_a_file_edited_while_dockfix_ran(tmp_path: Path) -> None:
    df = tmp_path / "Dockerfile"
    df.write_text(FIXABLE)
    (tmp_path / "other.Dockerfile").write_text(FIXABLE)
    edited = FIXABLE + "# the user's edit\n"
    # the user saves the file in their editor after dockfix read it, before it writes
    edit = (
        "import fixer.engine.pipeline as p\nfrom pathlib import Path\n_fix = p.fix_text\n"
        "def fix_text(*a, **k):\n    r = _fix(*a, **k)\n"
        f"    Path('Dockerfile').write_text({edited!r}) if Path('Dockerfile').read_text() == {FIXABLE!r} else None\n"
        "    return r\np.fix_text = fix_text\n"
    )
    r = dockfix_patched(tmp_path, edit, *ARGS, "--write", "Dockerfile", "other.Dockerfile")
    assert r.returncode == 2
    assert one_error_line(r.stderr) == "dockfix: error: Dockerfile: cannot write (changed while dockfix ran, left as it is)"
    assert df.read_text() == edited
    assert (tmp_path / "other.Dockerfile").read_text() == FIXED


@pytest.mark.parametrize("name", ["Dockerfile", "x.Dockerfile"])
def test_a_regular_file_still_fixes_after_the_checks(tmp_path: Path, name: str) -> None:
    # the checks above must not cost the ordinary case anything: symlinks are still followed and kept
    (tmp_path / "real").write_text(FIXABLE)
    (tmp_path / name).symlink_to("real")
    r = dockfix(tmp_path, *ARGS, "--write", name)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / name).is_symlink() and (tmp_path / "real").read_text() == FIXED


def test_fifo_with_dockerignore_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "Dockerfile")
    r = dockfix(tmp_path, *ARGS, "--dockerignore", "--write", "Dockerfile", timeout=20)
    assert r.returncode == 2
    assert one_error_line(r.stderr) == "dockfix: error: Dockerfile: not a regular file"
    assert not (tmp_path / ".dockerignore").exists()
