"""failures: one open row per document and stage, closed when the stage later succeeds."""

from __future__ import annotations

import duckdb

from annotate.store.failures import (
    delete_failures,
    failures_for,
    open_failures,
    record_failure,
    resolve_failures,
    resolve_failures_many,
)


def test_repeated_failure_updates_instead_of_duplicating(con: duckdb.DuckDBPyConnection) -> None:
    record_failure(con, stage="extract", reason="HTTP 500\nfrom server", doc_id="d1", source="a.txt")
    record_failure(con, stage="extract", reason="timeout", doc_id="d1", source="a.txt")
    [only] = open_failures(con)
    assert only.reason == "timeout"
    assert only.doc_id == "d1" and only.source == "a.txt"


def test_reason_is_one_bounded_line(con: duckdb.DuckDBPyConnection) -> None:
    record_failure(con, stage="extract", reason="line one\nline two\t" + "x" * 2000, doc_id="d1")
    [only] = open_failures(con)
    assert "\n" not in only.reason and len(only.reason) <= 500
    assert only.reason.startswith("line one line two")


def test_load_failures_are_keyed_by_path(con: duckdb.DuckDBPyConnection) -> None:
    record_failure(con, stage="load", reason="a.bin: binary file", source="a.bin")
    record_failure(con, stage="load", reason="a.bin: binary file", source="a.bin")
    record_failure(con, stage="load", reason="b.bin: empty file", source="b.bin")
    assert sorted(f.source for f in open_failures(con, "load")) == ["a.bin", "b.bin"]
    assert resolve_failures(con, source="a.bin") == 1
    assert [f.source for f in open_failures(con)] == ["b.bin"]


def test_resolve_only_named_stages_and_keep_history(con: duckdb.DuckDBPyConnection) -> None:
    record_failure(con, stage="extract", reason="bad JSON", doc_id="d1")
    record_failure(con, stage="push", reason="LS down", doc_id="d1")
    assert resolve_failures(con, doc_id="d1", stages=["extract"]) == 1
    assert [f.stage for f in open_failures(con)] == ["push"]
    history = failures_for(con, "d1")
    assert [(f.stage, f.resolved) for f in history] == [("extract", True), ("push", False)]
    record_failure(con, stage="extract", reason="bad JSON again", doc_id="d1")  # a new episode: new row
    assert len(failures_for(con, "d1")) == 3


def test_a_failure_needs_an_identity(con: duckdb.DuckDBPyConnection) -> None:
    import pytest

    with pytest.raises(ValueError):
        record_failure(con, stage="load", reason="?")


def test_a_file_that_succeeds_closes_the_failures_of_its_earlier_text(con: duckdb.DuckDBPyConnection) -> None:
    record_failure(con, stage="extract", reason="nothing found", doc_id="old-text", source="a.txt")
    record_failure(con, stage="extract", reason="nothing found", doc_id="other", source="b.txt")
    # a.txt was edited: its new text (another doc id) succeeds, so a.txt needs no attention any more
    assert resolve_failures_many(con, doc_ids=["new-text"], sources=["a.txt"]) == 1
    assert [f.doc_id for f in open_failures(con)] == ["other"]
    assert resolve_failures(con, doc_id="x", source="b.txt") == 1
    assert open_failures(con) == []


def test_a_file_that_loads_now_closes_its_load_failure(con: duckdb.DuckDBPyConnection) -> None:
    record_failure(con, stage="load", reason="a.txt: empty file", source="a.txt")
    record_failure(con, stage="extract", reason="nothing found", doc_id="d1", source="a.txt")
    assert [(f.stage, f.doc_id) for f in open_failures(con)] == [("extract", "d1")]


def test_delete_open_failures_all_or_some(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        record_failure(con, stage="load", reason=f"{name}: cannot read", source=name)
    record_failure(con, stage="extract", reason="bad JSON", doc_id="d1")
    resolve_failures(con, doc_id="d1")  # history: never deleted
    ids = {f.source: f.id for f in open_failures(con)}
    assert delete_failures(con, [ids["b.txt"]]) == 1
    assert sorted(f.source for f in open_failures(con)) == ["a.txt", "c.txt"]
    assert delete_failures(con) == 2
    assert open_failures(con) == [] and len(failures_for(con, "d1")) == 1
