"""The one error a user's Dockerfile can raise: where it is and why BuildKit would reject it."""


class ParseError(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason
