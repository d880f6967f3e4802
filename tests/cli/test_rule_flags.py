"""Flags made from the rules' declarations, and positions printed as lines of the file the user gave."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from fixer.bot.cli import app as bot_app
from fixer.cli import app

RUN_TWICE = 'FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n# dockfix: ignore=DF020\nCMD ["curl"]\n'


def dockfix(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def test_help_offers_the_declared_flags_naming_the_rules_that_read_them() -> None:
    code, out = dockfix("--help")
    assert code == 0
    text = " ".join(out.split())
    assert "--pin [tag|digest] DF001:" in text and "--registry-timeout FLOAT DF001:" in text
    assert re.search(r"--context PATH DF004, DF030, DF035:", text)
    assert re.search(r"--target TEXT DF003, DF005:", text)
    bot = " ".join(CliRunner().invoke(bot_app, ["--help"]).output.split())
    assert "--pin [tag|digest] DF001:" in bot and "--target TEXT" in bot
    assert "--context" not in bot  # a checkout has no one build context


def test_a_flag_value_outside_the_declared_choices_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    code, out = dockfix("--pin", "sha", "--offline", str(tmp_path / "Dockerfile"))
    assert code == 2 and "'sha' is not one of 'tag', 'digest'" in out


def test_target_flag_reaches_the_rule_that_declared_it(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM debian:12 AS build\nRUN make\nFROM scratch AS final\nCOPY --from=build /out /out\n")
    code, out = dockfix("--isolated", "--select", "DF005", "--unsafe-fixes", "--target", "build", str(f))
    assert code == 0
    assert re.search(r"^\+USER 10001:10001$", out, re.M) and "FROM scratch" in out


def test_json_positions_are_lines_of_the_users_file(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(RUN_TWICE.replace("# dockfix: ignore=DF020\n", "EXPOSE 80/TCP\n"))
    code, out = dockfix("--isolated", "--format", "json", str(f))
    rows = json.loads(out[out.index("[") :])
    assert {r["code"] for r in rows} >= {"DF002", "DF003", "DF005", "DF020"}
    assert all(1 <= r["line"] <= 5 for r in rows), rows
    assert [r["line"] for r in rows if r["code"] == "DF020"] == [4]


def test_unused_pragmas_are_printed_at_the_users_line(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(RUN_TWICE)
    code, out = dockfix("--isolated", "--select", "DF002,DF003,DF020", "--show-unused-pragmas", str(f))
    # the fixes add a line above the pragma; it is still printed at line 4, where the user has it
    assert f"{f}:4:1: unused pragma: # dockfix: ignore=DF020" in out
