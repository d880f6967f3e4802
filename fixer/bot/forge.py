"""What the bot asks of a forge (GitHub, GitLab), and the HTTP plumbing both share.

Every failure becomes a `ForgeError` whose message says what went wrong and what to do, with the
token redacted; `outcome_unknown` marks the failures (timeouts, dropped connections) after which the
bot cannot know whether the forge did what it was asked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from fixer.bot.errors import BotError
from fixer.bot.secrets import Secret, redact

if TYPE_CHECKING:
    import httpx


@dataclass
class ChangeRequest:
    """A pull request (GitHub) or merge request (GitLab)."""

    number: int
    url: str
    title: str
    body: str
    base: str
    labels: list[str] = field(default_factory=list)


class ForgeError(BotError):
    def __init__(self, message: str, status: int | None = None, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.outcome_unknown = outcome_unknown


class Forge(Protocol):
    kind: str  # "pull request" or "merge request", for messages
    body_limit: int

    def find_open(self, branch: str) -> ChangeRequest | None: ...

    def create(self, branch: str, base: str, title: str, body: str) -> ChangeRequest: ...

    def update(self, cr: ChangeRequest, title: str, body: str, base: str) -> ChangeRequest: ...

    def add_labels(self, cr: ChangeRequest, labels: Sequence[str]) -> None: ...

    def request_reviewers(self, cr: ChangeRequest, reviewers: Sequence[str]) -> None: ...

    def close(self, cr: ChangeRequest, comment: str) -> None: ...


class Api:
    """A JSON API client: one httpx client, errors turned into ForgeError with the token redacted."""

    name = "API"

    def __init__(self, base_url: str, token: Secret, headers: Mapping[str, str], timeout: float) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._client = httpx.Client(
            base_url=self.base_url + "/",
            headers={"User-Agent": "dockfix-bot", **headers},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
        )

    def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> Any:
        import httpx

        what = f"{method} {path}"
        try:
            r = self._client.request(method, path.lstrip("/"), params=params, json=body)
        except httpx.TimeoutException:
            raise ForgeError(
                f"{self.name}: {what} timed out after {self.timeout:g}s ({self.base_url}); "
                "the network or the server is slow or unreachable",
                outcome_unknown=method != "GET",
            ) from None
        except httpx.TransportError as e:
            raise ForgeError(
                self._redact(f"{self.name}: {what} failed: cannot reach {self.base_url} ({type(e).__name__}: {e})"),
                outcome_unknown=method != "GET" and not isinstance(e, httpx.ConnectError),
            ) from None
        if r.status_code >= 400:
            raise ForgeError(self._redact(self.explain(r, what)), status=r.status_code)
        if not r.content:
            return None
        try:
            return r.json()
        except json.JSONDecodeError:
            raise ForgeError(f"{self.name}: {what} answered {r.status_code} with a body that is not JSON") from None

    def _redact(self, text: str) -> str:
        return redact(text, self.token)

    def explain(self, r: httpx.Response, what: str) -> str:
        """One message for a failed request; forges refine it."""
        return f"{self.name}: {what} failed with {r.status_code}: {error_text(r)}"


def error_text(r: httpx.Response) -> str:
    """The error a forge put in its JSON body (`message`, `errors`, `error`), else the start of the body."""
    try:
        data = r.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return r.text[:200].strip() or r.reason_phrase
    parts: list[str] = []
    if isinstance(data, dict):
        for key in ("message", "error", "error_description"):
            v = data.get(key)
            if isinstance(v, str):
                parts.append(v)
            elif isinstance(v, list):
                parts.extend(str(x) for x in v)
            elif isinstance(v, dict):
                parts.extend(f"{k} {' '.join(map(str, x)) if isinstance(x, list) else x}" for k, x in v.items())
        for e in data.get("errors") or []:
            if isinstance(e, dict):
                parts.append(str(e.get("message") or " ".join(str(e.get(k, "")) for k in ("resource", "field", "code")).strip()))
            else:
                parts.append(str(e))
    return "; ".join(p for p in parts if p) or r.reason_phrase


def reset_time(epoch: str | None, now: dt.datetime | None = None) -> str:
    """'at 12:34 UTC (in 17 min)' for a rate-limit reset given as Unix seconds."""
    if not epoch:
        return "later"
    try:
        when = dt.datetime.fromtimestamp(int(float(epoch)), tz=dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return "later"
    now = now or dt.datetime.now(tz=dt.timezone.utc)
    minutes = max(0, int((when - now).total_seconds() + 59) // 60)
    return f"at {when:%Y-%m-%d %H:%M} UTC (in {minutes} min)"
