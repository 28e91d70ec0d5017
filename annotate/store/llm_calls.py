"""The ``llm_calls`` table: one row per attempt at one chunk, failed attempts included.

This is the audit trail that answers "what did we send, what came back, what did it cost".
Rows are inserted in batches by the store writer so logging never slows the calls themselves.
Requests are scrubbed of anything that looks like a credential before they are stored: the
backend is expected not to pass one, and this is the second line of defence.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

import duckdb

from annotate.core.calls import LLMCall
from annotate.store.bulk import insert_rows
from annotate.store.where import where_equal

_SECRET_KEY = re.compile(
    r"(x-)?api[_-]?key|(proxy-)?authorization|((access|auth|bearer|refresh|api|ls)[_-]?)?token"
    r"|.*secret.*|.*password.*|(set-)?cookie",
    re.I,
)
_SECRET_ENV = ("OPENAI_API_KEY", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_TOKEN", "LS_API_KEY", "ANNOTATE_API_KEY")
REDACTED = "[redacted]"


def _secrets() -> list[str]:
    """Credential values present in the environment (long enough not to redact ordinary words)."""
    return [v for name in _SECRET_ENV if len(v := os.environ.get(name, "")) >= 8]


def redact(value: Any, secrets: list[str] | None = None) -> Any:
    """A copy of JSON-able data with credential-named keys and credential values removed."""
    secrets = _secrets() if secrets is None else secrets
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and _SECRET_KEY.fullmatch(k) and v else redact(v, secrets))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v, secrets) for v in value]
    if isinstance(value, str):
        for s in secrets:
            if s in value:
                value = value.replace(s, REDACTED)
        return value
    return value


def _dumps(value: Any, secrets: list[str]) -> str | None:
    if value is None:
        return None
    return json.dumps(redact(value, secrets), ensure_ascii=False, default=str)


def _params(call: LLMCall, secrets: list[str]) -> list[Any]:
    error = redact(call.error, secrets) if call.error else None
    return [
        call.run_id,
        call.doc_id,
        call.chunk,
        call.version_key,
        call.attempt,
        _dumps(call.request, secrets),
        _dumps(call.response, secrets),
        error,
        call.prompt_tokens,
        call.completion_tokens,
        call.latency_ms,
    ]


_COLUMNS = (
    "run_id", "doc_id", "chunk", "version_key", "attempt", "request", "response", "error",
    "prompt_tokens", "completion_tokens", "latency_ms",
)


def insert_call(con: duckdb.DuckDBPyConnection, call: LLMCall) -> None:
    insert_calls(con, [call])


def insert_calls(con: duckdb.DuckDBPyConnection, calls: Iterable[LLMCall]) -> int:
    """Insert many attempts with multi-row statements (the writer thread's batch)."""
    secrets = _secrets()
    return insert_rows(con, "llm_calls", _COLUMNS, [_params(c, secrets) for c in calls])


class StoreCallLog:
    """A ``CallLog`` that hands attempts to a sink (the store writer's queue) without blocking.

    With no sink it writes straight to the connection, for one-off commands that do not run a
    writer thread.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection | None = None,
        sink: Callable[[LLMCall], None] | None = None,
        run_id: str | None = None,
    ) -> None:
        if con is None and sink is None:
            raise ValueError("StoreCallLog needs a connection or a sink")
        self._con = con
        self._sink = sink
        self.run_id = run_id
        self.count = 0

    def record_call(self, call: LLMCall) -> None:
        if call.run_id is None and self.run_id is not None:
            call.run_id = self.run_id
        self.count += 1
        if self._sink is not None:
            self._sink(call)
        else:
            assert self._con is not None
            insert_call(self._con, call)


def calls_for(
    con: duckdb.DuckDBPyConnection, *, doc_id: str | None = None, run_id: str | None = None
) -> list[dict[str, Any]]:
    """Logged attempts (for ``show`` and tests), oldest first."""
    clause, params = where_equal(doc_id=doc_id, run_id=run_id)
    cur = con.execute(
        "SELECT id, run_id, doc_id, chunk, version_key, attempt, request, response, error, prompt_tokens, "
        f"completion_tokens, latency_ms, created FROM llm_calls{clause} ORDER BY id",
        params,
    )
    names = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        item = dict(zip(names, row, strict=True))
        for key in ("request", "response"):
            if item[key] is not None:
                item[key] = json.loads(item[key])
        out.append(item)
    return out


def count_calls(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> int:
    if run_id is None:
        row = con.execute("SELECT count(*) FROM llm_calls").fetchone()
    else:
        row = con.execute("SELECT count(*) FROM llm_calls WHERE run_id = ?", [run_id]).fetchone()
    return int(row[0]) if row else 0
