"""What ``pull`` saw of each submitted annotation: accepted (gold), rejected, or quarantined.

``annotations`` is keyed by (server, annotation id, Label Studio's ``updated_at``): the same
submission pulled twice is a no-op, an edited one is a new row — and a new gold version.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

from annotate.store.bulk import insert_rows


def seen(con: duckdb.DuckDBPyConnection, server_url: str, annotation_id: int, updated_at: datetime | None) -> bool:
    row = con.execute(
        "SELECT 1 FROM annotations WHERE server_url = ? AND annotation_id = ? AND updated_at IS NOT DISTINCT FROM ?",
        [server_url, annotation_id, updated_at],
    ).fetchone()
    return row is not None


def seen_annotations(con: duckdb.DuckDBPyConnection, server_url: str) -> set[tuple[int, datetime | None]]:
    """Every (annotation id, updated_at) already filed from this server: what :func:`seen` asks,
    read once per pull instead of once per annotation."""
    rows = con.execute("SELECT annotation_id, updated_at FROM annotations WHERE server_url = ?", [server_url])
    return {(int(a), u) for a, u in rows.fetchall()}


def filed_among(
    con: duckdb.DuckDBPyConnection, server_url: str, annotation_ids: list[int]
) -> set[tuple[int, datetime | None]]:
    """Which of these annotations (id, updated_at) are filed already: what a pull checks inside
    its transaction, where another process's pull of a shared store may have filed them."""
    rows = con.execute(
        "SELECT annotation_id, updated_at FROM annotations WHERE server_url = ? AND list_contains(?, annotation_id)",
        [server_url, annotation_ids],
    )
    return {(int(a), u) for a, u in rows.fetchall()}


_ANNOTATION_COLUMNS = (
    "server_url", "annotation_id", "task_id", "doc_id", "schema_name", "annotator", "result", "lead_time",
    "created_at", "updated_at", "outcome",
)  # fmt: skip
_REJECTED_COLUMNS = ("server_url", "annotation_id", "doc_id", "schema_name", "annotator", "reason")
_QUARANTINE_COLUMNS = ("server_url", "annotation_id", "doc_id", "schema_name", "reason", "result")


class ReviewRows:
    """What a pull files besides gold, held until its transaction commits and then inserted with
    multi-row statements (one insert per annotation was a quarter of a pull's own time). Flush
    before the caller's transaction commits, and before reading these tables back."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.tables: dict[str, list[list[Any]]] = {"annotations": [], "rejected": [], "quarantine": []}

    def annotation(
        self,
        *,
        server_url: str,
        annotation_id: int,
        task_id: int,
        doc_id: str,
        schema_name: str,
        annotator: str | None,
        result: list[dict[str, Any]],
        lead_time: float | None,
        created_at: datetime | None,
        updated_at: datetime | None,
        outcome: str,
    ) -> None:
        self.tables["annotations"].append([
            server_url, annotation_id, task_id, doc_id, schema_name, annotator,
            json.dumps(result, ensure_ascii=False), lead_time, created_at, updated_at, outcome,
        ])  # fmt: skip

    def rejected(
        self, *, server_url: str, annotation_id: int, doc_id: str, schema_name: str, annotator: str | None,
        reason: str | None,
    ) -> None:  # fmt: skip
        self.tables["rejected"].append([server_url, annotation_id, doc_id, schema_name, annotator, reason])

    def quarantined(
        self, *, server_url: str, annotation_id: int, doc_id: str, schema_name: str, reason: str,
        result: list[dict[str, Any]] | None,
    ) -> None:  # fmt: skip
        self.tables["quarantine"].append([
            server_url, annotation_id, doc_id, schema_name, " ".join(reason.split()),
            json.dumps(result, ensure_ascii=False) if result is not None else None,
        ])  # fmt: skip

    def flush(self) -> None:
        columns = {"annotations": _ANNOTATION_COLUMNS, "rejected": _REJECTED_COLUMNS, "quarantine": _QUARANTINE_COLUMNS}
        for table, rows in self.tables.items():
            insert_rows(self.con, table, columns[table], rows)
            rows.clear()


def record_annotation(con: duckdb.DuckDBPyConnection, **fields: Any) -> None:
    """One pulled annotation (fields as :meth:`ReviewRows.annotation`)."""
    rows = ReviewRows(con)
    rows.annotation(**fields)
    rows.flush()


def latest_on_tasks(con: duckdb.DuckDBPyConnection, server_url: str, task_ids: list[int]) -> dict[int, dict[str, Any]]:
    """task id -> its most recently updated annotation (result parsed): a paged document's pages."""
    rows = con.execute(
        "SELECT task_id, annotation_id, annotator, result, lead_time, created_at, updated_at FROM annotations"
        " WHERE server_url = ? AND list_contains(?, task_id)"
        " QUALIFY row_number() OVER (PARTITION BY task_id ORDER BY updated_at DESC NULLS LAST, pulled DESC) = 1",
        [server_url, task_ids],
    ).fetchall()
    keys = ("annotation_id", "annotator", "result", "lead_time", "created_at", "updated_at")
    return {r[0]: {**dict(zip(keys, r[1:], strict=True)), "result": json.loads(r[3])} for r in rows}


def add_rejected(con: duckdb.DuckDBPyConnection, **fields: Any) -> None:
    """One rejected document (fields as :meth:`ReviewRows.rejected`)."""
    rows = ReviewRows(con)
    rows.rejected(**fields)
    rows.flush()


def add_quarantine(con: duckdb.DuckDBPyConnection, **fields: Any) -> None:
    """One quarantined annotation (fields as :meth:`ReviewRows.quarantined`)."""
    rows = ReviewRows(con)
    rows.quarantined(**fields)
    rows.flush()


def rows(con: duckdb.DuckDBPyConnection, table: str, doc_id: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``annotations``, ``rejected`` or ``quarantine`` as dicts (newest last)."""
    if table not in ("annotations", "rejected", "quarantine"):
        raise ValueError(f"not a review table: {table}")
    sql = f"SELECT * FROM {table}" + (" WHERE doc_id = ?" if doc_id else "")
    cur = con.execute(sql + " ORDER BY created" if table != "annotations" else sql + " ORDER BY pulled",
                      [doc_id] if doc_id else [])  # fmt: skip
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
