"""Whether the package index can be reached, asked once per test run and within a few seconds.

Tests marked `network` install packages with pip: without the index they cannot tell anything about
dockfix, so they skip (with the reason) instead of failing after pip's own long retries.
"""

from __future__ import annotations

import functools
import os
import urllib.request

DEFAULT_INDEX = "https://pypi.org/simple/"
TIMEOUT = 5.0


def index_url() -> str:
    """The index pip would use first: `PIP_INDEX_URL` when set (a mirror), else PyPI."""
    urls = os.environ.get("PIP_INDEX_URL", "").split()
    return urls[0] if urls else DEFAULT_INDEX


@functools.cache
def unreachable_reason() -> str | None:
    """None when the index answers; else why not, for the skip message."""
    url = index_url().rstrip("/") + "/pip/"
    if url.startswith("file:"):
        return None
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as reply:
            reply.read(1)
    except OSError as e:  # URLError, HTTPError and timeouts are all OSErrors
        return f"package index {url} unreachable: {e}"
    return None
