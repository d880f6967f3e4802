"""GitLab's merge request endpoints, as far as dockfix-bot uses them, with state, on 127.0.0.1.

Requests and responses are validated with jsonschema against tests/data/gitlab/merge_requests.schema.json,
written by hand from GitLab's API documentation (GitLab publishes no OpenAPI description of them).
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.bot.http_fake import FakeForge, Reply, Request, now

SCHEMA_PATH = Path(__file__).parent.parent / "data" / "gitlab" / "merge_requests.schema.json"
PREFIX = "/api/v4"


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(instance: Any, ref: dict[str, Any] | str) -> list[str]:
    from jsonschema import Draft202012Validator, FormatChecker

    doc = schema()
    target = {"$ref": f"#/$defs/{ref}"} if isinstance(ref, str) else ref
    v = Draft202012Validator({**target, "$defs": doc["$defs"]}, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in v.iter_errors(instance)]


def _operation(method: str, raw_path: str) -> tuple[str, dict[str, Any]] | None:
    path = raw_path.removeprefix(PREFIX)
    for key, op in schema()["$defs"]["operations"].items():
        if key.startswith("$"):
            continue
        m, template = key.split(" ", 1)
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if m == method and re.match(pattern, path):
            return key, op
    return None


class FakeGitLab(FakeForge):
    def __init__(self, token: str, repo: str, bare: Path | None = None) -> None:
        super().__init__(token)
        self.repo = repo
        self.bare = bare
        self.mrs: dict[int, dict[str, Any]] = {}
        self.notes: list[tuple[int, str]] = []
        self.users = {"alice": 41, "bob": 42}
        self.next_iid = 1

    # -- validation ---------------------------------------------------------------------------------

    def check_request(self, req: Request) -> list[str]:
        found = _operation(req.method, req.path)
        if found is None:
            return [f"{req.method} {req.path}: not an endpoint dockfix-bot is known to use"]
        key, op = found
        problems: list[str] = []
        if "query" in op:
            problems += validate(req.query, op["query"])
        elif req.query:
            problems.append(f"unexpected query {req.query}")
        if "body" in op:
            if not (req.headers.get("content-type") or "").startswith("application/json"):
                problems.append("body is not sent as application/json")
            try:
                problems += validate(req.json(), op["body"])
            except json.JSONDecodeError:
                problems.append("body is not JSON")
        elif req.body:
            problems.append("unexpected body")
        return [f"{key}: {p}" for p in problems]

    def check_response(self, req: Request, reply: Reply) -> list[str]:
        status, _, body = reply
        found = _operation(req.method, req.path)
        if found is None:
            return []
        key, op = found
        if status == op["status"]:
            problems = validate(body, op["response"])
        elif isinstance(body, bytes):
            problems = []  # GitLab's rate limiter answers in plain text ("Retry later")
        else:
            problems = validate(body, "error")
        return [f"response {status} to {key}: {p}" for p in problems]

    # -- auth ---------------------------------------------------------------------------------------

    def authorized(self, req: Request) -> bool:
        return req.headers.get("private-token") == self.token

    def unauthorized(self) -> Reply:
        return 401, {}, {"message": "401 Unauthorized"}

    # -- the API ------------------------------------------------------------------------------------

    def route(self, req: Request) -> Reply:
        project = f"{PREFIX}/projects/{quote(self.repo, safe='')}"
        body = req.json() or {}
        if req.method == "GET" and req.path == f"{PREFIX}/users":
            uid = self.users.get(req.query["username"])
            return 200, {}, [self.user(req.query["username"], uid)] if uid else []
        if not req.path.startswith(project + "/"):
            return 404, {}, {"message": "404 Project Not Found"}
        rest = req.path[len(project) :]
        if rest == "/merge_requests" and req.method == "GET":
            q = req.query
            found = [
                self.mr(i)
                for i, m in sorted(self.mrs.items())
                if q.get("state", "all") in ("all", m["state"]) and q.get("source_branch", m["source"]) == m["source"]
            ]
            return 200, {}, found
        if rest == "/merge_requests" and req.method == "POST":
            return self.create(body)
        m = re.fullmatch(r"/merge_requests/(\d+)", rest)
        if m and req.method == "PUT":
            return self.update(int(m.group(1)), body)
        m = re.fullmatch(r"/merge_requests/(\d+)/notes", rest)
        if m and req.method == "POST" and int(m.group(1)) in self.mrs:
            iid = int(m.group(1))
            self.notes.append((iid, body["body"]))
            return 201, {}, {
                "id": len(self.notes),
                "body": body["body"],
                "author": self.user("dockfix-bot", 7),
                "created_at": now(),
                "system": False,
                "noteable_id": 500 + iid,
                "noteable_type": "MergeRequest",
                "noteable_iid": iid,
            }
        return 404, {}, {"message": "404 Not found"}

    def _branch_sha(self, branch: str) -> str | None:
        if self.bare is None:
            return "0" * 40
        p = subprocess.run(
            ["git", "--git-dir", str(self.bare), "rev-parse", "-q", "--verify", f"refs/heads/{branch}"], capture_output=True, text=True
        )
        return p.stdout.strip() or None

    def create(self, body: dict[str, Any]) -> Reply:
        source, target = body["source_branch"], body["target_branch"]
        if self._branch_sha(source) is None:
            return 400, {}, {"message": {"source_branch": ["is invalid"]}}
        for iid, m in self.mrs.items():
            if m["state"] == "opened" and m["source"] == source and m["target"] == target:
                return 409, {}, {"message": [f"Another open merge request already exists for this source branch: !{iid}"]}
        iid = self.next_iid
        self.next_iid += 1
        labels = [lb for lb in (body.get("labels") or "").split(",") if lb]
        self.mrs[iid] = {
            "title": body["title"],
            "description": body.get("description"),
            "source": source,
            "target": target,
            "state": "opened",
            "labels": labels,
            "reviewers": list(body.get("reviewer_ids", [])),
        }
        return 201, {}, self.mr(iid)

    def update(self, iid: int, body: dict[str, Any]) -> Reply:
        if iid not in self.mrs:
            return 404, {}, {"message": "404 Not found"}
        m = self.mrs[iid]
        if "title" in body:
            m["title"] = body["title"]
        if "description" in body:
            m["description"] = body["description"]
        if "target_branch" in body:
            m["target"] = body["target_branch"]
        if body.get("state_event") == "close":
            m["state"] = "closed"
        for lb in (body.get("add_labels") or "").split(","):
            if lb and lb not in m["labels"]:
                m["labels"].append(lb)
        if "reviewer_ids" in body:
            m["reviewers"] = list(body["reviewer_ids"])
        return 200, {}, self.mr(iid)

    # -- response objects ---------------------------------------------------------------------------

    def user(self, username: str, uid: int | None) -> dict[str, Any]:
        return {
            "id": uid or 0,
            "username": username,
            "name": username.title(),
            "state": "active",
            "avatar_url": None,
            "web_url": f"https://gitlab.invalid/{username}",
        }

    def mr(self, iid: int) -> dict[str, Any]:
        m = self.mrs[iid]
        ids = {v: k for k, v in self.users.items()}
        return {
            "id": 500 + iid,
            "iid": iid,
            "project_id": 9,
            "title": m["title"],
            "description": m["description"],
            "state": m["state"],
            "created_at": "2024-05-01T12:00:00Z",
            "updated_at": now(),
            "merged_at": None,
            "closed_at": None if m["state"] != "closed" else now(),
            "target_branch": m["target"],
            "source_branch": m["source"],
            "source_project_id": 9,
            "target_project_id": 9,
            "author": self.user("dockfix-bot", 7),
            "assignees": [],
            "reviewers": [self.user(ids[r], r) for r in m["reviewers"] if r in ids],
            "labels": list(m["labels"]),
            "draft": False,
            "work_in_progress": False,
            "sha": self._branch_sha(m["source"]),
            "references": {"short": f"!{iid}", "relative": f"!{iid}", "full": f"{self.repo}!{iid}"},
            "web_url": f"https://gitlab.invalid/{self.repo}/-/merge_requests/{iid}",
        }
