"""Cassettes: real model answers, recorded once and replayed strictly by the test server.

A cassette holds the exchanges of one test case (a document, a schema, a mode) with a real model:
each request body exactly as the pipeline sent it, and the response exactly as the model's server
returned it (logprobs included). An exchange is keyed by the sha256 of the request body in
canonical JSON. The body carries everything that shapes an answer — the prompt's system and user
text, the schema (as tools or in the system message), the model name, the mode, temperature,
``max_tokens`` and the re-ask note — so a change to any of them finds no cassette.

Replay is strict: a request with no recorded answer gets HTTP 404 whose message says what differs
from the closest recorded request of the same document (the system prompt, the schema, the model
or the settings) and how to re-record (``make record``). Record mode forwards each request to the
real model (``upstream``) and stores the exchange.

File layout: ``tests/fixtures/cassettes/<model>/<mode>/<case>.json``::

    {"case": ..., "document": ..., "schema": ..., "model": ..., "mode": ..., "settings": {...},
     "prompt": {"id": ..., "hash": ...}, "recorded": ..., "seconds": ...,
     "exchanges": [{"key": ..., "request": {...}, "response": {...}, "seconds": ...}]}
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx

RERECORD = "re-record with `make record` (needs the local model: ~1-2 h on 2 cores, see README)"
_PARTS = (
    ("system prompt", lambda b: [m for m in b.get("messages", []) if m.get("role") == "system"]),
    ("schema", lambda b: (b.get("tools"), b.get("response_format"))),
    ("model", lambda b: b.get("model")),
    ("settings", lambda b: {k: v for k, v in b.items() if k not in ("messages", "tools", "response_format", "model")}),
    ("user message or re-ask note", lambda b: [m for m in b.get("messages", []) if m.get("role") != "system"]),
)


def request_key(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _document(body: dict[str, Any]) -> str:
    for m in body.get("messages", []):
        content = str(m.get("content") or "")
        if m.get("role") == "user" and "<document>" in content:
            return content
    return ""


def _error(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {}, json.dumps({"error": {"message": message, "type": "cassette", "code": "cassette"}},
                                  ensure_ascii=False).encode()  # fmt: skip


class CassetteLibrary:
    """All cassettes under a folder, for replay; or one cassette being recorded (``upstream`` set)."""

    def __init__(self, folder: Path, *, upstream: str | None = None, upstream_timeout: float = 3600.0) -> None:
        self.folder = folder
        self.upstream = upstream.rstrip("/") if upstream else None
        self.upstream_timeout = upstream_timeout
        self.exchanges: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, Path] = {}
        self.recording: dict[str, Any] | None = None
        self.misses: list[str] = []
        self.hits = 0
        self._lock = threading.Lock()
        if folder.is_dir():
            for path in sorted(folder.glob("**/*.json")):
                self.load(path)

    def load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        for exchange in data.get("exchanges", []) if isinstance(data, dict) else []:
            self.exchanges[exchange["key"]] = exchange
            self.sources[exchange["key"]] = path

    # ------------------------------------------------------------------ serving

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        """The recorded answer to ``body`` (replay), or the upstream's answer, recorded."""
        key = request_key(body)
        if self.upstream is not None:
            return self._record(key, body)
        with self._lock:
            exchange = self.exchanges.get(key)
            if exchange is None:
                why = self.explain_miss(body)
                self.misses.append(why)
                return _error(404, why)
            self.hits += 1
        return 200, {}, json.dumps(exchange["response"], ensure_ascii=False).encode("utf-8")

    def explain_miss(self, body: dict[str, Any]) -> str:
        """One line: what differs from the closest recorded request for the same document."""
        document = _document(body)
        same_doc = [e for e in self.exchanges.values() if document and _document(e["request"]) == document]
        if not same_doc:
            return f"no cassette for this document ({len(self.exchanges)} recorded exchanges); {RERECORD}"
        best, diffs = None, [name for name, _ in _PARTS]
        for exchange in same_doc:
            differing = [name for name, part in _PARTS if part(exchange["request"]) != part(body)]
            if best is None or len(differing) < len(diffs):
                best, diffs = exchange, differing
        where = self.sources.get(best["key"]) if best else None
        what = ", ".join(diffs) or "nothing visible"
        return f"no cassette for this request: it differs from {where.name if where else 'the recording'} in: {what}; {RERECORD}"

    # ------------------------------------------------------------------ recording

    def start(self, meta: dict[str, Any]) -> None:
        """Begin recording one case; exchanges go to it until ``save``."""
        with self._lock:
            self.recording = {**meta, "recorded": time.strftime("%Y-%m-%dT%H:%M:%S"), "exchanges": []}

    def _record(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        started = time.monotonic()
        try:
            r = httpx.post(f"{self.upstream}/chat/completions", json=body, timeout=self.upstream_timeout)
        except httpx.HTTPError as exc:
            return _error(502, f"upstream model unreachable: {exc}")
        if r.status_code != 200:
            return r.status_code, {}, r.content
        response = r.json()
        with self._lock:
            if self.recording is not None:
                self.recording["exchanges"].append(
                    {"key": key, "request": body, "response": response, "seconds": round(time.monotonic() - started, 1)}
                )
        return 200, {}, json.dumps(response, ensure_ascii=False).encode("utf-8")

    def save(self, path: Path, **extra: Any) -> dict[str, Any]:
        """Write the case being recorded to ``path`` and stop recording it."""
        with self._lock:
            data, self.recording = self.recording, None
        if data is None:
            raise RuntimeError("no cassette is being recorded")
        data.update(extra)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)
        return data
