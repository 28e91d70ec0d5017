"""What ``pull`` saw of each submitted annotation: accepted (gold), rejected, or quarantined.

``annotations`` is keyed by (server, annotation id, Label Studio's ``updated_at``): the same
submission pulled twice is a no-op, an edited one is a new row — and a new gold version.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb


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


def record_annotation(
    con: duckdb.DuckDBPyConnection,
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
    con.execute(
        "INSERT INTO annotations (server_url, annotation_id, task_id, doc_id, schema_name, annotator, result,"
        " lead_time, created_at, updated_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [server_url, annotation_id, task_id, doc_id, schema_name, annotator,
         json.dumps(result, ensure_ascii=False), lead_time, created_at, updated_at, outcome],
    )  # fmt: skip


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


def add_rejected(
    con: duckdb.DuckDBPyConnection,
    *,
    server_url: str,
    annotation_id: int,
    doc_id: str,
    schema_name: str,
    annotator: str | None,
    reason: str | None,
) -> None:
    con.execute(
        "INSERT INTO rejected (server_url, annotation_id, doc_id, schema_name, annotator, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [server_url, annotation_id, doc_id, schema_name, annotator, reason],
    )


def add_quarantine(
    con: duckdb.DuckDBPyConnection,
    *,
    server_url: str,
    annotation_id: int,
    doc_id: str,
    schema_name: str,
    reason: str,
    result: list[dict[str, Any]] | None,
) -> None:
    con.execute(
        "INSERT INTO quarantine (server_url, annotation_id, doc_id, schema_name, reason, result)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [server_url, annotation_id, doc_id, schema_name, " ".join(reason.split()),
         json.dumps(result, ensure_ascii=False) if result is not None else None],
    )  # fmt: skip


def rows(con: duckdb.DuckDBPyConnection, table: str, doc_id: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``annotations``, ``rejected`` or ``quarantine`` as dicts (newest last)."""
    if table not in ("annotations", "rejected", "quarantine"):
        raise ValueError(f"not a review table: {table}")
    sql = f"SELECT * FROM {table}" + (" WHERE doc_id = ?" if doc_id else "")
    cur = con.execute(sql + " ORDER BY created" if table != "annotations" else sql + " ORDER BY pulled",
                      [doc_id] if doc_id else [])  # fmt: skip
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
