"""Start-up cost of bashlex's parser tables, each choice in a fresh process: `python tests/scripts/bench_bashlex_tables.py [N]`.

- build: what bashlex does on every import (no cache at all)
- pickle: the parser unpickled from a file (what dockfix did, from the user cache, before issue 17)
- shipped JSON: the tables as data inside the package (what dockfix does now)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PICKLE_SETUP = """
import pickle
from fixer.shell import bashlex_tables as t
path = {path!r}
def patch(build, yacc, grammar):
    def from_pickle(*args, **kwargs):
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except OSError:
            kwargs.setdefault("module", t._caller_module())
            parser = build(*args, **kwargs)
            with open(path, "wb") as fh:
                pickle.dump(parser, fh, protocol=pickle.HIGHEST_PROTOCOL)
            return parser
    return from_pickle
b = t._import(patch)
"""

PROBE = "import time\nt0 = time.perf_counter()\n{setup}\nb.parse('a && b | c')\nprint(time.perf_counter() - t0)\n"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    folder = Path(tempfile.mkdtemp())
    variants = {
        "build on every import (no cache)": "import bashlex as b",
        "pickle (unpickled from a file)": PICKLE_SETUP.format(path=str(folder / "tables.pickle")),
        "shipped JSON in the package": "from fixer.shell.bashlex_tables import load\nb = load()",
    }
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    for name, setup in variants.items():
        probe = PROBE.format(setup=setup)
        subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True)  # writes the pickle
        inner, wall = [], []
        for _ in range(runs):
            import time

            t = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True)
            wall.append(time.perf_counter() - t)
            inner.append(float(out.stdout))
        print(
            f"{name:34s} import + first parse: median {statistics.median(inner) * 1000:6.1f} ms"
            f"  (whole process {statistics.median(wall) * 1000:6.1f} ms)"
        )


if __name__ == "__main__":
    main()
