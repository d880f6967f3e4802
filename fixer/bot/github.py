"""GitHub's REST API (github.com and GitHub Enterprise Server) for the pull request the bot keeps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fixer.bot.body import GITHUB_BODY_LIMIT
from fixer.bot.forge import Api, ChangeRequest, error_text, reset_time
from fixer.bot.secrets import Secret

if TYPE_CHECKING:
    import httpx

DEFAULT_API = "https://api.github.com"
API_VERSION = "2022-11-28"


class GitHub(Api):
    kind = "pull request"
    body_limit = GITHUB_BODY_LIMIT
    name = "GitHub"

    def __init__(self, repo: str, token: Secret, token_name: str, base_url: str = DEFAULT_API, timeout: float = 30.0) -> None:
        super().__init__(
            base_url,
            token,
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "Authorization": f"Bearer {token.reveal()}",
            },
            timeout,
        )
        self.owner, _, self.repo_name = repo.partition("/")
        self.repo = repo
        self.token_name = token_name
        self._prefix = f"repos/{quote(self.owner, safe='')}/{quote(self.repo_name, safe='')}"

    def find_open(self, branch: str) -> ChangeRequest | None:
        pulls = self.request(
            "GET", f"{self._prefix}/pulls", params={"state": "open", "head": f"{self.owner}:{branch}", "per_page": 100}
        )
        for p in pulls or []:
            # `head` filters by owner:branch already; checking again guards against a server that ignores it
            if p.get("head", {}).get("ref") == branch:
                return _pull(p)
        return None

    def create(self, branch: str, base: str, title: str, body: str) -> ChangeRequest:
        p = self.request("POST", f"{self._prefix}/pulls", body={"title": title, "head": branch, "base": base, "body": body})
        return _pull(p)

    def update(self, cr: ChangeRequest, title: str, body: str, base: str) -> ChangeRequest:
        changes: dict[str, Any] = {}
        if cr.title != title:
            changes["title"] = title
        if cr.body != body:
            changes["body"] = body
        if cr.base != base:
            changes["base"] = base
        if not changes:
            return cr
        return _pull(self.request("PATCH", f"{self._prefix}/pulls/{cr.number}", body=changes))

    def add_labels(self, cr: ChangeRequest, labels: Sequence[str]) -> None:
        missing = [lb for lb in labels if lb not in cr.labels]
        if missing:
            self.request("POST", f"{self._prefix}/issues/{cr.number}/labels", body={"labels": missing})
            cr.labels.extend(missing)

    def request_reviewers(self, cr: ChangeRequest, reviewers: Sequence[str]) -> None:
        # "org/team" names a team, as in CODEOWNERS; the API wants the team's slug alone
        users = [r for r in reviewers if "/" not in r]
        teams = [r.split("/", 1)[1] for r in reviewers if "/" in r]
        body: dict[str, list[str]] = {}
        if users:
            body["reviewers"] = users
        if teams:
            body["team_reviewers"] = teams
        if body:
            self.request("POST", f"{self._prefix}/pulls/{cr.number}/requested_reviewers", body=body)

    def close(self, cr: ChangeRequest, comment: str) -> None:
        self.request("POST", f"{self._prefix}/issues/{cr.number}/comments", body={"body": comment})
        self.request("PATCH", f"{self._prefix}/pulls/{cr.number}", body={"state": "closed"})

    def explain(self, r: httpx.Response, what: str) -> str:
        msg = error_text(r)
        h = r.headers
        if r.status_code == 401:
            return (
                f"GitHub rejected the token (401 {msg}) on {what}: "
                f"check that ${self.token_name} holds a valid, unexpired token"
            )
        if r.status_code in (403, 429) and h.get("x-ratelimit-remaining") == "0":
            return (
                f"GitHub API rate limit exceeded ({h.get('x-ratelimit-used', '?')} of "
                f"{h.get('x-ratelimit-limit', '?')} requests used); it resets {reset_time(h.get('x-ratelimit-reset'))}. "
                "Nothing was changed; run the bot again after that"
            )
        if r.status_code in (403, 429) and (h.get("retry-after") or "rate limit" in msg.lower()):
            wait = f"retry after {h['retry-after']}s" if h.get("retry-after") else "wait a few minutes"
            return f"GitHub secondary rate limit hit on {what} ({msg}); {wait}"
        if r.status_code == 403:
            return (
                f"GitHub refused {what} (403 {msg}): the token needs `contents: write` and "
                "`pull-requests: write` on " + self.repo
            )
        if r.status_code == 404:
            return f"GitHub: {what} not found (404): {self.repo} does not exist or the token cannot see it"
        if r.status_code == 422 and "already exists" in msg:
            return f"GitHub: a pull request for this branch already exists ({msg}); it was not found among the open ones"
        return f"GitHub: {what} failed with {r.status_code}: {msg}"


def _pull(p: Any) -> ChangeRequest:
    return ChangeRequest(
        number=int(p["number"]),
        url=str(p.get("html_url") or p.get("url") or ""),
        title=str(p.get("title") or ""),
        body=str(p.get("body") or ""),
        base=str((p.get("base") or {}).get("ref") or ""),
        labels=[str(lb.get("name")) for lb in p.get("labels") or [] if isinstance(lb, dict)],
    )
