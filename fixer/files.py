"""Finding Dockerfiles, reading them strictly, and writing them back atomically."""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PATTERNS = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile", "Containerfile.*")


class InputError(Exception):
    """A file that cannot be fixed; the message is one line naming the file (and line) and the reason."""


class WriteRefused(OSError):
    """The file is not ours to replace (read-only, or changed since it was read); it is left as it is."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EPERM, reason)


# the C escapes git uses in quoted path names (as with core.quotePath=false: non-ASCII stays as it is)
_ESCAPE_OF = {"\a": r"\a", "\b": r"\b", "\t": r"\t", "\n": r"\n", "\v": r"\v", "\f": r"\f", "\r": r"\r", '"': r"\"", "\\": r"\\"}


def quote(name: str) -> str:
    """`name` as git prints a path: in double quotes with C escapes when it holds a control character, `"` or
    a backslash, so a newline in a name cannot split a diff header or an error line; other names as they are."""
    if not any(c in _ESCAPE_OF or ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return name
    out = []
    for c in name:
        if c in _ESCAPE_OF:
            out.append(_ESCAPE_OF[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\{ord(c):03o}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def is_dockerfile_name(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in PATTERNS)


def discover(root: Path) -> Iterator[Path]:
    """Dockerfiles under `root`, sorted, skipping .git and what the repository's .gitignore files ignore."""
    import pathspec  # only directory walks need it

    specs: list[tuple[Path, Any]] = []

    def ignored(path: Path, is_dir: bool) -> bool:
        for base, spec in specs:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if spec.match_file(rel + ("/" if is_dir else "")):
                return True
        return False

    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        specs = [(b, s) for b, s in specs if here == b or b in here.parents]
        gi = here / ".gitignore"
        if gi.is_file():
            try:
                lines = gi.read_text(encoding="utf-8", errors="replace").splitlines()
                specs.append((here, pathspec.GitIgnoreSpec.from_lines(lines)))
            except OSError:
                pass
        dirnames[:] = sorted(d for d in dirnames if d != ".git" and not ignored(here / d, True))
        for name in sorted(filenames):
            if is_dockerfile_name(name) and not ignored(here / name, False):
                yield here / name


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")


def decode(data: bytes, name: str) -> str:
    # Windows editors save "Unicode" as UTF-16 with a BOM: naming it says what to do, "binary" would not
    if data.startswith(_UTF32_BOMS):
        raise InputError(f"{name}: UTF-32 text (byte-order mark); dockfix reads UTF-8")
    if data.startswith(_UTF16_BOMS):
        raise InputError(f"{name}: UTF-16 text (byte-order mark); dockfix reads UTF-8")
    if b"\x00" in data:
        raise InputError(f"{name}: binary file, not a Dockerfile")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"{name}:{line}: not UTF-8 text (byte 0x{data[e.start]:02x})") from None


# what this process read from each file (by real path): a write replaces only that content
_READ: dict[str, bytes] = {}


def read(path: Path) -> str:
    name = quote(str(path))
    try:
        # O_NONBLOCK: opening a FIFO for reading would wait for a writer forever
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read ({e.strerror})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{name}: is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{name}: not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read()
    except OSError as e:
        raise InputError(f"{name}: cannot read ({e.strerror})") from None
    finally:
        os.close(fd)
    _READ[os.path.realpath(path)] = hashlib.sha256(data).digest()
    return decode(data, name)


def _read_only(st: os.stat_result, target: Path) -> bool:
    # os.replace needs only the folder's permission; a file its owner marked read-only is not ours to replace,
    # whoever runs dockfix (root passes every access check, so the mode bits are asked too)
    return not (st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(target, os.W_OK)


def _unchanged(target: Path) -> bool:
    seen = _READ.get(str(target))
    if seen is None:
        return True  # not read by this process: nothing to compare with
    try:
        return hashlib.sha256(target.read_bytes()).digest() == seen
    except OSError:
        return False


def write_atomic(path: Path, text: str) -> None:
    """Replace the file's content in one step: through a symlink to its target, keeping mode and owner.

    Raises WriteRefused, leaving the file alone, when it is read-only or no longer holds what `read` saw.
    """
    target = Path(os.path.realpath(path))
    st = target.stat()
    if _read_only(st, target):
        raise WriteRefused("read-only file, left unchanged")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".dockfix")
    # a SIGTERM anywhere below unwinds through here (fixer.cli turns it into SystemExit): no temp file stays
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        if hasattr(os, "chown") and os.geteuid() == 0:
            os.chown(tmp, st.st_uid, st.st_gid)
        # an editor may have saved the file while the rules ran: their edit wins, ours is dropped
        if not _unchanged(target):
            raise WriteRefused("changed while dockfix ran, left as it is")
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _READ[str(target)] = hashlib.sha256(text.encode("utf-8")).digest()
