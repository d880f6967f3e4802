"""Facts about a parsed file, computed once per tree.

A `Dockerfile` never changes after `parse` (fixes produce a new text and a new tree), so anything
derived from it can be kept on it. The cache lives in the tree's own `__dict__`, so it is freed with
the tree and never outlives the text it describes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from fixer.syntax import Dockerfile

P = ParamSpec("P")
T = TypeVar("T")

_SLOT = "_model_memo"


def per_file(fn: Callable[Concatenate[Dockerfile, P], T]) -> Callable[Concatenate[Dockerfile, P], T]:
    """Cache `fn(df, *args)` on `df`; the other arguments must be hashable (stages and instructions
    hash by identity)."""

    # called some 50,000 times in a corpus run: no dict or sort made where none is needed
    def cached(df: Dockerfile, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            memo: dict[Any, Any] = df.__dict__[_SLOT]
        except KeyError:
            memo = df.__dict__[_SLOT] = {}
        key = (fn, args, tuple(sorted(kwargs.items()))) if kwargs else (fn, args)
        try:
            return memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = memo[key] = fn(df, *args, **kwargs)
            return value

    functools.update_wrapper(cached, fn)
    return cached
