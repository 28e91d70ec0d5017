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

from annotate.store.bulk import insert_rows


@dataclass(frozen=True)
class GoldVersion:
    gold_id: str
    doc_id: str
    schema_name: str
    version: int


_GOLD_COLUMNS = (
    "gold_id", "doc_id", "schema_name", "version", "record", "groundings", "annotation_id", "annotator", "lead_time",
    "annotation_created", "annotation_updated", "prediction_version_key", "region_stats",
)  # fmt: skip


class GoldAppender:
    """Appends gold versions for many documents: numbered in memory from one read of the current
    versions, inserted in bulk by :meth:`flush`. One version query and one insert per annotation
    were most of a pull's own time. Use inside the caller's transaction, and flush before it commits.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, schema_name: str, doc_ids: list[str]) -> None:
        self.con = con
        self.schema_name = schema_name
        self.rows: list[list[Any]] = []
        self.versions: dict[str, int] = {}
        self.known(doc_ids)

    def known(self, doc_ids: list[str]) -> None:
        """Read the current versions of ``doc_ids`` not read yet (one query)."""
        wanted = sorted({d for d in doc_ids if d not in self.versions})
        if not wanted:
            return
        rows = self.con.execute(
            "SELECT doc_id, max(version) FROM gold WHERE schema_name = ? AND doc_id IN (SELECT unnest(?))"
            " GROUP BY doc_id",
            [self.schema_name, wanted],
        ).fetchall()
        self.versions.update(dict.fromkeys(wanted, 0) | {d: int(v) for d, v in rows})

    def add(
        self,
        *,
        doc_id: str,
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
        """The document's next version, held until :meth:`flush`."""
        self.known([doc_id])
        version = self.versions[doc_id] + 1
        self.versions[doc_id] = version
        gold_id = f"{doc_id}:{self.schema_name}:v{version}"
        self.rows.append([
            gold_id, doc_id, self.schema_name, version, json.dumps(record, ensure_ascii=False),
            json.dumps(groundings, ensure_ascii=False), annotation_id, annotator, lead_time, annotation_created,
            annotation_updated, prediction_version_key, json.dumps(region_stats or {}),
        ])  # fmt: skip
        return GoldVersion(gold_id, doc_id, self.schema_name, version)

    def flush(self) -> None:
        insert_rows(self.con, "gold", _GOLD_COLUMNS, self.rows)
        self.rows = []


def add_gold_version(con: duckdb.DuckDBPyConnection, *, doc_id: str, schema_name: str, **fields: Any) -> GoldVersion:
    """Append the next gold version of one document (fields as :meth:`GoldAppender.add`). Call
    inside the caller's transaction."""
    appender = GoldAppender(con, schema_name, [doc_id])
    gold = appender.add(doc_id=doc_id, **fields)
    appender.flush()
    return gold


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
