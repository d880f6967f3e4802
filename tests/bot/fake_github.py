"""GitHub's pull request endpoints, as far as dockfix-bot uses them, with state, on 127.0.0.1.

Every request and response is validated with openapi-core against GitHub's OpenAPI description
(tests/data/github/openapi.json, cut from the npm package @octokit/openapi; see its README).
Error statuses the description does not list for an operation (401 on any of them, 403 on a list)
are checked against `basic-error`, the shape GitHub documents for every error body.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.bot.http_fake import FakeForge, Reply, Request
from tests.bot.schema_fill import Filler

SPEC_PATH = Path(__file__).parent.parent / "data" / "github" / "openapi.json"
SPEC_SERVER = "https://api.github.com"
DOCS = "https://docs.github.com/rest"


@functools.cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@functools.cache
def openapi() -> Any:
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(spec())


def _errors(found: Any) -> list[str]:
    """openapi-core's errors, each with the schema violations found down its chain of causes."""
    out = []
    for e in found:
        details: list[str] = []
        cause: BaseException | None = e
        while cause is not None:
            details += [str(x).split("\n")[0] for x in getattr(cause, "schema_errors", None) or []]
            cause = cause.__cause__
        out.append(f"{type(e).__name__}" + (f": {'; '.join(details)}" if details else f": {str(e)[:300]}"))
    return out


class FakeGitHub(FakeForge):
    def __init__(self, token: str, repo: str, bare: Path | None = None) -> None:
        super().__init__(token)
        self.owner, self.name = repo.split("/")
        self.bare = bare
        self.pulls: dict[int, dict[str, Any]] = {}
        self.comments: list[tuple[int, str]] = []
        self.next_number = 1
        self.filler = Filler(spec())

    # -- validation ---------------------------------------------------------------------------------

    def _mock_request(self, req: Request) -> Any:
        from openapi_core.testing import MockRequest

        ctype = (req.headers.get("content-type") or "application/json").split(";")[0].strip()
        return MockRequest(
            SPEC_SERVER,
            req.method.lower(),
            unquote(req.path),
            args=req.query,
            headers=req.headers,
            data=req.body or None,
            content_type=ctype,
        )

    def check_request(self, req: Request) -> list[str]:
        problems = _errors(openapi().iter_request_errors(self._mock_request(req)))
        if req.headers.get("accept") != "application/vnd.github+json":
            problems.append(f"Accept is {req.headers.get('accept')!r}, GitHub recommends application/vnd.github+json")
        if not req.headers.get("user-agent"):
            problems.append("GitHub requires a User-Agent header")
        return [f"{req.method} {req.path}: {p}" for p in problems]

    def check_response(self, req: Request, reply: Reply) -> list[str]:
        from openapi_core.testing import MockResponse

        status, headers, body = reply
        documented = self._documented(req, status)
        if documented:
            resp = MockResponse(json.dumps(body).encode(), status, headers, "application/json")
            problems = _errors(openapi().iter_response_errors(self._mock_request(req), resp))
        else:
            from openapi_schema_validator import OAS30Validator

            schema = spec()["components"]["schemas"]["basic-error"]
            problems = [e.message for e in OAS30Validator(schema).iter_errors(body)]
        return [f"response {status} to {req.method} {req.path}: {p}" for p in problems]

    def _documented(self, req: Request, status: int) -> bool:
        path = unquote(req.path)
        for template, ops in spec()["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            if re.match(pattern, path) and req.method.lower() in ops:
                return str(status) in ops[req.method.lower()]["responses"]
        return False

    # -- auth ---------------------------------------------------------------------------------------

    def authorized(self, req: Request) -> bool:
        return req.headers.get("authorization") == f"Bearer {self.token}"

    def unauthorized(self) -> Reply:
        return 401, {}, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}

    # -- the API ------------------------------------------------------------------------------------

    def route(self, req: Request) -> Reply:
        prefix = f"/repos/{self.owner}/{self.name}"
        path = unquote(req.path)
        if not path.startswith(prefix + "/"):
            return self.not_found()
        rest = path[len(prefix) :]
        body = req.json() or {}
        if rest == "/pulls" and req.method == "GET":
            return 200, {}, [self.simple(n) for n in self._matching(req.query)]
        if rest == "/pulls" and req.method == "POST":
            return self.create(body)
        m = re.fullmatch(r"/pulls/(\d+)", rest)
        if m and req.method == "PATCH":
            return self.update(int(m.group(1)), body)
        m = re.fullmatch(r"/issues/(\d+)/labels", rest)
        if m and req.method == "POST" and int(m.group(1)) in self.pulls:
            pr = self.pulls[int(m.group(1))]
            for name in body.get("labels", []):
                if name not in pr["labels"]:
                    pr["labels"].append(name)
            return 200, {}, [self.label(n) for n in pr["labels"]]
        m = re.fullmatch(r"/pulls/(\d+)/requested_reviewers", rest)
        if m and req.method == "POST" and int(m.group(1)) in self.pulls:
            n = int(m.group(1))
            self.pulls[n]["reviewers"] += body.get("reviewers", [])
            self.pulls[n]["teams"] += body.get("team_reviewers", [])
            return 201, {}, self.simple(n)
        m = re.fullmatch(r"/issues/(\d+)/comments", rest)
        if m and req.method == "POST" and int(m.group(1)) in self.pulls:
            self.comments.append((int(m.group(1)), body["body"]))
            return 201, {}, self.filler.fill(
                spec()["components"]["schemas"]["issue-comment"], {"id": len(self.comments), "body": body["body"]}
            )
        return self.not_found()

    def not_found(self) -> Reply:
        return 404, {}, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}

    def _matching(self, q: dict[str, str]) -> list[int]:
        state = q.get("state", "open")
        out = []
        for n, pr in sorted(self.pulls.items()):
            if state != "all" and pr["state"] != state:
                continue
            if "head" in q and q["head"] != f"{self.owner}:{pr['head']}":
                continue
            if "base" in q and q["base"] != pr["base"]:
                continue
            out.append(n)
        return out

    def _branch_sha(self, branch: str) -> str | None:
        if self.bare is None:
            return "0" * 40
        p = subprocess.run(
            ["git", "--git-dir", str(self.bare), "rev-parse", "-q", "--verify", f"refs/heads/{branch}"],
            capture_output=True,
            text=True,
        )
        return p.stdout.strip() or None

    def _invalid(self, *errors: dict[str, str]) -> Reply:
        return 422, {}, {"message": "Validation Failed", "errors": list(errors), "documentation_url": DOCS, "status": "422"}

    def create(self, body: dict[str, Any]) -> Reply:
        head, base = body["head"].split(":")[-1], body["base"]
        if self._branch_sha(head) is None:
            return self._invalid({"resource": "PullRequest", "field": "head", "code": "invalid"})
        if self._branch_sha(base) is None:
            return self._invalid({"resource": "PullRequest", "field": "base", "code": "invalid"})
        if self._matching({"state": "open", "head": f"{self.owner}:{head}", "base": base}):
            return self._invalid(
                {"resource": "PullRequest", "code": "custom", "message": f"A pull request already exists for {self.owner}:{head}."}
            )
        n = self.next_number
        self.next_number += 1
        self.pulls[n] = {
            "title": body.get("title", ""),
            "body": body.get("body"),
            "head": head,
            "base": base,
            "state": "open",
            "labels": [],
            "reviewers": [],
            "teams": [],
        }
        return 201, {"location": f"{SPEC_SERVER}/repos/{self.owner}/{self.name}/pulls/{n}"}, self.full(n)

    def update(self, n: int, body: dict[str, Any]) -> Reply:
        if n not in self.pulls:
            return self.not_found()
        pr = self.pulls[n]
        for key in ("title", "body", "base", "state"):
            if key in body:
                pr[key] = body[key]
        return 200, {}, self.full(n)

    # -- response objects ---------------------------------------------------------------------------

    def label(self, name: str) -> dict[str, Any]:
        return self.filler.fill(spec()["components"]["schemas"]["label"], {"name": name, "color": "ededed"})

    def _fields(self, n: int) -> dict[str, Any]:
        pr = self.pulls[n]
        web = f"https://github.com/{self.owner}/{self.name}/pull/{n}"
        user = {"login": "dockfix[bot]", "type": "Bot"}
        repo = {"name": self.name, "full_name": f"{self.owner}/{self.name}", "owner": {"login": self.owner}}
        return {
            "number": n,
            "id": 1000 + n,
            "title": pr["title"],
            "body": pr["body"],
            "state": pr["state"],
            "html_url": web,
            "url": f"{SPEC_SERVER}/repos/{self.owner}/{self.name}/pulls/{n}",
            "user": user,
            "labels": [{"name": lb, "color": "ededed"} for lb in pr["labels"]],
            "head": {"ref": pr["head"], "label": f"{self.owner}:{pr['head']}", "sha": self._branch_sha(pr["head"]) or "0" * 40, "repo": repo, "user": user},
            "base": {"ref": pr["base"], "label": f"{self.owner}:{pr['base']}", "sha": self._branch_sha(pr["base"]) or "0" * 40, "repo": repo, "user": user},
        }

    def full(self, n: int) -> dict[str, Any]:
        return self.filler.fill(spec()["components"]["schemas"]["pull-request"], self._fields(n))

    def simple(self, n: int) -> dict[str, Any]:
        return self.filler.fill(spec()["components"]["schemas"]["pull-request-simple"], self._fields(n))
