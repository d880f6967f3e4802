"""Parse a shell script into `fixer.shell.model` nodes: bashlex for the structure, our lexer for the rest.

bashlex is a port of bash's own grammar, so where it parses, its structure and positions are used.
It drops comments and quotes, so comments and quote removal come from `fixer.shell.lexer`, and the
two are cross-checked: every word, list operator and parenthesis bashlex reports must be a token
of the lexer and the other way round. Where bashlex fails (it does not implement `case`, `$((…))`,
`[[ … ]]`, `time`, `select`, `coproc`) or the two disagree, `ShellParseError` is raised and callers
must not rewrite the script.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from fixer.shell.lexer import LexError, Token, tokenize, unquote
from fixer.shell.model import (
    AndOr,
    Command,
    CommandList,
    Compound,
    CompoundKind,
    Item,
    Op,
    Pipeline,
    Redirect,
    Script,
    Simple,
    Word,
)
from fixer.shell.plain import plain

_LIST_OPS = frozenset({"&&", "||", ";", "&", "|", "|&", "(", ")"})


class ShellParseError(ValueError):
    """The script could not be parsed with confidence; callers must leave it alone."""


def parse(script: str) -> Script:
    """Parse `script`; raises ShellParseError when it cannot be parsed with confidence."""
    return _parse_cached(script)


@lru_cache(maxsize=512)
def _parse_cached(script: str) -> Script:
    try:
        tokens = tokenize(script)
    except LexError as e:
        raise ShellParseError(f"shell syntax: {e}") from e
    comments = [t.span for t in tokens if t.kind == "comment"]
    heredocs = [t.span for t in tokens if t.kind == "heredoc"]
    if not any(t.kind in ("word", "op") for t in tokens):
        return Script(script, CommandList([]), comments, heredocs)
    # most scripts are plain lists, read from the tokens alone; bashlex reads the rest
    body = plain(tokens)
    return Script(script, body if body is not None else with_bashlex(script, tokens), comments, heredocs)


def with_bashlex(script: str, tokens: Sequence[Token]) -> CommandList:
    """The command list of a script that has commands, as bashlex reads it (cross-checked with `tokens`)."""
    from fixer.shell.bashlex_tables import load  # heavy: only when a rule needs a shell script parsed

    bashlex = load()

    try:
        trees = bashlex.parse(script)
    except NotImplementedError as e:
        raise ShellParseError(f"bashlex does not implement: {e}") from e
    except Exception as e:  # noqa: BLE001 - bashlex raises assorted errors on scripts it cannot read
        raise ShellParseError(f"bashlex: {type(e).__name__}: {e}") from e
    conv = _Converter(script)
    try:
        items: list[Item] = []
        for tree in trees:
            if items and items[-1].terminator is None:
                nl = _newline_between(tokens, items[-1].and_or.end, tree.pos[0])
                items[-1] = Item(items[-1].and_or, nl)
            items.extend(conv.list_of([tree]).items)
    except (AttributeError, IndexError, TypeError, ValueError) as e:
        raise ShellParseError(f"unexpected bashlex tree: {e}") from e
    _cross_check(tokens, conv)
    return CommandList(items)


def _newline_between(tokens: Sequence[Token], start: int, end: int) -> Op:
    for t in tokens:
        if t.kind == "newline" and start <= t.start < end:
            return Op("\n", t.start, t.end)
    raise ShellParseError("bashlex split commands where the script has no newline")


class _Converter:
    """bashlex nodes to model nodes; records what the outer level contains for the cross-check."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.depth = 0  # > 0 while inside `$(…)` (the lexer does not see tokens there)
        self.words: set[tuple[int, int]] = set()
        self.ops: set[tuple[int, int, str]] = set()

    def _word(self, node: Any) -> Word:
        start, end = node.pos
        raw = self.text[start:end]
        if self.depth == 0:
            self.words.add((start, end))
        return Word(raw, unquote(raw), start, end)

    def _op(self, text: str, pos: tuple[int, int]) -> Op:
        if self.depth == 0 and text != "\n":
            self.ops.add((pos[0], pos[1], text))
        return Op(text, pos[0], pos[1])

    def _reserved(self, node: Any) -> None:
        if self.depth:
            return
        if node.word in ("(", ")", ";"):
            self.ops.add((node.pos[0], node.pos[1], node.word))
        else:
            self.words.add(tuple(node.pos))

    def list_of(self, nodes: list[Any]) -> CommandList:
        """A list from a flat run of command nodes and operator nodes (bashlex's ListNode.parts)."""
        flat: list[Any] = []
        for n in nodes:
            flat.extend(n.parts if n.kind == "list" else [n])
        items: list[Item] = []
        pipelines: list[Pipeline] = []
        ops: list[Op] = []
        for n in flat:
            if n.kind == "operator":
                op = self._op(n.op, n.pos)
                if n.op in ("&&", "||"):
                    ops.append(op)
                else:
                    items.append(Item(AndOr(pipelines, ops), op))
                    pipelines, ops = [], []
            else:
                pipelines.append(self.pipeline(n))
        if pipelines:
            items.append(Item(AndOr(pipelines, ops), None))
        return CommandList(items)

    def pipeline(self, node: Any) -> Pipeline:
        if node.kind != "pipeline":
            cmd = self.command(node)
            return Pipeline([cmd], [], False, cmd.start, cmd.end)
        bang = False
        cmds: list[Command] = []
        pipes: list[Op] = []
        for p in node.parts:
            if p.kind == "reservedword" and p.word == "!":
                self._reserved(p)
                bang = not bang
            elif p.kind == "pipe":
                pipes.append(self._op(p.pipe, p.pos))
            else:
                cmds.append(self.command(p))
        return Pipeline(cmds, pipes, bang, node.pos[0], node.pos[1])

    def _substitutions(self, node: Any, out: list[CommandList]) -> None:
        """Lists inside `$(…)`, backquotes and `<(…)` found anywhere below `node`."""
        for p in getattr(node, "parts", []) or []:
            if p.kind in ("commandsubstitution", "processsubstitution"):
                self.depth += 1
                try:
                    out.append(self.list_of([p.command]))
                finally:
                    self.depth -= 1
            else:
                self._substitutions(p, out)

    def _redirect(self, node: Any, subs: list[CommandList]) -> Redirect:
        target = None
        out = node.output
        if hasattr(out, "kind") and out.kind == "word":
            target = self._word(out)
            self._substitutions(out, subs)
        elif isinstance(out, int) and self.depth == 0:
            # `2>&1`: the lexer reads the `1` as a word
            s = str(out)
            self.words.add((node.pos[1] - len(s), node.pos[1]))
        return Redirect(node.type, node.pos[0], node.pos[1], target)

    def command(self, node: Any) -> Command:
        kind = node.kind
        if kind == "command":
            assigns: list[Word] = []
            words: list[Word] = []
            redirects: list[Redirect] = []
            subs: list[CommandList] = []
            for p in node.parts:
                if p.kind == "assignment" and not words:
                    assigns.append(self._word(p))
                    self._substitutions(p, subs)
                elif p.kind in ("word", "assignment"):
                    words.append(self._word(p))
                    self._substitutions(p, subs)
                elif p.kind == "redirect":
                    redirects.append(self._redirect(p, subs))
                else:
                    raise ShellParseError(f"unexpected {p.kind} node in a command")
            return Simple(node.pos[0], node.pos[1], assigns, words, redirects, subs)
        if kind == "compound":
            return self.compound(node)
        if kind == "function":
            name = None
            bodies: list[CommandList] = []
            for p in node.parts:
                if p.kind == "word" and name is None:
                    name = self._word(p).value
                elif p.kind == "reservedword":
                    self._reserved(p)
                else:
                    bodies.append(CommandList([Item(AndOr([self.pipeline(p)], []), None)]))
            return Compound("function", node.pos[0], node.pos[1], bodies, name=name)
        if kind in ("list", "pipeline"):
            # bashlex wraps some lists in a bare node; treat it as a brace-less group
            raise ShellParseError(f"unexpected {kind} node in command position")
        raise ShellParseError(f"unsupported node {kind}")

    def compound(self, node: Any) -> Compound:
        parts = node.list
        redirects: list[Redirect] = []
        subs: list[CommandList] = []
        for r in getattr(node, "redirects", []) or []:
            redirects.append(self._redirect(r, subs))
        start, end = node.pos
        head = parts[0]
        if head.kind == "reservedword":
            ckind: CompoundKind = "subshell" if head.word == "(" else "brace"
            if head.word not in ("(", "{"):
                raise ShellParseError(f"unexpected compound opened by {head.word!r}")
            for p in parts:
                if p.kind == "reservedword":
                    self._reserved(p)
            body = self.list_of([p for p in parts if p.kind != "reservedword"])
            return Compound(ckind, start, end, [body], redirects, substitutions=subs)
        if len(parts) != 1:
            raise ShellParseError("unexpected compound shape")
        inner = parts[0]
        kinds: dict[str, CompoundKind] = {"if": "if", "for": "for", "while": "while", "until": "until"}
        if inner.kind not in kinds:
            raise ShellParseError(f"unsupported compound {inner.kind}")
        bodies: list[CommandList] = []
        words: list[Word] = []
        for p in inner.parts:
            if p.kind == "reservedword":
                self._reserved(p)
            elif p.kind == "word":
                words.append(self._word(p))
                self._substitutions(p, subs)
            else:
                bodies.append(self.list_of([p]))
        return Compound(kinds[inner.kind], start, end, bodies, redirects, words=words, substitutions=subs)


def _cross_check(tokens: Sequence[Token], conv: _Converter) -> None:
    """bashlex and the lexer must agree on every outer word and list operator."""
    lex_words = {t.span for t in tokens if t.kind == "word"}
    lex_ops = {(t.start, t.end, t.text) for t in tokens if t.kind == "op" and t.text in _LIST_OPS}
    if lex_words != conv.words:
        diff = sorted(lex_words ^ conv.words)[:3]
        raise ShellParseError(f"bashlex and the tokenizer disagree on words at {diff}")
    if lex_ops != conv.ops:
        odiff = sorted(lex_ops ^ conv.ops)[:3]
        raise ShellParseError(f"bashlex and the tokenizer disagree on operators at {odiff}")
