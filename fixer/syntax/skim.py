"""A few instructions of a Dockerfile, cut out as text the parser reads as it reads them in the file.

Before fixing many files, a run asks what each file needs looked up in a registry, and only FROM, ARG
and a few flags say that: cutting those instructions out of the text (with the parser directives, so
the escape character is the file's) and parsing the cut costs a third of parsing the whole file.
The cut follows the parser's lines: an instruction is its first line and every line its escape
character continues it onto, comment and blank lines among them included.
"""

from __future__ import annotations

from collections.abc import Callable

from fixer.syntax.buildkit import go_trim_space
from fixer.syntax.parser import _KEYWORD_SEP, _Directives
from fixer.syntax.words import lstrip_space


def skim(text: str, keep: Callable[[str, str], bool]) -> str | None:
    """The file's leading comment lines (parser directives among them) and the instructions for which
    `keep(KEYWORD, instruction text)` holds, each with all its lines; None when the file has a
    here-document, whose body lines could read as instructions once the instruction above is cut."""
    if "<<" in text:
        return None
    lines = text.removeprefix("\ufeff").split("\n")
    directives = _Directives()
    out: list[str] = []
    i, n = 0, len(lines)
    # parser directives, then any other comment or blank line before the first instruction
    while i < n:
        token = lstrip_space(lines[i].rstrip("\r\n"))
        if not directives.feed(token, i + 1) and token and not token.startswith("#"):
            break
        out.append(lines[i])
        i += 1
    escape = directives.escape
    while i < n:
        token = lstrip_space(lines[i].rstrip("\r\n"))
        part, ended = escape.trim(token)
        if token.startswith("#") or (ended and part == ""):
            i += 1
            continue
        start, parts = i, [part]
        while not ended and i + 1 < n:
            i += 1
            cont = lines[i].rstrip("\r\n")
            stripped = lstrip_space(cont)
            if stripped.startswith("#") or stripped == "":
                continue
            part, ended = escape.trim(cont)
            parts.append(part)
        i += 1
        # the keyword of the joined line, as the parser splits it (a keyword may be continued mid-word)
        keyword = _KEYWORD_SEP.split(go_trim_space("".join(parts)), maxsplit=1)[0].upper()
        instruction = lines[start:i]
        if keep(keyword, "\n".join(instruction)):
            out.extend(instruction)
    return "\n".join(out) + "\n"
