"""What an evaluation reads from the store: predictions paired with gold, correction effort, agreement.

The gold is chosen exactly as ``annotate export --version latest`` chooses it
(:func:`annotate.store.datasets.chosen_ids`), so the figures describe the data people train on.
Evaluation sets are as large as the gold set, i.e. what people annotated, so these are lists.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from annotate.store.datasets import Selection, chosen_ids


@dataclass(frozen=True)
class PredictionPair:
    """A prediction and the gold of the same document, for one version key."""

    version_key: str
    backend: str
    schema_name: str
    doc_id: str
    prediction: dict[str, Any]
    prediction_groundings: list[dict[str, Any]]
    confidence: float | None
    gold_id: str
    gold: dict[str, Any]
    gold_groundings: list[dict[str, Any]]


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _of_schema(schema: str | None) -> tuple[str, list[Any]]:
    """A ``WHERE`` condition on ``gold`` for one schema (or all), and its parameters."""
    return ("schema_name = ?", [schema]) if schema else ("true", [])


def prediction_pairs(
    con: duckdb.DuckDBPyConnection, *, schema: str | None = None, version_keys: Sequence[str] | None = None
) -> list[PredictionPair]:
    """Every prediction whose document has current gold (same selection as ``export --version latest``).

    Evaluation sets are as large as the gold set, i.e. what people annotated, so a list is fine.
    """
    chosen, params = chosen_ids(Selection(schema=schema))
    sql = (
        "SELECT p.version_key, p.backend, p.schema_name, p.doc_id, p.record::VARCHAR, p.groundings::VARCHAR,"
        " p.confidence, g.gold_id, g.record::VARCHAR, g.groundings::VARCHAR"
        f" FROM predictions p JOIN gold g ON g.doc_id = p.doc_id AND g.schema_name = p.schema_name"
        f" WHERE g.gold_id IN ({chosen})"
    )
    if version_keys:
        sql += " AND list_contains(?, p.version_key)"
        params.append(list(version_keys))
    rows = con.execute(sql + " ORDER BY p.version_key, p.doc_id", params).fetchall()
    return [
        PredictionPair(vk, backend, s, d, _loads(pr), _loads(pg), conf, gid, _loads(gr), _loads(gg))
        for vk, backend, s, d, pr, pg, conf, gid, gr, gg in rows
    ]


def version_key_order(con: duckdb.DuckDBPyConnection, *, schema: str | None = None) -> list[str]:
    """Version keys in the order they first predicted anything (oldest first): a report's x axis."""
    sql = "SELECT version_key FROM predictions"
    params: list[Any] = []
    if schema:
        sql += " WHERE schema_name = ?"
        params.append(schema)
    rows = con.execute(sql + " GROUP BY version_key ORDER BY min(created), version_key", params).fetchall()
    return [r[0] for r in rows]


@dataclass(frozen=True)
class CorrectionRow:
    """One annotator's last accepted version of a document, with the regions it kept/edited/added/deleted."""

    prediction_version_key: str | None
    schema_name: str
    doc_id: str
    region_stats: dict[str, int]
    lead_time: float | None


def correction_rows(con: duckdb.DuckDBPyConnection, *, schema: str | None = None) -> list[CorrectionRow]:
    """The effort each annotation cost: newest gold version per (document, annotation).

    Older versions of the same annotation are the same work redone, so they would double count.
    """
    where, params = _of_schema(schema)
    rows = con.execute(
        "SELECT prediction_version_key, schema_name, doc_id, region_stats::VARCHAR, lead_time FROM gold"
        f" WHERE {where} QUALIFY row_number() OVER (PARTITION BY doc_id, schema_name,"
        " coalesce(annotation_id::VARCHAR, gold_id) ORDER BY version DESC) = 1 ORDER BY doc_id",
        params,
    ).fetchall()
    return [CorrectionRow(k, s, d, _loads(rs) or {}, lt) for k, s, d, rs, lt in rows]


@dataclass(frozen=True)
class AnnotatorVersion:
    annotator: str
    annotation_id: int | None
    record: dict[str, Any]
    groundings: list[dict[str, Any]]


def annotations_per_doc(
    con: duckdb.DuckDBPyConnection, *, schema: str | None = None
) -> dict[tuple[str, str], list[AnnotatorVersion]]:
    """Documents accepted by two or more annotations: each annotation's newest record, for agreement.

    Keyed by ``(schema_name, doc_id)``. Annotations are told apart by ``annotation_id``; gold rows
    without one (seeded or imported) count as one annotation each.
    """
    where, params = _of_schema(schema)
    rows = con.execute(
        "WITH per_annotation AS (SELECT schema_name, doc_id, annotator, annotation_id, record::VARCHAR AS record,"
        f" groundings::VARCHAR AS groundings FROM gold WHERE {where}"
        " QUALIFY row_number() OVER (PARTITION BY doc_id, schema_name, coalesce(annotation_id::VARCHAR, gold_id)"
        " ORDER BY version DESC) = 1)"
        " SELECT * FROM per_annotation QUALIFY count(*) OVER (PARTITION BY doc_id, schema_name) > 1"
        " ORDER BY schema_name, doc_id, annotation_id",
        params,
    ).fetchall()
    out: dict[tuple[str, str], list[AnnotatorVersion]] = {}
    for schema_name, doc_id, annotator, annotation_id, record, groundings in rows:
        out.setdefault((schema_name, doc_id), []).append(
            AnnotatorVersion(annotator or "(unknown)", annotation_id, _loads(record), _loads(groundings))
        )
    return out
