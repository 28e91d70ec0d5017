"""What the OpenAI-compatible test server reads from a request and answers from: the document and
the requested JSON schema in a request, the reference answers stored as fixtures, the *echo*
record (valid for any schema, quoting real lines of the document) and its faulty variants.

Apart from the server (:mod:`tests.support.openai_server`) so that the HTTP plumbing and what is
answered can be read (and changed) separately.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DOC_OPEN = "<document>\n"
DOC_CLOSE = "\n</document>"


# --------------------------------------------------------------------------- request inspection


def message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def document_in(messages: list[dict[str, Any]]) -> str | None:
    """The document between the markers of the last user message that has them."""
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        text = message_text(message)
        start = text.find(DOC_OPEN)
        end = text.rfind(DOC_CLOSE)
        if start >= 0 and end >= start + len(DOC_OPEN):
            return text[start + len(DOC_OPEN) : end]
    return None


def requested_schema(body: dict[str, Any]) -> tuple[str, str | None, dict[str, Any] | None]:
    """(mode, response model name, JSON schema) as far as the request reveals them."""
    tools = body.get("tools")
    if tools:
        fn = tools[0].get("function", {})
        return "tools", fn.get("name"), fn.get("parameters")
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        js = fmt.get("json_schema", {})
        return "json_schema", js.get("name"), js.get("schema")
    mode = "json" if fmt.get("type") == "json_object" else "md_json"
    for message in body.get("messages", []):
        if message.get("role") != "system":
            continue
        text = message_text(message)
        at = text.find("json_schema:")
        if at < 0:
            continue
        brace = text.find("{", at)
        try:
            schema, _ = json.JSONDecoder().raw_decode(text, brace)
        except (ValueError, json.JSONDecodeError):
            continue
        if isinstance(schema, dict):
            return mode, schema.get("title"), schema
    return mode, None, None


# --------------------------------------------------------------------------- fixtures


class FixtureIndex:
    """Reference responses keyed by (sha256 of the chunk text, response model name)."""

    def __init__(self, folders: Iterable[Path] = ()) -> None:
        self.by_key: dict[tuple[str, str | None], dict[str, Any]] = {}
        self.by_hash: dict[str, dict[str, Any]] = {}
        self.files = 0
        for folder in folders:
            self.load(Path(folder))

    def load(self, folder: Path) -> None:
        for path in sorted(folder.glob("**/responses/*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                sha = data["chunk_sha256"]
                record = data["record"]
            except (OSError, ValueError, KeyError):
                continue
            self.by_key[(sha, data.get("response_model"))] = record
            self.by_hash.setdefault(sha, record)
            self.files += 1

    def lookup(self, sha: str, model_name: str | None) -> dict[str, Any] | None:
        hit = self.by_key.get((sha, model_name))
        if hit is None and model_name is None:
            hit = self.by_hash.get(sha)
        return hit


# --------------------------------------------------------------------------- echo records


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema


def _non_null(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    schema = _resolve(schema, defs)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        for option in options:
            option = _resolve(option, defs)
            if option.get("type") != "null":
                return option
    return schema


class _Quotes:
    """Cycles through short verbatim snippets of the document's non-blank lines."""

    def __init__(self, text: str) -> None:
        snippets = []
        for line in text.splitlines():
            s = line.strip()
            if s:
                snippets.append(s[:16].strip())
        self.snippets = [s for s in snippets if s] or ([text.strip()[:16]] if text.strip() else ["?"])
        self.i = 0

    def next(self) -> str:
        s = self.snippets[self.i % len(self.snippets)]
        self.i += 1
        return s


def echo_record(schema: dict[str, Any], text: str) -> Any:
    """A small record valid for ``schema`` whose strings are verbatim snippets of ``text``."""
    defs = schema.get("$defs", {})
    quotes = _Quotes(text)

    def build(node: dict[str, Any]) -> Any:
        node = _non_null(node, defs)
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return node["enum"][0]
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            return {name: build(sub) for name, sub in node.get("properties", {}).items()}
        if kind == "array":
            return [build(node.get("items", {"type": "string"}))]
        if kind == "integer":
            return 1
        if kind == "number":
            return 1.0
        if kind == "boolean":
            return False
        return quotes.next()

    return build(schema)


def map_strings(schema: dict[str, Any] | None, value: Any, fn: Any, defs: dict[str, Any]) -> Any:
    """Apply ``fn`` to every free-text string of ``value`` (not to enum/const values)."""
    if schema is None:
        schema = {}
    node = _non_null(schema, defs)
    if isinstance(value, dict):
        props = node.get("properties", {})
        return {k: map_strings(props.get(k), v, fn, defs) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(node.get("items"), v, fn, defs) for v in value]
    if isinstance(value, str) and "enum" not in node and "const" not in node:
        return fn(value)
    return value


def wrong_types(schema: dict[str, Any] | None, record: Any) -> Any:
    """A JSON object in which every field has the wrong type (for ``schema_invalid``)."""
    defs = (schema or {}).get("$defs", {})
    props = _non_null(schema or {}, defs).get("properties") or {}
    if not props and isinstance(record, dict):
        props = {k: {} for k in record}
    out: dict[str, Any] = {}
    for name, sub in props.items():
        kind = _non_null(sub, defs).get("type")
        out[name] = "not-a-list" if kind in ("array", "object") else ({"wrong": "type"} if kind else [1, 2])
    return out or {"unexpected": ["wrong", "type"]}
