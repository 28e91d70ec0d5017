"""response_cache: content-addressed by (doc, chunk, version key); a changed key is a miss."""

from __future__ import annotations

from pathlib import Path

import duckdb

from annotate.store.db import connect
from annotate.store.response_cache import StoreResponseCache, cached_chunks, get_response, put_responses


def test_hit_only_for_the_same_key(con: duckdb.DuckDBPyConnection) -> None:
    cache = StoreResponseCache(con)
    cache.put("d1", 0, "vk1", {"record": {"title": "标题"}})
    assert cache.get("d1", 0, "vk1") == {"record": {"title": "标题"}}
    assert cache.get("d1", 0, "vk2") is None  # new prompt/model/settings: never served stale
    assert cache.get("d1", 1, "vk1") is None
    assert cache.get("d2", 0, "vk1") is None
    assert (cache.hits, cache.misses) == (1, 3)


def test_survives_reopening(db_path: Path) -> None:
    con = connect(db_path)
    StoreResponseCache(con).put("d1", 2, "vk", {"n": 1})
    con.close()
    con = connect(db_path)
    try:
        assert StoreResponseCache(con).get("d1", 2, "vk") == {"n": 1}
        assert cached_chunks(con, "d1") == [2]
    finally:
        con.close()


def test_force_replaces_and_batches_dedupe(con: duckdb.DuckDBPyConnection) -> None:
    put_responses(con, [("d1", 0, "vk", {"v": 1}), ("d1", 1, "vk", {"v": 1}), ("d1", 0, "vk", {"v": 2})])
    assert get_response(con, "d1", 0, "vk") == {"v": 2}
    put_responses(con, [("d1", 0, "vk", {"v": 3})])
    assert get_response(con, "d1", 0, "vk") == {"v": 3}
    assert cached_chunks(con, "d1", "vk") == [0, 1]


def test_sink_defers_writes_but_serves_them_at_once(con: duckdb.DuckDBPyConnection) -> None:
    queued: list = []
    cache = StoreResponseCache(con, sink=queued.append)
    cache.put("d1", 0, "vk", {"v": 1})
    assert cache.get("d1", 0, "vk") == {"v": 1}  # served from memory before the writer commits
    assert get_response(con, "d1", 0, "vk") is None
    put_responses(con, queued)
    assert get_response(con, "d1", 0, "vk") == {"v": 1}
