"""Build response objects from a JSON/OpenAPI schema: every required field present with a value of its type.

The fake forges answer with objects made this way, plus the fields they keep as state (number, title,
body, branches ...), so each response has the full shape the real API promises; the validators then
check that claim independently.
"""

from __future__ import annotations

from typing import Any

SAMPLE_STRINGS = {
    "date-time": "2024-05-01T12:00:00Z",
    "date": "2024-05-01",
    "uri": "https://forge.invalid/resource",
    "uri-template": "https://forge.invalid/resource{/id}",
    "email": "someone@forge.invalid",
}


class Filler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.root
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def merged(self, schema: dict[str, Any]) -> dict[str, Any]:
        schema = self.resolve(schema)
        if "allOf" not in schema:
            return schema
        out: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            p = self.merged(part)
            out["properties"].update(p.get("properties", {}))
            out["required"] += p.get("required", [])
        return out

    def fill(self, schema: dict[str, Any], overrides: Any = None) -> Any:
        schema = self.merged(schema)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self.fill(schema[key][0], overrides)
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        if isinstance(overrides, list) and kind == "array":
            return [self.fill(schema.get("items", {}), o) for o in overrides]
        if overrides is not None and not isinstance(overrides, dict):
            return overrides
        if kind == "object":
            props = schema.get("properties", {})
            out: dict[str, Any] = {}
            for name in [*schema.get("required", []), *(overrides or {})]:
                if name in out:
                    continue
                sub = props.get(name, {})
                if overrides and name in overrides:
                    out[name] = self.fill(sub, overrides[name]) if isinstance(overrides[name], (dict, list)) and sub else overrides[name]
                else:
                    out[name] = self.fill(sub)
            return out
        if overrides is not None:
            return overrides
        if schema.get("nullable") or (isinstance(kind, list) and "null" in kind):
            return None
        if "enum" in schema:
            return next(v for v in schema["enum"] if v is not None)
        if kind == "array":
            return []
        if kind == "string":
            return SAMPLE_STRINGS.get(schema.get("format", ""), "x")
        if kind == "integer":
            return max(1, schema.get("minimum", 1))
        if kind == "number":
            return 1.0
        if kind == "boolean":
            return False
        return None
