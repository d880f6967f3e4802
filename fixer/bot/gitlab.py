"""GitLab's REST API (gitlab.com and self-managed) for the merge request the bot keeps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fixer.bot.forge import Api, ChangeRequest, ForgeError, error_text, reset_time
from fixer.bot.secrets import Secret

if TYPE_CHECKING:
    import httpx

DEFAULT_API = "https://gitlab.com/api/v4"
# GitLab's documented limit for a merge request description
BODY_LIMIT = 1_048_576


class GitLab(Api):
    kind = "merge request"
    body_limit = BODY_LIMIT
    name = "GitLab"

    def __init__(self, repo: str, token: Secret, token_name: str, base_url: str = DEFAULT_API, timeout: float = 30.0) -> None:
        super().__init__(base_url, token, {"PRIVATE-TOKEN": token.reveal()}, timeout)
        self.repo = repo
        self.token_name = token_name
        # a project is named by its URL-encoded full path, nested groups included
        self._prefix = f"projects/{quote(repo, safe='')}"

    def find_open(self, branch: str) -> ChangeRequest | None:
        mrs = self.request(
            "GET", f"{self._prefix}/merge_requests", params={"state": "opened", "source_branch": branch, "per_page": 100}
        )
        for m in mrs or []:
            if m.get("source_branch") == branch:
                return _mr(m)
        return None

    def create(self, branch: str, base: str, title: str, body: str) -> ChangeRequest:
        m = self.request(
            "POST",
            f"{self._prefix}/merge_requests",
            body={"source_branch": branch, "target_branch": base, "title": title, "description": body, "remove_source_branch": True},
        )
        return _mr(m)

    def update(self, cr: ChangeRequest, title: str, body: str, base: str) -> ChangeRequest:
        changes: dict[str, Any] = {}
        if cr.title != title:
            changes["title"] = title
        if cr.body != body:
            changes["description"] = body
        if cr.base != base:
            changes["target_branch"] = base
        if not changes:
            return cr
        return _mr(self.request("PUT", f"{self._prefix}/merge_requests/{cr.number}", body=changes))

    def add_labels(self, cr: ChangeRequest, labels: Sequence[str]) -> None:
        missing = [lb for lb in labels if lb not in cr.labels]
        if missing:
            self.request("PUT", f"{self._prefix}/merge_requests/{cr.number}", body={"add_labels": ",".join(missing)})
            cr.labels.extend(missing)

    def request_reviewers(self, cr: ChangeRequest, reviewers: Sequence[str]) -> None:
        ids: list[int] = []
        for name in reviewers:
            users = self.request("GET", "users", params={"username": name})
            if not users:
                raise ForgeError(f"GitLab: no user named {name!r} to request a review from")
            ids.append(int(users[0]["id"]))
        if ids:
            self.request("PUT", f"{self._prefix}/merge_requests/{cr.number}", body={"reviewer_ids": ids})

    def close(self, cr: ChangeRequest, comment: str) -> None:
        self.request("POST", f"{self._prefix}/merge_requests/{cr.number}/notes", body={"body": comment})
        self.request("PUT", f"{self._prefix}/merge_requests/{cr.number}", body={"state_event": "close"})

    def explain(self, r: httpx.Response, what: str) -> str:
        msg = error_text(r)
        h = r.headers
        if r.status_code == 401:
            return f"GitLab rejected the token ({msg}) on {what}: check that ${self.token_name} holds a valid token with the `api` scope"
        if r.status_code == 429 or (r.status_code == 403 and h.get("ratelimit-remaining") == "0"):
            when = reset_time(h.get("ratelimit-reset")) if h.get("ratelimit-reset") else f"in {h.get('retry-after', 'a few')} s"
            return f"GitLab API rate limit exceeded on {what}; it resets {when}. Nothing was changed; run the bot again after that"
        if r.status_code == 403:
            return f"GitLab refused {what} ({msg}): the token needs the `api` scope and Developer access to {self.repo}"
        if r.status_code == 404:
            return f"GitLab: {what} not found ({msg}): {self.repo} does not exist or the token cannot see it"
        if r.status_code == 409:
            return f"GitLab: a merge request for this branch already exists ({msg}); it was not found among the open ones"
        return f"GitLab: {what} failed with {r.status_code}: {msg}"


def _mr(m: Any) -> ChangeRequest:
    return ChangeRequest(
        number=int(m["iid"]),
        url=str(m.get("web_url") or ""),
        title=str(m.get("title") or ""),
        body=str(m.get("description") or ""),
        base=str(m.get("target_branch") or ""),
        labels=[str(lb) if not isinstance(lb, dict) else str(lb.get("name")) for lb in m.get("labels") or []],
    )
