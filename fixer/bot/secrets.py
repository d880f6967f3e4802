"""Keeping the token out of everything the bot prints."""

from __future__ import annotations

import base64
import re

MASK = "***"
# userinfo in a URL (https://user:token@host/...), which git echoes back in some errors
_URL_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


class Secret:
    """A token that prints as `***`; `redact` removes it, and the forms git sends it in, from any text."""

    def __init__(self, value: str) -> None:
        self._value = value
        self._forms = {value} if value else set()

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def basic(self, user: str) -> str:
        """The token as an HTTP Basic credential, as git sends it; that form is redacted from then on too."""
        encoded = base64.b64encode(f"{user}:{self._value}".encode()).decode("ascii")
        if self._value:
            self._forms.add(encoded)
        return encoded

    def forms(self) -> list[str]:
        # longest first: a Basic credential may contain the raw token's text only by chance, but never the reverse
        return sorted(self._forms, key=len, reverse=True)


def redact(text: str, *secrets: Secret | None) -> str:
    for s in secrets:
        if s:
            for form in s.forms():
                text = text.replace(form, MASK)
    return _URL_USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", text)
