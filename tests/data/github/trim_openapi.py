"""Cut GitHub's OpenAPI description down to the operations dockfix-bot calls (see README.md here).

    npm pack @octokit/openapi && tar xzf octokit-openapi-*.tgz package/generated/api.github.com.json
    python tests/data/github/trim_openapi.py package/generated/api.github.com.json 23.0.2 > tests/data/github/openapi.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

OPERATIONS = {
    "/repos/{owner}/{repo}/pulls": ("get", "post"),
    "/repos/{owner}/{repo}/pulls/{pull_number}": ("patch",),
    "/repos/{owner}/{repo}/issues/{issue_number}/labels": ("post",),
    "/repos/{owner}/{repo}/issues/{issue_number}/comments": ("post",),
    "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": ("post",),
}
# samples and links only: dropping them changes no validation outcome (descriptions stay: a Response needs one)
DROP = {"summary", "examples", "example", "externalDocs", "x-github", "tags"}


def strip(node: Any, in_properties: bool = False) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if not in_properties and k in DROP:
                continue  # (under `properties` a key is a field name, kept whatever it is)
            out[k] = strip(v, in_properties=(k == "properties" and not in_properties))
        return out
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.add(node["$ref"])
        for v in node.values():
            found |= refs(v)
    elif isinstance(node, list):
        for v in node:
            found |= refs(v)
    return found


def main(src: str, version: str) -> None:
    spec = json.load(open(src, encoding="utf-8"))
    paths = {p: {m: spec["paths"][p][m] for m in ms} for p, ms in OPERATIONS.items()}
    components: dict[str, dict[str, Any]] = {}
    todo = refs(paths)
    done: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in done:
            continue
        done.add(ref)
        _, _, kind, name = ref.split("/", 3)
        if kind == "examples":
            continue
        node = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = node
        todo |= refs(node)
    out = {
        "openapi": spec["openapi"],
        "info": {
            "title": spec["info"]["title"],
            "version": spec["info"]["version"],
            "x-trimmed-from": f"npm @octokit/openapi {version}, generated/api.github.com.json",
        },
        "servers": spec["servers"],
        "paths": strip(paths),
        "components": {k: dict(sorted(strip(v).items())) for k, v in sorted(components.items())},
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
