"""predictions: one row per (document, version key), written atomically with its document."""

from __future__ import annotations

import duckdb
import pytest

from annotate.core.types import Document, Extraction
from annotate.store.failures import open_failures, record_failure
from annotate.store.predictions import (
    get_prediction,
    has_prediction,
    latest_prediction,
    list_predictions,
    predicted_keys,
    save_result,
    save_results,
)

Pairs = list[tuple[Document, Extraction]]


def test_round_trip_keeps_record_and_groundings(con: duckdb.DuckDBPyConnection, seed_pairs: Pairs) -> None:
    for doc, extraction in seed_pairs:
        save_result(con, doc, extraction, backend="llm")
    for doc, extraction in seed_pairs:
        stored = latest_prediction(con, doc.doc_id)
        assert stored is not None
        assert stored.record == extraction.record
        assert stored.to_extraction().groundings == extraction.groundings
        assert stored.confidence == pytest.approx(extraction.confidence)
        assert stored.backend == "llm"
        for g in stored.groundings:  # offsets survive the JSON round trip
            if g["start"] is not None:
                assert doc.text[g["start"] : g["end"]] == g["quote"]
    doc_row = con.execute("SELECT count(*) FROM documents").fetchone()
    assert doc_row == (len(seed_pairs),)


def test_same_version_is_replaced_new_version_is_added(con: duckdb.DuckDBPyConnection, seed_pairs: Pairs) -> None:
    doc, extraction = seed_pairs[0]
    save_result(con, doc, extraction, backend="llm")
    changed = extraction.model_copy(update={"confidence": 0.5})
    save_result(con, doc, changed, backend="llm")  # --force: same key, replaced
    assert con.execute("SELECT count(*) FROM predictions").fetchone() == (1,)
    assert get_prediction(con, doc.doc_id, extraction.model_version).confidence == 0.5
    newer = extraction.model_copy(update={"model_version": extraction.model_version + "-v2"})
    save_result(con, doc, newer, backend="rules")
    assert con.execute("SELECT count(*) FROM predictions").fetchone() == (2,)
    assert latest_prediction(con, doc.doc_id).version_key == newer.model_version
    assert len(list_predictions(con)) == 1
    assert len(list_predictions(con, latest_only=False)) == 2
    assert has_prediction(con, doc.doc_id, extraction.model_version)
    assert predicted_keys(con, [newer.model_version]) == {(doc.doc_id, newer.model_version)}
    assert predicted_keys(con, []) == set()


def test_success_resolves_open_failures(con: duckdb.DuckDBPyConnection, seed_pairs: Pairs) -> None:
    doc, extraction = seed_pairs[1]
    record_failure(con, stage="extract", reason="timeout", doc_id=doc.doc_id, source=doc.source)
    record_failure(con, stage="load", reason="was unreadable", source=doc.source)
    record_failure(con, stage="llm", reason="http 500 after 5 attempts", doc_id=doc.doc_id)
    record_failure(con, stage="push", reason="not this stage", doc_id=doc.doc_id)
    save_result(con, doc, extraction, backend="llm")
    assert [f.stage for f in open_failures(con)] == ["push"]


def test_failed_unit_of_work_leaves_nothing(con: duckdb.DuckDBPyConnection, seed_pairs: Pairs) -> None:
    doc, extraction = seed_pairs[0]
    broken = extraction.model_copy(update={"schema_name": None})  # NOT NULL: the insert fails
    with pytest.raises(duckdb.Error):
        save_result(con, doc, broken, backend="llm")
    assert con.execute("SELECT count(*) FROM documents").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM predictions").fetchone() == (0,)


def test_bulk_save_with_repeated_document(con: duckdb.DuckDBPyConnection, seed_pairs: Pairs) -> None:
    items = [(doc, ex, "llm") for doc, ex in seed_pairs]
    con.execute("BEGIN TRANSACTION")
    save_results(con, items + items[:1])  # the same key twice in one batch: last one wins
    con.execute("COMMIT")
    assert con.execute("SELECT count(*) FROM predictions").fetchone() == (len(seed_pairs),)
