"""The one error image lookups raise; its text is the reason a finding shows, so it never holds a secret."""

from __future__ import annotations


class ResolveError(Exception):
    """A lookup failed. `str(err)` is fit to show the user."""
