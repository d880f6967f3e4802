"""Image references and their resolution through OCI registries (for DF001).

Importing this package costs nothing: the submodules load on first use, and httpx only with the
first lookup that needs the network (`fixer.images.registry`).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "InvalidReferenceError": "fixer.images.reference",
    "Reference": "fixer.images.reference",
    "parse_reference": "fixer.images.reference",
    "PinMode": "fixer.images.resolve",
    "Resolution": "fixer.images.resolve",
    "Resolver": "fixer.images.resolve",
    "ResolverOptions": "fixer.images.resolve",
    "make_resolver": "fixer.images.resolve",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
