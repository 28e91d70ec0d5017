"""The gold dataset: append-only versions of the accepted record of each document.

A correction never overwrites: an updated annotation adds version n+1, so an export made last
month can always be reproduced from its manifest's gold ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb


@dataclass(frozen=True)
class GoldVersion:
    gold_id: str
    doc_id: str
    schema_name: str
    version: int


def add_gold_version(
    con: duckdb.DuckDBPyConnection,
    *,
    doc_id: str,
    schema_name: str,
    record: dict[str, Any],
    groundings: list[dict[str, Any]],
    annotation_id: int | None = None,
    annotator: str | None = None,
    lead_time: float | None = None,
    annotation_created: datetime | None = None,
    annotation_updated: datetime | None = None,
    prediction_version_key: str | None = None,
    region_stats: dict[str, int] | None = None,
) -> GoldVersion:
    """Append the next gold version of a document. Call inside the caller's transaction."""
    row = con.execute(
        "SELECT coalesce(max(version), 0) FROM gold WHERE doc_id = ? AND schema_name = ?",
        [doc_id, schema_name],
    ).fetchone()
    version = int(row[0]) + 1 if row else 1
    gold_id = f"{doc_id}:{schema_name}:v{version}"
    con.execute(
        "INSERT INTO gold (gold_id, doc_id, schema_name, version, record, groundings, annotation_id,"
        " annotator, lead_time, annotation_created, annotation_updated, prediction_version_key, region_stats)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            gold_id,
            doc_id,
            schema_name,
            version,
            json.dumps(record, ensure_ascii=False),
            json.dumps(groundings, ensure_ascii=False),
            annotation_id,
            annotator,
            lead_time,
            annotation_created,
            annotation_updated,
            prediction_version_key,
            json.dumps(region_stats or {}),
        ],
    )
    return GoldVersion(gold_id, doc_id, schema_name, version)


def latest_gold(con: duckdb.DuckDBPyConnection, doc_id: str, schema_name: str | None = None) -> dict[str, Any] | None:
    """The newest gold version of a document (any schema unless given), as a plain dict."""
    sql = "SELECT * FROM gold WHERE doc_id = ?"
    params: list[Any] = [doc_id]
    if schema_name:
        sql += " AND schema_name = ?"
        params.append(schema_name)
    cur = con.execute(sql + " ORDER BY version DESC LIMIT 1", params)
    row = cur.fetchone()
    if row is None:
        return None
    out = dict(zip([d[0] for d in cur.description], row, strict=True))
    for key in ("record", "groundings", "region_stats"):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out
