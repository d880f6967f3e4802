"""The structure of a plain command list, read from the lexer's tokens without bashlex.

Most RUN scripts are simple commands joined by `&&`, `||`, `;`, `&` and `|`, with assignments and
redirections: for those the tokens already say everything `fixer.shell.parse` builds, and bashlex
(a yacc parser written in Python) costs a tenth of a second on a large script. `plain` builds the same
nodes bashlex's tree converts to, and answers None for anything else (compound commands, reserved
words, substitutions, here-documents, newlines, a malformed list): those go to bashlex as before, so a
script bashlex cannot read is still refused. `beyond_simple` tells from the tokens alone that a script
is more than simple commands, for callers that accept nothing else. tests/syntax/test_shell_plain.py
checks both, on every script of the corpus and on generated ones, against bashlex.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fixer.shell.lexer import (
    COMMAND_OPS,
    OPENERS,
    RESERVED_WORDS,
    SUBSTITUTION_OPENERS,
    Token,
    is_assignment,
    unquote,
)
from fixer.shell.model import AndOr, Command, CommandList, Item, Op, Pipeline, Redirect, Simple, Word

# a bare brace makes bashlex read the word after it as reserved, even in argument position
_BRACES = frozenset("{}")
# a redirection operator (with its optional descriptor number) as the lexer reads it
_REDIRECT = re.compile(r"[0-9]*(>>|>&|<&|<>|>\||>|<)|&>>?")
# what makes bashlex build more than a word: substitutions (command, process, arithmetic), array
# subscripts in assignments, and quoting forms it reads in its own way
_NOT_PLAIN_IN_WORD = (*SUBSTITUTION_OPENERS, "$'", '$"')


def plain(tokens: Sequence[Token]) -> CommandList | None:
    """The command list of `tokens`, or None when the script is not a plain list (see the module)."""
    items: list[Item] = []
    pipelines: list[Pipeline] = []
    and_ops: list[Op] = []
    commands: list[Command] = []
    pipes: list[Op] = []
    cmd: Simple | None = None
    redirect: Token | None = None  # an operator waiting for its target

    def end_command() -> bool:
        nonlocal cmd
        if cmd is None or redirect is not None or not (cmd.words or cmd.assignments or cmd.redirects):
            return False
        commands.append(cmd)
        cmd = None
        return True

    def end_pipeline() -> bool:
        nonlocal commands, pipes
        if not end_command():
            return False
        pipelines.append(Pipeline(commands, pipes, False, commands[0].start, commands[-1].end))
        commands, pipes = [], []
        return True

    for i, t in enumerate(tokens):
        kind, text = t.kind, t.text
        if kind == "comment":
            if i and tokens[i - 1].end == t.start:
                return None  # `a;#c`: bashlex fails where the lexer reads a comment
            continue
        if kind == "word":
            if text in _BRACES or any(s in text for s in _NOT_PLAIN_IN_WORD):
                return None
            if redirect is not None:
                assert cmd is not None
                op = _REDIRECT.fullmatch(redirect.text)
                assert op is not None
                target: Word | None = Word(text, unquote(text), t.start, t.end)
                if op.group(1) in (">&", "<&"):
                    if not text.isdigit():
                        return None  # `>&file`, `>&-`: bashlex reads these its own way
                    target = None
                cmd.redirects.append(Redirect(op.group(1) or redirect.text, redirect.start, t.end, target))
                cmd.end = t.end
                redirect = None
                continue
            if cmd is None:
                cmd = Simple(t.start, t.end, [], [], [])
            word = Word(text, unquote(text), t.start, t.end)
            if not cmd.words:
                # bashlex reads `NAME=value` after a redirection as a word (bash would assign)
                if is_assignment(text) and not cmd.redirects:
                    cmd.assignments.append(word)
                    cmd.end = t.end
                    continue
                if text in RESERVED_WORDS or "=" in text and "[" in text.split("=", 1)[0]:
                    return None
            cmd.words.append(word)
            cmd.end = t.end
        elif kind == "op":
            if redirect is not None:
                return None
            if _REDIRECT.fullmatch(text):
                if cmd is None:
                    cmd = Simple(t.start, t.end, [], [], [])
                redirect = t
            elif text == "|":
                if not end_command():
                    return None
                pipes.append(Op(text, t.start, t.end))
            elif text in ("&&", "||"):
                if not end_pipeline():
                    return None
                and_ops.append(Op(text, t.start, t.end))
            elif text in (";", "&"):
                if not end_pipeline():
                    return None
                items.append(Item(AndOr(pipelines, and_ops), Op(text, t.start, t.end)))
                pipelines, and_ops = [], []
            else:
                return None  # `(`, `)`, `|&`, `;;`, here-documents …
        else:
            return None  # newlines (bashlex splits the list there) and here-document bodies
    if cmd is not None or commands or pipelines:
        if not end_pipeline():
            return None
        items.append(Item(AndOr(pipelines, and_ops), None))
    elif and_ops:
        return None  # a list ending in `&&` or `||`
    return CommandList(items)


# reserved words that open a compound command, and the ones bashlex does not implement at all
_COMPOUND_WORDS = frozenset("if for while until case select function time coproc [[".split())


def beyond_simple(tokens: Sequence[Token]) -> str | None:
    """What makes the script more than simple commands (in groups), seen in the tokens: a compound
    command or a function at the outer level, or a command substitution in an outer word. None when
    the tokens show nothing of the kind (the script may still have one: ask the parser)."""
    at_start = True  # the next word is in command position
    for i, t in enumerate(tokens):
        if t.kind == "word":
            text = t.text
            # (not within quotes, escapes or `${…}`, where bashlex reads no substitution)
            if "'" not in text and "\\" not in text and "${" not in text and (
                "$(" in text and "$((" not in text or "`" in text or text.startswith(("<(", ">("))
            ):
                return f"a command substitution in `{text}`"
            if at_start:
                if text in _COMPOUND_WORDS:
                    return f"a shell `{text}` command"
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if nxt is not None and nxt.kind == "op" and nxt.text == "(" and nxt.start == t.end:
                    return f"a function `{text}`"
            at_start = at_start and text in OPENERS
        elif t.kind == "newline" or t.kind == "op" and t.text in COMMAND_OPS:
            at_start = True
        elif t.kind == "op":
            at_start = False  # a redirection (its target comes next) or `)`
    return None
