"""bashlex's parser tables ship with dockfix as data (fixer/shell/bashlex_tables.json), not in the user cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fixer.shell.bashlex_tables import TABLES

SCRIPTS = [
    'cd /x && (a || b); echo "$(c)" | d',
    "for i in 1 2; do echo $i; done > /dev/null 2>&1",
    "if true; then x=1 y; elif z; then :; fi; while read l; do :; done < f",
    "a=$(b `c`) && f() { g; } ; ! h | i &",
]
PROBE = "import json, sys\n{load}\nprint(json.dumps([str(b.parse(s)) for s in json.loads(sys.argv[1])]))\n"


def run(load: str, env: dict[str, str] | None = None) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(load=load), json.dumps(SCRIPTS)],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    parsed: list[str] = json.loads(out)
    return parsed


SHIPPED = "from fixer.shell.bashlex_tables import load\nb = load()"
BUILT = "import bashlex as b"


def test_shipped_tables_parse_as_bashlex_s_own() -> None:
    assert run(SHIPPED) == run(BUILT)


def test_shipped_tables_are_the_ones_the_installed_bashlex_builds() -> None:
    # fails after a bashlex upgrade until `python -m fixer.shell.bashlex_tables` is run (dockfix still works:
    # it builds the tables itself while they do not match)
    made = subprocess.run(
        [sys.executable, "-c", "import json; from fixer.shell.bashlex_tables import make_tables; print(json.dumps(make_tables()))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(made) == json.loads(TABLES.read_text(encoding="utf-8"))


def test_tables_that_do_not_match_are_built_instead(tmp_path: Path) -> None:
    stale = tmp_path / "tables.json"
    data = json.loads(TABLES.read_text(encoding="utf-8"))
    data["grammar"] = "0" * 64
    data["action"] = {}  # would fail every parse if it were used
    stale.write_text(json.dumps(data))
    swap = f"import fixer.shell.bashlex_tables as t\nt.TABLES = __import__('pathlib').Path({str(stale)!r})\nb = t.load()"
    assert run(swap) == run(BUILT)
    (stale).write_text("not json")
    assert run(swap) == run(BUILT)


def test_the_cache_folder_is_not_read_or_written(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(SHIPPED, {"DOCKFIX_CACHE_DIR": str(cache)})
    assert not cache.exists()
