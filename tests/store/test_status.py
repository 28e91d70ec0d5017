"""status: distinct documents per stage, including the Label Studio and gold tables."""

from __future__ import annotations

import duckdb

from annotate.core.types import Document, Extraction
from annotate.store.failures import record_failure
from annotate.store.predictions import save_result
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
    for task_id, doc in enumerate((doc0, doc1), start=1):
        con.execute(
            "INSERT INTO ls_tasks (server_url, project_id, task_id, doc_id, schema_name) VALUES (?, 1, ?, ?, ?)",
            ["http://ls", task_id, doc.doc_id, "meeting_review"],
        )
    con.execute(
        "INSERT INTO annotations (server_url, annotation_id, task_id, doc_id, schema_name, result, outcome, updated_at)"
        " VALUES ('http://ls', 7, 1, ?, ?, '[]', 'accepted', now()), ('http://ls', 8, 2, ?, ?, '[]', 'quarantined', now())",
        [doc0.doc_id, ex0.schema_name, doc1.doc_id, ex1.schema_name],
    )
    for version in (1, 2):
        con.execute(
            "INSERT INTO gold (gold_id, doc_id, schema_name, version, record, groundings) VALUES (?, ?, ?, ?, '{}', '[]')",
            [f"g{version}", doc0.doc_id, ex0.schema_name, version],
        )
    con.execute(
        "INSERT INTO quarantine (server_url, annotation_id, doc_id, schema_name, reason) VALUES ('http://ls', 8, ?, ?, ?)",
        [doc1.doc_id, ex1.schema_name, "region text does not match the document"],
    )
    counts = stage_counts(con)
    assert (counts.documents, counts.predicted, counts.failed) == (len(seed_pairs), len(seed_pairs), 2)
    assert (counts.pushed, counts.annotated, counts.gold, counts.quarantined) == (2, 2, 1, 1)
    assert counts.by_schema[ex0.schema_name]["gold"] == 1
    report = status_report(con)
    assert report["quarantine"][0]["reason"] == "region text does not match the document"
    assert {f["stage"] for f in report["open_failures"]} == {"extract", "load"}
