"""Resolved references kept on disk between runs, with a time to live.

One JSON file in the user cache directory (`DOCKFIX_CACHE_DIR` overrides it), rewritten atomically
and merged with what other processes wrote meanwhile, so parallel runs (pre-commit) lose nothing.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fixer.cachedir import cache_dir
from fixer.images.reference import is_digest, is_tag

log = logging.getLogger(__name__)

DEFAULT_TTL = 6 * 3600.0
# keys of config.User entries (fixer.images.config_user.cache_key); a user is one word: no space, no newline
_USER_KEY = "config.User "
_USER = re.compile(r"[^\s\x00-\x1f\x7f]*")
_FILE = "images.json"
_VERSION = 1


def default_dir() -> Path:
    return cache_dir()


@dataclass(frozen=True)
class Entry:
    digest: str  # the floating tag's manifest (index) digest
    tag: str | None  # the most specific version tag with that digest; None: none shares it
    at: float  # when the registry said so (epoch seconds)

    def to_json(self) -> dict[str, Any]:
        return {"digest": self.digest, "tag": self.tag, "at": self.at}

    @classmethod
    def from_json(cls, data: Any, user: bool = False) -> Entry | None:
        """The entry, or None when it is not one dockfix could have written: whoever can write the cache
        folder must not choose the text that goes into a Dockerfile. `user`: a config.User entry, whose
        tag field holds the image's user (fixer.images.config_user)."""
        if not isinstance(data, dict):
            return None
        digest, tag, at = data.get("digest"), data.get("tag"), data.get("at")
        valid = _USER.fullmatch if user else is_tag
        # a user entry of a single-platform image is keyed by the tag it was read through
        if not (is_digest(digest) or (user and is_tag(digest))):
            return None
        if not (tag is None or (isinstance(tag, str) and valid(tag))):
            return None
        if not isinstance(at, (int, float)):
            return None
        return cls(digest, tag, float(at))


class Cache:
    def __init__(self, directory: Path | None = None, ttl: float = DEFAULT_TTL) -> None:
        self.path = (directory or default_dir()) / _FILE
        self.ttl = ttl
        self._entries: dict[str, Entry] | None = None
        self._dirty: dict[str, Entry] = {}
        self._lock = threading.Lock()

    def _read(self) -> dict[str, Entry]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError):
            log.warning("ignoring unreadable image cache %s", self.path)
            return {}
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            return {}
        raw = data.get("entries")
        out: dict[str, Entry] = {}
        if isinstance(raw, dict):
            for k, v in raw.items():
                e = Entry.from_json(v, user=str(k).startswith(_USER_KEY))
                if e is not None:
                    out[str(k)] = e
        return out

    def lookup(self, key: str, now: float | None = None) -> tuple[Entry | None, bool]:
        """(entry, expired) for `key`; (None, False) when it was never cached."""
        with self._lock:
            if self._entries is None:
                self._entries = self._read()
            e = self._entries.get(key)
        if e is None:
            return None, False
        t = time.time() if now is None else now
        return e, not (0 <= t - e.at <= self.ttl)

    def get(self, key: str) -> Entry | None:
        e, expired = self.lookup(key)
        return None if expired else e

    def put(self, key: str, entry: Entry) -> None:
        """Remember an entry; it reaches the disk at the next flush()."""
        with self._lock:
            if self._entries is None:
                self._entries = self._read()
            self._entries[key] = entry
            self._dirty[key] = entry

    def flush(self) -> None:
        """Write new entries, merged with what other processes wrote meanwhile."""
        with self._lock:
            if not self._dirty:
                return
            merged = self._read()
            merged.update(self._dirty)
            self._entries = merged
            try:
                self._write(merged)
            except OSError as err:
                # a read-only or full cache dir costs a re-lookup next run, nothing more
                log.warning("could not write image cache %s: %s", self.path, err.strerror or type(err).__name__)
            self._dirty.clear()

    def _write(self, entries: dict[str, Entry]) -> None:
        import tempfile

        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"version": _VERSION, "entries": {k: e.to_json() for k, e in sorted(entries.items())}}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".images.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(payload, f, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
