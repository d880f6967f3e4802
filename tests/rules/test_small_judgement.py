"""Issue 14 §5: DF034, DF036 and DF037 judge real files as their maintainers would.

The fixture folders hold the must-not-change texts; these tests pin what is reported about them."""

from __future__ import annotations

import pytest

from fixer.rules.shell_form_command import shell_needs
from tests.support.fixture_pairs import FIXTURES, read, run


def findings(rule: str, text: str) -> list[tuple[int, str, bool]]:
    return [(f.line, f.message, f.fix is not None) for f in run(text, rule, unsafe=True).findings]


# --- DF034 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "FROM debian:12\nARG LANGUAGE\nENV LANGUAGE=${LANGUAGE} LANG=${LANGUAGE}\n",
        "FROM debian:12\nARG LC=C.UTF-8\nENV LC=\"$LC\" LC_ALL=$LC\n",
        "FROM debian:12\nENV LANGUAGE=$LANGUAGE LANG=${LANGUAGE}\n",  # no ARG: the value is kept all the same
    ],
)
def test_df034_re_export_changes_no_value(text: str) -> None:
    assert findings("DF034", text) == []


def test_df034_still_splits_a_real_self_reference_next_to_a_re_export() -> None:
    text = "FROM debian:12\nARG L\nENV L=${L} M=$L HOME_DIR=/app PATH=$HOME_DIR/bin:$PATH\n"
    (found,) = findings("DF034", text)
    assert "`$HOME_DIR`" in found[1] and "`$L`" not in found[1] and found[2]


# --- DF036 -----------------------------------------------------------------------------------------


def test_df036_says_the_command_needs_the_shell_and_offers_no_exec_form() -> None:
    text = read(FIXTURES / "shell-form-command" / "needs-shell-report-only.keep.Dockerfile")
    ((line, message, fixable),) = findings("DF036", text)
    assert (line, fixable) == (2, False)
    assert "needs a shell (variable expansion)" in message and "`exec`" in message
    assert "Use exec (JSON) form" not in message


@pytest.mark.parametrize("case", ["already-exec", "healthcheck-shell"])
def test_df036_nothing_to_do_when_the_shell_form_is_right(case: str) -> None:
    assert findings("DF036", read(FIXTURES / "shell-form-command" / f"{case}.keep.Dockerfile")) == []


@pytest.mark.parametrize(
    ("command", "reasons", "hint"),
    [
        ('locust --host="http://${FRONTEND_ADDR}" -u "${USERS:-10}"', ["variable expansion"], True),
        ("ls *.txt", ["a glob"], True),
        ("cd /app && make", ["`&&`", "the shell builtin `cd`"], True),
        ("app > /var/log/app.log 2>&1", ["a redirection"], True),
        ("FOO=1 app", ["a variable assignment"], True),
        ("app | tee log", ["`|`"], True),
        ("source /env", ["the shell builtin `source`"], False),
        ("echo '$HOME'", [], True),  # single quotes: no expansion, exec form can do it
        ("run 'a b'", [], True),
        ("if true; then app; fi", ["`if`"], False),
    ],
)
def test_shell_needs(command: str, reasons: list[str], hint: bool) -> None:
    needs = shell_needs(command)
    assert (needs.reasons, needs.exec_hint) == (reasons, hint)


# --- DF037 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["quoted-absolute", "unknown-variable", "variable-absolute"])
def test_df037_read_as_buildkit_reads_it_is_not_relative(case: str) -> None:
    assert findings("DF037", read(FIXTURES / "relative-workdir" / f"{case}.keep.Dockerfile")) == []


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("variable-relative-report-only", "Relative `WORKDIR $SUB`: write `/app/src`"),
        ("literal-start-report-only", "Relative `WORKDIR app/$X` depends on the base image's working directory"),
    ],
)
def test_df037_relative_with_variables_is_reported_without_a_fix(case: str, message: str) -> None:
    assert findings("DF037", read(FIXTURES / "relative-workdir" / f"{case}.keep.Dockerfile")) == [(4 if "variable" in case else 2, message, False)]
