"""The writer thread: queued items land in few transactions; one bad item loses nothing else."""

from __future__ import annotations

from pathlib import Path

import duckdb

from annotate.store.db import connect
from annotate.store.llm_calls import count_calls, insert_calls
from annotate.store.response_cache import get_response, put_responses
from annotate.store.writer import StoreWriter
from tests.store.test_llm_calls import _call


def _boom(con: duckdb.DuckDBPyConnection, items: list) -> None:
    for item in items:
        if item == "bad":
            con.execute("INSERT INTO predictions (doc_id) VALUES (NULL)")  # violates NOT NULL


def test_batches_commit_and_flush_waits(con: duckdb.DuckDBPyConnection) -> None:
    writer = StoreWriter(con, {"call": insert_calls, "cache": put_responses})
    for i in range(300):
        writer.submit("call", _call(f"d{i}", 1))
    writer.submit("cache", ("d1", 0, "vk", {"v": 1}))
    assert writer.flush(timeout=30)
    assert count_calls(con) == 300
    assert get_response(con, "d1", 0, "vk") == {"v": 1}
    writer.close()
    assert writer.stats.items == 301
    assert writer.stats.transactions < 301  # batched, not one commit per row
    assert writer.stats.errors == []


def test_a_bad_item_is_isolated_and_reported(con: duckdb.DuckDBPyConnection) -> None:
    writer = StoreWriter(con, {"call": insert_calls, "boom": _boom})
    writer.submit("call", _call("d1", 1))
    writer.submit("boom", "bad")
    writer.submit("call", _call("d2", 1))
    writer.close()
    assert count_calls(con) == 2
    assert len(writer.stats.errors) == 1 and writer.stats.errors[0].startswith("boom:")


def test_close_commits_everything_queued(db_path: Path) -> None:
    con = connect(db_path)
    writer = StoreWriter(con, {"call": insert_calls})
    for i in range(50):
        writer.submit("call", _call(f"d{i}", 1))
    writer.close()
    con.close()
    con = connect(db_path)
    try:
        assert count_calls(con) == 50
    finally:
        con.close()


def test_failed_batch_is_replayed_with_the_safe_handler(con: duckdb.DuckDBPyConnection) -> None:
    """The fast path assumed new keys; one was not new: the replay upserts and nothing is lost."""
    put_responses(con, [("d1", 0, "vk", {"v": "old"})])

    def fast(c: duckdb.DuckDBPyConnection, items: list) -> None:
        for doc_id, value in items:
            c.execute(
                "INSERT INTO response_cache (doc_id, chunk, version_key, response) VALUES (?, 0, 'vk', ?)",
                [doc_id, f'{{"v": "{value}"}}'],
            )

    def safe(c: duckdb.DuckDBPyConnection, items: list) -> None:
        put_responses(c, [(doc_id, 0, "vk", {"v": value}) for doc_id, value in items])

    writer = StoreWriter(con, {"cache": (fast, safe)})
    writer.submit("cache", ("d0", "new"))
    writer.submit("cache", ("d1", "newer"))  # exists: the fast plain insert fails the batch
    writer.close()
    assert writer.stats.errors == []
    assert get_response(con, "d0", 0, "vk") == {"v": "new"}
    assert get_response(con, "d1", 0, "vk") == {"v": "newer"}


def test_flush_and_close_do_not_wait_out_the_linger(con: duckdb.DuckDBPyConnection) -> None:
    """The linger batches a busy run's commits; whoever waits for the writer must not pay it."""
    writer = StoreWriter(con, {"call": insert_calls}, linger=60.0)
    writer.submit("call", _call("d1", 1))
    assert writer.flush(timeout=10)  # committed long before the 60 s linger would have ended
    assert count_calls(con) == 1
    writer.submit("call", _call("d2", 1))
    writer.close(timeout=10)
    assert count_calls(con) == 2
    assert writer.stats.errors == []
