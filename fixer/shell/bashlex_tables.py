"""bashlex, imported with its parser tables from dockfix's cache.

bashlex builds its LALR tables on every import (about 0.45 s, most of a single-file run): the copy of
ply it bundles has no table cache. The first import builds them as usual and pickles the parser into
dockfix's cache directory; later imports unpickle it. Any problem with the cache file falls back to
building the tables, so the cache can only make the import faster.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any


def _cache_file() -> Path:
    from importlib.metadata import version

    from fixer.cachedir import cache_dir

    tag = f"{version('bashlex')}-py{sys.version_info[0]}{sys.version_info[1]}"
    return cache_dir() / f"bashlex-tables-{tag}.pickle"


def load() -> ModuleType:
    if "bashlex" in sys.modules:
        return sys.modules["bashlex"]
    spec = importlib.util.find_spec("bashlex")
    if spec is None or spec.loader is None:
        raise ImportError("bashlex is not installed")
    # bashlex/__init__ imports bashlex.parser, which builds the tables: register the package without
    # running its __init__, patch its yacc module, then run the __init__
    package = importlib.util.module_from_spec(spec)
    sys.modules["bashlex"] = package
    try:
        import bashlex.yacc as yacc  # type: ignore[import-untyped]

        build = yacc.yacc
        yacc.yacc = _cached(build, _cache_file())
        try:
            spec.loader.exec_module(package)
        finally:
            yacc.yacc = build
    except BaseException:
        for name in [m for m in sys.modules if m == "bashlex" or m.startswith("bashlex.")]:
            del sys.modules[name]
        raise
    return package


def _cached(build: Any, path: Path) -> Any:
    def yacc(*args: Any, **kwargs: Any) -> Any:
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)  # written below by this module, in the user's own cache
        except Exception:  # noqa: BLE001 - missing, stale or unreadable: build the tables
            pass
        # yacc reads the grammar from its caller's module: that is bashlex.parser, not this wrapper
        kwargs.setdefault("module", sys.modules[sys._getframe(1).f_globals["__name__"]])
        parser = build(*args, **kwargs)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bashlex-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(parser, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except Exception:  # noqa: BLE001 - a read-only cache only costs the next run the build
            pass
        return parser

    return yacc
