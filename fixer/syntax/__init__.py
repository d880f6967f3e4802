"""The lossless Dockerfile tree: `parse(text)` gives a `Dockerfile` whose `str()` is `text`, byte for byte."""

from fixer.syntax.errors import ParseError
from fixer.syntax.parser import parse
from fixer.syntax.tree import Dockerfile, Flag, Heredoc, Instruction, Line, Stage, Trivia

__all__ = ["Dockerfile", "Flag", "Heredoc", "Instruction", "Line", "ParseError", "Stage", "Trivia", "parse"]
