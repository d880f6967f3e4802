"""Text edits on a RUN's script: add an option word, append commands, prefix or drop a command.

Every function returns the edits, or a string saying why the script must not be changed that way.
Appended commands follow the RUN's own continuation style: the operator at the start of the new line
(`    && rm …`) or at the end of the previous one (`… && \\` / `…; \\`), the indentation of the RUN's
command lines, the file's line ending.
"""

from __future__ import annotations

from dataclasses import dataclass

from fixer.engine.finding import Edit
from fixer.model.commands import RunScript, ScriptCommands, SimpleCommand, ToolCall, set_errexit
from fixer.shell.analysis import code_end, trailing_comment_span
from fixer.shell.lexer import LexError, Token, tokenize
from fixer.shell.model import AndOr, CommandList, Compound, Simple

_LIST_OPS = ("&&", "||", ";", "|")


def insert_after(run: RunScript, call: ToolCall, text: str, *, after_flags: bool = False) -> Edit:
    """` text` right after the action word (`install`), or after the simple flags that follow it."""
    word = call.action_word or call.cmd.words[call.at]
    if after_flags:
        idx = call.cmd.words.index(word) + 1
        words = call.cmd.words
        while idx < len(words) and words[idx].value.startswith("-") and words[idx].value != "--":
            if call.options.takes_value(words[idx].value) or "=" in words[idx].value:
                break
            word = words[idx]
            idx += 1
    return Edit.insert(run.end_offset(word.end), " " + text)


def errexit(run: RunScript, cmds: ScriptCommands) -> bool:
    """`-e` is on for the script's top level: from SHELL/the shebang, or a leading `set -e…`."""
    if run.errexit:
        return True
    first = cmds.commands[0] if cmds.commands else None
    if first is None or first.words[0].value != "set":
        return False
    if cmds.parsed is not None:
        items = cmds.parsed.body.items
        if not items or cmds.node_of(first) is not items[0].and_or.pipelines[0].commands[0]:
            return False
    return set_errexit([w.value for w in first.words[1:]])


@dataclass
class _Style:
    leading: bool
    op: str  # "&&" or ";"
    indent: str
    gap: str  # what stands between code and the escape at a line end ("" or " ")


def _code_tokens(text: str) -> list[Token] | str:
    try:
        return [t for t in tokenize(text) if t.kind in ("word", "op", "heredoc", "comment")]
    except LexError as e:
        return f"the shell script does not tokenize ({e})"


def _style(run: RunScript, tokens: list[Token], use_semicolon: bool) -> _Style:
    df, instr = run.df, run.instr
    first = instr.lines[0]
    lead_indents: list[str] = []
    trail_indents: list[str] = []
    semis = ands = 0
    gaps: list[str] = []
    code_lines = [ln for ln in instr.lines[1:] if ln.text.strip() and not ln.text.lstrip().startswith("#")]
    for t in tokens:
        if t.kind != "op" or t.text not in _LIST_OPS:
            continue
        off = run.offset(t.start)
        line = df.line_at(off)
        before = df.text[line.start : off]
        after = df.text[run.end_offset(t.end) : line.text_end]
        if line is not first and not before.strip():
            lead_indents.append(before)
        elif after.strip() == df.escape:
            nxt = next((ln for ln in code_lines if ln.start > line.start), None)
            if nxt is not None:
                trail_indents.append(nxt.text[: len(nxt.text) - len(nxt.text.lstrip())])
        else:
            continue
        semis += t.text == ";"
        ands += t.text == "&&"
    for ln in instr.lines[:-1]:
        body = ln.text.rstrip()
        if body.endswith(df.escape) and body[:-1].strip():
            gaps.append(" " if body[:-1].endswith((" ", "\t")) else "")
    gap = " " if not gaps or gaps.count(" ") * 2 >= len(gaps) else ""
    op = ";" if use_semicolon and semis > ands else "&&"
    if lead_indents and len(lead_indents) >= len(trail_indents):
        return _Style(True, op, lead_indents[-1], gap)
    if trail_indents:
        return _Style(False, op, trail_indents[-1], gap)
    base = first.text[: len(first.text) - len(first.text.lstrip())]
    tab = any(ln.text.startswith("\t") for ln in code_lines)
    return _Style(True, "&&", base + ("\t" if tab else "    "), gap)


def _last_is_exit(cmds: ScriptCommands) -> bool:
    if cmds.parsed is not None:
        items = cmds.parsed.body.items
        if not items:
            return False
        last = items[-1].and_or.pipelines[-1].commands[-1]
        return isinstance(last, Simple) and last.name in ("exit", "exec")
    return bool(cmds.commands) and cmds.commands[-1].words[0].value in ("exit", "exec")


def append_commands(run: RunScript, cmds: ScriptCommands, new: list[str]) -> list[Edit] | str:
    """Edits that run `new` after everything else the script runs, keeping its exit status meaning."""
    if not run.editable:
        return run.refusal or "not editable"
    tokens = _code_tokens(run.text)
    if isinstance(tokens, str):
        return tokens
    code = [t for t in tokens if t.kind != "comment"]
    if not code:
        return "the RUN runs nothing"
    last = code[-1]
    if last.kind == "op" and last.text not in (";", ")"):
        return f"the script ends with `{last.text}`"
    if _last_is_exit(cmds):
        return "the script ends with exit/exec: nothing after it runs"
    end_tok = code[-2] if last.kind == "op" and last.text == ";" and len(code) > 1 else last
    if run.heredoc is not None:
        return _append_heredoc(run, cmds, tokens, end_tok, last, new)
    if run.tail_at is not None:
        return "the RUN line's heredoc is read by its commands"
    at = run.end_offset(code_end(run.text))
    # a shell comment after the code runs to the end of the joined line: it must stay the last thing
    comment = trailing_comment_span(run.text)
    if comment is not None:
        comment_line = run.df.line_at(run.offset(comment[0]))
        later = [ln for ln in run.instr.lines if ln.start > comment_line.start and ln.text.strip()]
        if any(not ln.text.lstrip().startswith("#") for ln in later):
            return f"the shell comment on line {comment_line.number} hides the rest of the RUN"
    style = _style(run, tokens, errexit(run, cmds))
    line = run.df.line_at(at - 1)
    nl = line.eol or run.df.newline
    esc = run.df.escape
    out = []
    for cmd in new:
        if style.leading:
            out.append(f"{style.gap}{esc}{nl}{style.indent}{style.op} {cmd}")
        else:
            sep = " &&" if style.op == "&&" else ";"
            out.append(f"{sep}{style.gap or ' '}{esc}{nl}{style.indent}{cmd}")
    return [Edit.insert(at, "".join(out))]


def _append_heredoc(
    run: RunScript, cmds: ScriptCommands, tokens: list[Token], end_tok: Token, last: Token, new: list[str]
) -> list[Edit] | str:
    """New last lines of the heredoc body; without errexit the old last command joins them with `&&`."""
    doc = run.heredoc
    assert doc is not None
    body_line = run.df.line_at(run.offset(end_tok.start))
    indent = body_line.text[: len(body_line.text) - len(body_line.text.lstrip())]
    nl = body_line.eol or run.df.newline
    edits: list[Edit] = []
    if errexit(run, cmds):
        lines = [f"{indent}{c}{nl}" for c in new]
    else:
        if last.kind == "op" and last.text == ";":
            edits.append(Edit(run.offset(last.start), run.end_offset(last.end), " &&"))
        else:
            edits.append(Edit.insert(run.end_offset(end_tok.end), " &&"))
        lines = [f"{indent}{c}{' &&' if k < len(new) - 1 else ''}{nl}" for k, c in enumerate(new)]
    edits.append(Edit.insert(doc.body_end, "".join(lines)))
    return edits


def _containing(lst: CommandList, target: Simple) -> tuple[AndOr, int] | None:
    """The and-or list whose pipeline `k` runs `target` directly, searching compound bodies too."""
    for item in lst.items:
        ao = item.and_or
        for k, pl in enumerate(ao.pipelines):
            for c in pl.commands:
                if c is target:
                    return ao, k
                if isinstance(c, Compound):
                    for body in c.bodies:
                        found = _containing(body, target)
                        if found is not None:
                            return found
    return None


def insert_before(run: RunScript, cmds: ScriptCommands, cmd: SimpleCommand, text: str) -> Edit | str:
    """`text` (ending in `&& `) in front of the pipeline that runs `cmd`, when `&&` binds to it alone."""
    if not run.editable:
        return run.refusal or "not editable"
    node = cmds.node_of(cmd)
    if cmds.parsed is None or node is None:
        first = cmds.commands[0] if cmds.commands else None
        if first is cmd and cmd.start == len(run.text) - len(run.text.lstrip()):
            return Edit.insert(run.offset(cmd.start), text)
        return "the shell parser cannot read the RUN"
    found = _containing(cmds.parsed.body, node)
    if found is None:
        return "the command runs inside a command substitution"
    ao, k = found
    if k > 0 and ao.ops[k - 1].text != "&&":
        return f"the command follows `{ao.ops[k - 1].text}`"
    return Edit.insert(run.offset(ao.pipelines[k].start), text)


def drop_command(run: RunScript, cmds: ScriptCommands, cmd: SimpleCommand) -> Edit | str:
    """Delete a top-level command with the operator that joins it to its neighbour."""
    if not run.editable:
        return run.refusal or "not editable"
    node = cmds.node_of(cmd)
    if cmds.parsed is None or node is None:
        return "the shell parser cannot read the RUN"
    items = cmds.parsed.body.items
    span: tuple[int, int] | None = None
    for n, item in enumerate(items):
        ao = item.and_or
        for k, pl in enumerate(ao.pipelines):
            if len(pl.commands) != 1 or pl.commands[0] is not node:
                continue
            if len(ao.pipelines) > 1:
                if k == 0 and ao.ops[0].text == "&&":
                    span = (pl.start, ao.pipelines[1].start)
                elif k > 0 and ao.ops[k - 1].text == "&&" and (k == len(ao.ops) or ao.ops[k].text == "&&"):
                    span = (ao.pipelines[k - 1].end, pl.end)
            elif item.terminator is None or item.terminator.text in (";", "\n"):
                if n + 1 < len(items):
                    span = (ao.start, items[n + 1].and_or.start)
                elif n > 0:
                    prev = items[n - 1]
                    if prev.terminator is not None and prev.terminator.text != "&":
                        span = (prev.and_or.end, ao.end)
    if span is None:
        return "the command is not a plain step of the script"
    start, end = run.offset(span[0]), run.end_offset(span[1])
    if "#" in run.df.text[start:end]:
        return "a comment sits next to the command"
    return Edit.delete(start, end)
