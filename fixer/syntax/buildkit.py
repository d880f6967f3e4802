"""How BuildKit reads an instruction's arguments: the AST node its parser builds from a joined line.

BuildKit's parser (moby/buildkit frontend/dockerfile/parser) splits the joined logical line into a
keyword, builder flags and an argument string, then hands the arguments to a reader chosen by the
keyword (JSON-or-shell for RUN/CMD/ENTRYPOINT/SHELL, JSON-or-word-list for ADD/COPY/VOLUME, key/value
pairs for ENV/LABEL, ...). `parse_node` reproduces that step, and `dump` prints nodes exactly like
BuildKit's `Node.Dump()` (the format of its parser test `result` files), so both can be checked
against BuildKit itself. Rules use the node to read arguments the way Docker will.

Go details that matter here: `unicode.IsSpace` is not `str.isspace`; some readers walk UTF-8 *bytes*
(so 0x85/0xA0 continuation bytes count as spaces there); `strconv.Quote` differs from `repr`; and
`encoding/json` has no NaN/Infinity, fails on out-of-range numbers and turns bad surrogates into U+FFFD.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field

from fixer.syntax.errors import ParseError
from fixer.syntax.tree import Heredoc, Instruction
from fixer.syntax.goquote import go_quote
from fixer.syntax.words import extract_builder_flags

# Go's regexps `[\t\v\f\r ]+`: BuildKit's reWhitespace and tokenWhitespace (no "\n", no Unicode spaces)
_GO_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Go's unicode.IsSpace: the characters str.isspace accepts, less the \x1c-\x1f separators
GO_SPACES = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


@dataclass(eq=False)
class Node:
    """One instruction as BuildKit's parser sees it.

    `next` holds the argument values in order; ONBUILD's single entry is the trigger instruction's own
    Node (BuildKit nests it as a child). ENV and LABEL store (key, value, separator) triples as current
    BuildKit does: the separator is "=" for `k=v` and "" for the legacy `ENV k v` form.
    """

    value: str  # the keyword as written
    flags: list[str] = field(default_factory=list)  # builder flags as extractBuilderFlags returns them
    next: list[str | Node] = field(default_factory=list)
    json: bool = False  # exec (JSON array) form
    heredocs: list[Heredoc] = field(default_factory=list)  # attached by the caller that read the bodies
    pairs: bool = False  # `next` is ENV/LABEL (key, value, separator) triples

    @property
    def cmd(self) -> str:
        return go_lower(self.value)

    @property
    def sub(self) -> Node | None:
        """ONBUILD's trigger instruction."""
        if self.next and isinstance(self.next[0], Node):
            return self.next[0]
        return None

    def words(self) -> list[str]:
        """The argument strings, without ENV/LABEL separators and without a nested ONBUILD trigger."""
        strs = [v for v in self.next if isinstance(v, str)]
        if self.pairs:
            return [v for i, v in enumerate(strs) if i % 3 != 2]
        return strs

    def items(self) -> list[tuple[str, str]]:
        """ENV/LABEL (key, value) pairs, values as written (quotes and escapes kept)."""
        strs = [v for v in self.next if isinstance(v, str)]
        return [(strs[i], strs[i + 1]) for i in range(0, len(strs), 3)] if self.pairs else []


# --- Go string helpers -------------------------------------------------------------------------


def go_lower(s: str) -> str:
    """Go's strings.ToLower: per-rune simple case mapping (no Final_Sigma, İ -> i)."""
    if s.isascii():
        return s.lower()
    return "".join("i" if c == "\u0130" else c.lower() for c in s)


def go_trim_space(s: str) -> str:
    """Go's strings.TrimSpace (unicode.IsSpace on both ends)."""
    return s.strip(GO_SPACES)


def _go_split(s: str, limit: int = 0) -> list[str]:
    """Go's reWhitespace.Split(s, n); callers pass strings with no leading whitespace."""
    return _GO_WHITESPACE.split(s, maxsplit=max(limit - 1, 0))


# --- argument readers (line_parsers.go) ----------------------------------------------------------


def _word_regex(escape: str) -> re.Pattern[str]:
    e = re.escape(escape)
    spaces = re.escape(GO_SPACES)
    # one word: escaped characters, "…" (escapes work inside), '…' (nothing escapes), other non-spaces;
    # an unterminated quote runs to the end. An escape as the very last character is dropped
    # (groups `drop`/`qdrop`), everything else stays in the word verbatim.
    return re.compile(
        rf"""(?:{e}(?:.|(?P<drop>\Z))"""
        rf"""|"(?:{e}(?:.|(?P<qdrop>\Z))|[^"{e}])*(?:"|\Z)"""
        rf"""|'[^']*(?:'|\Z)"""
        rf"""|[^{spaces}"'{e}])+""",
        re.DOTALL,
    )


_WORD = {esc: _word_regex(esc) for esc in ("\\", "`")}
_SPACES_RUN = re.compile("[" + re.escape(GO_SPACES) + "]*")


def parse_words(rest: str, escape: str) -> list[str]:
    """BuildKit's parseWords: split on whitespace outside quotes; quotes and escapes stay in the words."""
    word_re = _WORD.get(escape) or _word_regex(escape)
    words: list[str] = []
    pos = _SPACES_RUN.match(rest).end()  # type: ignore[union-attr]
    n = len(rest)
    while pos < n:
        m = word_re.match(rest, pos)
        assert m is not None  # a non-space always starts a word
        word = m.group(0)
        if m.group("drop") is not None or m.group("qdrop") is not None:
            word = word[:-1]
        if word:
            words.append(word)
        pos = _SPACES_RUN.match(rest, m.end()).end()  # type: ignore[union-attr]
    return words


class NotStringArrayError(Exception):
    """A well-formed JSON array holding something other than strings: BuildKit fails the file."""


NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only"


def _go_number(s: str) -> float:
    # encoding/json decodes numbers into float64 and fails when ParseFloat overflows
    value = float(s)
    if math.isinf(value) or not s.isascii():
        raise ValueError(s)
    return value


def _reject_constant(name: str) -> object:
    raise ValueError(name)  # NaN / Infinity are not JSON to Go


_DECODER = json.JSONDecoder(parse_float=_go_number, parse_int=_go_number, parse_constant=_reject_constant)


def parse_json(rest: str, trailing_data: bool = False) -> list[str] | None:
    """BuildKit's parseJSON: the array's strings, or None when `rest` is not a JSON array.

    Raises NotStringArrayError for a valid array holding something other than strings. With
    `trailing_data`, text after the closing bracket is ignored, as BuildKit did before v0.15
    (moby/buildkit#5107 switched json.Decoder for json.Unmarshal); the `dockerfile` oracle is v0.12.
    """
    rest = rest.lstrip(GO_SPACES)
    if not rest.startswith("["):
        return None
    try:
        if trailing_data:
            value, _end = _DECODER.raw_decode(rest)
        else:
            value = _DECODER.decode(rest)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise NotStringArrayError()
    # Go turns unpaired surrogate escapes into U+FFFD; Python keeps them
    return [_SURROGATE.sub("\ufffd", v) for v in value]


@dataclass
class _Args:
    next: list[str | Node]
    json: bool = False
    pairs: bool = False


def _maybe_json(rest: str, trailing: bool) -> _Args:
    if rest == "":
        return _Args([])
    values = parse_json(rest, trailing)
    if values is not None:
        return _Args(list(values), json=True)
    return _Args([rest])


def _maybe_json_to_list(rest: str, trailing: bool) -> _Args:
    values = parse_json(rest, trailing)
    if values is not None:
        return _Args(list(values), json=True)
    return _strings_whitespace_delimited(rest)


def _strings_whitespace_delimited(rest: str) -> _Args:
    if rest == "":
        return _Args([])
    return _Args(list(_go_split(rest)))


def _string(rest: str) -> _Args:
    return _Args([rest] if rest else [])


def _name_val(rest: str, key: str, escape: str) -> _Args:
    words = parse_words(rest, escape)
    if not words:
        return _Args([])
    if "=" not in words[0]:
        # legacy `ENV name value`: the value is the raw rest of the line, quotes and all
        parts = _go_split(rest, 2)
        if len(parts) < 2:
            raise _ArgError(f"{key} must have two arguments")
        return _Args([parts[0], parts[1], ""], pairs=True)
    out: list[str | Node] = []
    for word in words:
        if "=" not in word:
            raise _ArgError(f"Syntax error - can't find = in {go_quote(word)}. Must be of the form: name=value")
        k, _, v = word.partition("=")
        out += [k, v, "="]
    return _Args(out, pairs=True)


def _name_or_name_val(rest: str, escape: str) -> _Args:
    return _Args(list(parse_words(rest, escape)))


def _health_config(rest: str, trailing: bool) -> _Args:
    # BuildKit walks bytes here, so the 0x85/0xA0 continuation bytes of a UTF-8 character end the word
    raw = rest.encode("utf-8", "surrogateescape")
    sep = 0
    while sep < len(raw) and chr(raw[sep]) not in GO_SPACES:
        sep += 1
    nxt = sep
    while nxt < len(raw) and chr(raw[nxt]) in GO_SPACES:
        nxt += 1
    if sep == 0:
        return _Args([])
    typ = raw[:sep].decode("utf-8", "surrogateescape")
    cmd = _maybe_json(raw[nxt:].decode("utf-8", "surrogateescape"), trailing)
    return _Args([typ, *cmd.next], json=cmd.json)


class _ArgError(Exception):
    pass


_JSON_OR_SHELL = {"run", "cmd", "entrypoint", "shell"}
_JSON_OR_LIST = {"add", "copy", "volume"}
_WORD_LIST = {"from", "expose"}
_STRING = {"maintainer", "user", "workdir", "stopsignal"}


def split_command(line: str) -> tuple[str, list[str], str]:
    """BuildKit's splitCommand: keyword as written, builder flags, trimmed arguments."""
    parts = _go_split(go_trim_space(line), 2)
    cmd = parts[0]
    flags: list[str] = []
    args = ""
    if len(parts) == 2:
        start, words = extract_builder_flags(parts[1])
        flags = [w.value for w in words]
        args = parts[1][start:]
    return cmd, flags, go_trim_space(args)


def _node(line: str, escape: str, trailing: bool) -> Node:
    cmd, flags, rest = split_command(line)
    return _node_of(cmd, flags, rest, escape, trailing)


def _node_of(cmd: str, flags: list[str], rest: str, escape: str, trailing: bool) -> Node:
    kind = go_lower(cmd)
    if kind in _JSON_OR_SHELL:
        args = _maybe_json(rest, trailing)
    elif kind in _JSON_OR_LIST:
        args = _maybe_json_to_list(rest, trailing)
    elif kind in ("env", "label"):
        args = _name_val(rest, kind.upper(), escape)
    elif kind == "arg":
        args = _name_or_name_val(rest, escape)
    elif kind in _WORD_LIST:
        args = _strings_whitespace_delimited(rest)
    elif kind in _STRING:
        args = _string(rest)
    elif kind == "healthcheck":
        args = _health_config(rest, trailing)
    elif kind == "onbuild":
        args = _Args([_node(rest, escape, trailing)] if rest else [])
    else:
        # unknown instructions parse, with their arguments dropped (BuildKit's parseIgnore leaves one empty value)
        args = _Args([""])
    return Node(value=cmd, flags=flags, next=args.next, json=args.json, pairs=args.pairs)


def parse_node(logical: str, escape: str = "\\", *, line: int = 0, json_trailing_data: bool = False) -> Node:
    """The node BuildKit builds from an instruction's joined line (newNodeFromLine).

    Raises ParseError(line, reason) where BuildKit rejects the arguments: ENV/LABEL without a value or
    with a word lacking `=`, and a JSON array holding non-strings. Invalid JSON is not an error: it is
    read as shell form (or as a word list for ADD/COPY/VOLUME). `json_trailing_data` reproduces BuildKit
    before v0.15, which accepted `RUN ["a"] junk` as exec form.
    """
    try:
        return _node(logical, escape, json_trailing_data)
    except NotStringArrayError:
        raise ParseError(line, NOT_STRING_ARRAY) from None
    except _ArgError as e:
        raise ParseError(line, str(e)) from None


def parse_parts(cmd: str, flags: list[str], rest: str, escape: str = "\\", *, line: int = 0) -> Node:
    """`parse_node` for a line the caller has already split as `split_command` does (the parser has)."""
    try:
        return _node_of(cmd, flags, rest, escape, False)
    except NotStringArrayError:
        raise ParseError(line, NOT_STRING_ARRAY) from None
    except _ArgError as e:
        raise ParseError(line, str(e)) from None


def dump_node(node: Node) -> str:
    """BuildKit's Node.Dump() for one instruction: `run "echo hi"`, `copy ["--from=a"] "x" "/"`."""
    out = go_lower(node.value)
    if node.flags:
        out += " [" + " ".join(go_quote(f) for f in node.flags) + "]"
    for item in node.next:
        if isinstance(item, Node):
            out += " (" + dump_node(item) + ")"
        else:
            out += " " + go_quote(item)
    return go_trim_space(out)


def dump(nodes: list[Node]) -> str:
    """A whole file's AST as BuildKit's parser tests print it (the `result` files), final newline included."""
    return go_trim_space("".join("(" + dump_node(n) + ")\n" for n in nodes)) + "\n"


def node_of(instr: Instruction, escape: str, *, json_trailing_data: bool = False) -> Node:
    """The BuildKit node of a parsed instruction, heredoc bodies attached as BuildKit attaches them."""
    if instr.node is not None and not json_trailing_data:
        node = copy.copy(instr.node)  # the parser's, read with the file's escape (not rebuilt per rule)
    else:
        node = parse_node(instr.logical, escape, line=instr.start_line, json_trailing_data=json_trailing_data)
    carrier = instr.sub if instr.sub is not None else instr
    node.heredocs = list(carrier.heredocs)
    return node
