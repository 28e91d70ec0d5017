"""The ``response_cache`` table: content-addressed (doc_id, chunk, version key) -> model response.

The version key covers prompt text, schema, model and generation settings, so a hit is always
the answer to exactly the same question and nothing stale can be served; a changed prompt is
simply a miss. Responses put during a run are kept in memory too, so a chunk answered a moment
ago is a hit even before the writer thread has committed it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import duckdb

from annotate.store.bulk import Conflict, insert_rows

CacheRow = tuple[str, int, str, dict[str, Any]]


def get_response(con: duckdb.DuckDBPyConnection, doc_id: str, chunk: int, version_key: str) -> dict[str, Any] | None:
    row = con.execute(
        "SELECT response FROM response_cache WHERE doc_id = ? AND chunk = ? AND version_key = ?",
        [doc_id, chunk, version_key],
    ).fetchone()
    return json.loads(row[0]) if row else None


_ON_CONFLICT = Conflict(("doc_id", "chunk", "version_key"), "response = excluded.response, created = now()")


def put_responses(con: duckdb.DuckDBPyConnection, rows: Iterable[CacheRow]) -> int:
    """Store responses; a forced re-extraction replaces the entry of the same key."""
    latest: dict[tuple[str, int, str], dict[str, Any]] = {}
    for doc_id, chunk, version_key, response in rows:
        latest[(doc_id, chunk, version_key)] = response  # one row per key: a conflict cannot hit itself
    params = [[d, c, v, json.dumps(r, ensure_ascii=False)] for (d, c, v), r in latest.items()]
    return insert_rows(
        con, "response_cache", ("doc_id", "chunk", "version_key", "response"), params, conflict=_ON_CONFLICT
    )


def cached_chunks(con: duckdb.DuckDBPyConnection, doc_id: str, version_key: str | None = None) -> list[int]:
    """Which chunks of a document are cached (for ``show`` and tests)."""
    if version_key is None:
        rows = con.execute("SELECT DISTINCT chunk FROM response_cache WHERE doc_id = ? ORDER BY chunk", [doc_id])
    else:
        rows = con.execute(
            "SELECT chunk FROM response_cache WHERE doc_id = ? AND version_key = ? ORDER BY chunk",
            [doc_id, version_key],
        )
    return [r[0] for r in rows.fetchall()]


def cached_keys(con: duckdb.DuckDBPyConnection) -> set[tuple[str, int, str]]:
    """Every (doc_id, chunk, version_key) in the cache: keys only, one query for a whole run."""
    return {(d, c, v) for d, c, v in con.execute("SELECT doc_id, chunk, version_key FROM response_cache").fetchall()}


class StoreResponseCache:
    """A ``ResponseCache`` over the table.

    Reads go through ``con`` (a cursor owned by the calling thread); writes go to ``sink`` (the
    store writer's queue) so the event loop never waits on a commit, or straight to ``con`` when
    there is no writer. With ``preload_keys`` the key set is read once up front, so a miss —
    every chunk of a first run — costs a set lookup instead of a query on the event loop.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        sink: Callable[[CacheRow], None] | None = None,
        *,
        preload_keys: bool = False,
    ) -> None:
        self._con = con
        self._sink = sink
        self._recent: dict[tuple[str, int, str], dict[str, Any]] = {}
        self._keys: set[tuple[str, int, str]] | None = cached_keys(con) if preload_keys else None
        self.hits = 0
        self.misses = 0

    def get(self, doc_id: str, chunk: int, version_key: str) -> dict[str, Any] | None:
        key = (doc_id, chunk, version_key)
        found = self._recent.get(key)
        if found is None and (self._keys is None or key in self._keys):
            found = get_response(self._con, doc_id, chunk, version_key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, doc_id: str, chunk: int, version_key: str, response: dict[str, Any]) -> None:
        self._recent[(doc_id, chunk, version_key)] = response
        if self._sink is not None:
            self._sink((doc_id, chunk, version_key, response))
        else:
            put_responses(self._con, [(doc_id, chunk, version_key, response)])
