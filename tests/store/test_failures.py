"""failures: one open row per document and stage, closed when the stage later succeeds."""

from __future__ import annotations

import duckdb

from annotate.store.failures import failures_for, open_failures, record_failure, resolve_failures


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
