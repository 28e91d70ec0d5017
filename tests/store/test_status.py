"""status: distinct documents per stage, including the Label Studio and gold tables."""

from __future__ import annotations

from datetime import datetime

import duckdb

from annotate.core.types import Document, Extraction
from annotate.store.failures import record_failure
from annotate.store.gold import add_gold_version
from annotate.store.labelstudio import PushedTask, add_tasks
from annotate.store.predictions import save_result
from annotate.store.review import add_quarantine, record_annotation
from annotate.store.status import stage_counts, status_report

KEYS = ("documents", "predicted", "failed", "pushed", "annotated", "gold", "quarantined")


def test_empty_store_counts_zero(con: duckdb.DuckDBPyConnection) -> None:
    report = status_report(con)
    assert all(report[k] == 0 and isinstance(report[k], int) for k in KEYS)
    assert report["open_failures"] == [] and report["quarantine"] == []


def test_counts_follow_every_stage(con: duckdb.DuckDBPyConnection, seed_pairs: list[tuple[Document, Extraction]]) -> None:
    for doc, extraction in seed_pairs:
        save_result(con, doc, extraction, backend="llm")
    (doc0, ex0), (doc1, ex1) = seed_pairs[0], seed_pairs[1]
    # a second version of one prediction must not count the document twice
    save_result(con, doc0, ex0.model_copy(update={"model_version": "other"}), backend="rules")
    record_failure(con, stage="extract", reason="timeout", doc_id="d-missing", source="x.txt")
    record_failure(con, stage="load", reason="x.bin: binary", source="x.bin")
    record_failure(con, stage="load", reason="x.bin: binary", source="x.bin")
    add_tasks(con, "http://ls", 1, ex0.schema_name, [PushedTask(doc0.doc_id, 1)])
    add_tasks(con, "http://ls", 1, ex1.schema_name, [PushedTask(doc1.doc_id, 2)])
    for annotation_id, task_id, (doc, ex), outcome in ((7, 1, seed_pairs[0], "accepted"), (8, 2, seed_pairs[1], "quarantined")):
        record_annotation(
            con, server_url="http://ls", annotation_id=annotation_id, task_id=task_id, doc_id=doc.doc_id,
            schema_name=ex.schema_name, annotator="a@example.org", result=[], lead_time=1.0,
            created_at=None, updated_at=datetime(2026, 1, 1), outcome=outcome,
        )
    for _ in range(2):  # two gold versions of one document: one gold document
        add_gold_version(con, doc_id=doc0.doc_id, schema_name=ex0.schema_name, record=ex0.record, groundings=[])
    add_quarantine(
        con, server_url="http://ls", annotation_id=8, doc_id=doc1.doc_id, schema_name=ex1.schema_name,
        reason="region text does not match the document", result=None,
    )
    counts = stage_counts(con)
    assert (counts.documents, counts.predicted, counts.failed) == (len(seed_pairs), len(seed_pairs), 2)
    assert (counts.pushed, counts.annotated, counts.gold, counts.quarantined) == (2, 2, 1, 1)
    assert counts.by_schema[ex0.schema_name]["gold"] == 1
    report = status_report(con)
    assert report["quarantine"][0]["reason"] == "region text does not match the document"
    assert {f["stage"] for f in report["open_failures"]} == {"extract", "load"}
