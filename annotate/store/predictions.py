"""The ``predictions`` table: one row per (document, version key), written with its document.

A prediction is keyed by its version key, so a new prompt, model or setting adds a row instead of
overwriting the old one; "latest" is a query, and a re-run of the same version is a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from annotate.core.types import Document, Extraction, Grounding
from annotate.store.bulk import Conflict, insert_rows
from annotate.store.db import transaction
from annotate.store.documents import upsert_documents
from annotate.store.failures import resolve_failures_many
from annotate.store.where import where_equal


@dataclass(frozen=True)
class StoredPrediction:
    doc_id: str
    schema_name: str
    version_key: str
    backend: str
    record: dict[str, Any]
    groundings: list[dict[str, Any]]
    confidence: float | None
    created: datetime
    notes: list[str]

    def to_extraction(self) -> Extraction:
        return Extraction(
            doc_id=self.doc_id,
            schema_name=self.schema_name,
            model_version=self.version_key,
            record=self.record,
            groundings=[Grounding.model_validate(g) for g in self.groundings],
            confidence=self.confidence,
            notes=self.notes,
        )

    def public_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "schema": self.schema_name,
            "model_version": self.version_key,
            "backend": self.backend,
            "record": self.record,
            "groundings": self.groundings,
            "confidence": self.confidence,
            "notes": self.notes,
            "created": self.created.isoformat(sep=" ", timespec="seconds"),
        }


_COLUMNS = "doc_id, schema_name, version_key, backend, record, groundings, confidence, notes, created"


def _row(row: tuple[Any, ...]) -> StoredPrediction:
    doc_id, schema_name, version_key, backend, record, groundings, confidence, notes, created = row
    return StoredPrediction(
        doc_id=doc_id,
        schema_name=schema_name,
        version_key=version_key,
        backend=backend,
        record=json.loads(record),
        groundings=json.loads(groundings),
        confidence=confidence,
        created=created,
        notes=json.loads(notes) if notes else [],
    )


_ON_CONFLICT = Conflict(
    ("doc_id", "version_key"),
    "schema_name = excluded.schema_name, backend = excluded.backend, record = excluded.record, "
    "groundings = excluded.groundings, confidence = excluded.confidence, notes = excluded.notes, created = now()",
)


def save_predictions(
    con: duckdb.DuckDBPyConnection, items: Iterable[tuple[Extraction, str]], *, fresh: bool = False
) -> int:
    """Insert (or, for a forced re-extraction, replace) predictions keyed by their version key.

    Each item is ``(extraction, backend name)``; the key is ``extraction.model_version``.
    ``fresh=True`` promises none of the keys is stored yet (a plain, cheaper insert). Call inside
    a transaction that also holds the documents' rows; :func:`save_results` does both.
    """
    latest: dict[tuple[str, str], list[Any]] = {}
    for extraction, backend in items:
        latest[(extraction.doc_id, extraction.model_version)] = [
            extraction.doc_id,
            extraction.schema_name,
            extraction.model_version,
            backend,
            json.dumps(extraction.record, ensure_ascii=False),
            json.dumps([g.model_dump(mode="json") for g in extraction.groundings], ensure_ascii=False),
            extraction.confidence,
            json.dumps(extraction.notes, ensure_ascii=False) if extraction.notes else None,
        ]
    return insert_rows(
        con, "predictions", _COLUMNS.split(", ")[:-1], list(latest.values()), conflict=_ON_CONFLICT, known_new=fresh
    )


def save_prediction(con: duckdb.DuckDBPyConnection, extraction: Extraction, *, backend: str) -> None:
    save_predictions(con, [(extraction, backend)])


def save_results(
    con: duckdb.DuckDBPyConnection,
    results: Sequence[tuple[Document, Extraction, str]],
    *,
    resolve: bool = True,
    fresh: bool = False,
) -> int:
    """The unit of work of a pre-label: documents + predictions + closing their open failures.

    Runs inside the caller's transaction (the store writer's, or :func:`save_result`'s), so a
    process killed at any moment never leaves a prediction without its document or a stale
    failure beside a success. ``resolve=False`` skips the failure update when the caller knows
    none of these documents has an open failure; ``fresh=True`` promises that neither the
    documents nor the predictions are stored yet (plain inserts instead of upserts).
    """
    upsert_documents(con, [(doc, extraction.schema_name) for doc, extraction, _ in results], fresh=fresh)
    save_predictions(con, [(extraction, backend) for _, extraction, backend in results], fresh=fresh)
    if resolve:
        resolve_failures_many(
            con,
            doc_ids=[doc.doc_id for doc, _, _ in results],
            sources=[doc.source for doc, _, _ in results if doc.source],
        )
    return len(results)


def save_result(con: duckdb.DuckDBPyConnection, doc: Document, extraction: Extraction, *, backend: str) -> None:
    """One document's prediction in its own transaction (all or nothing)."""
    with transaction(con):
        save_results(con, [(doc, extraction, backend)])


def predicted_keys(con: duckdb.DuckDBPyConnection, version_keys: Iterable[str] | None = None) -> set[tuple[str, str]]:
    """(doc_id, version_key) pairs already predicted: the batch runner's "nothing to do" check.

    Only keys are read (never records), so one query answers for a whole corpus.
    """
    if version_keys is None:
        rows = con.execute("SELECT doc_id, version_key FROM predictions").fetchall()
    else:
        keys = list(version_keys)
        if not keys:
            return set()
        rows = con.execute(
            "SELECT doc_id, version_key FROM predictions WHERE list_contains(?, version_key)", [keys]
        ).fetchall()
    return {(d, v) for d, v in rows}


def has_prediction(con: duckdb.DuckDBPyConnection, doc_id: str, version_key: str) -> bool:
    row = con.execute(
        "SELECT 1 FROM predictions WHERE doc_id = ? AND version_key = ?", [doc_id, version_key]
    ).fetchone()
    return row is not None


def latest_prediction(
    con: duckdb.DuckDBPyConnection, doc_id: str, schema_name: str | None = None
) -> StoredPrediction | None:
    """The newest prediction of a document (optionally for one schema), whatever its version."""
    sql = f"SELECT {_COLUMNS} FROM predictions WHERE doc_id = ?"
    params: list[Any] = [doc_id]
    if schema_name is not None:
        sql += " AND schema_name = ?"
        params.append(schema_name)
    row = con.execute(sql + " ORDER BY created DESC, version_key DESC LIMIT 1", params).fetchone()
    return _row(row) if row else None


def get_prediction(con: duckdb.DuckDBPyConnection, doc_id: str, version_key: str) -> StoredPrediction | None:
    row = con.execute(
        f"SELECT {_COLUMNS} FROM predictions WHERE doc_id = ? AND version_key = ?", [doc_id, version_key]
    ).fetchone()
    return _row(row) if row else None


def list_predictions(
    con: duckdb.DuckDBPyConnection,
    *,
    schema_name: str | None = None,
    version_key: str | None = None,
    latest_only: bool = True,
) -> list[StoredPrediction]:
    """Predictions in doc order; by default only each document's newest (per schema)."""
    clause, params = where_equal(schema_name=schema_name, version_key=version_key)
    sql = f"SELECT {_COLUMNS} FROM predictions{clause}"
    if latest_only:
        sql += (
            " QUALIFY row_number() OVER (PARTITION BY doc_id, schema_name ORDER BY created DESC, version_key DESC) = 1"
        )
    rows = con.execute(sql + " ORDER BY doc_id, schema_name", params).fetchall()
    return [_row(r) for r in rows]
