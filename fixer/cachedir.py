"""Where dockfix keeps what it can reuse between runs (registry answers, shell parser tables)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """`DOCKFIX_CACHE_DIR`, else the platform's user cache directory."""
    env = os.environ.get("DOCKFIX_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("dockfix", appauthor=False))
