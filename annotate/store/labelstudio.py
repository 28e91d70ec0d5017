"""Which Label Studio projects, tasks and predictions a store has pushed (``ls_*`` tables).

Keyed by server URL so that one store can feed a local server and a team server without mixing
their ids. Push reads the predictions and documents tables through :func:`pending_predictions`
(one join, no per-document round trips) and never writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from annotate.store.bulk import Conflict, insert_rows
from annotate.store.lake import write_lock


@dataclass(frozen=True)
class PushablePrediction:
    doc_id: str
    schema_name: str
    version_key: str
    record: dict[str, Any]
    groundings: list[dict[str, Any]]
    confidence: float | None
    created: datetime
    text: str
    source: str | None


def pending_predictions(con: duckdb.DuckDBPyConnection, schema_name: str | None = None) -> list[PushablePrediction]:
    """Every prediction with its document text, oldest first (so the newest version key wins)."""
    sql = (
        "SELECT p.doc_id, p.schema_name, p.version_key, p.record, p.groundings, p.confidence, p.created,"
        " d.text, d.source FROM predictions p JOIN documents d USING (doc_id)"
    )
    params: list[Any] = []
    if schema_name:
        sql += " WHERE p.schema_name = ?"
        params.append(schema_name)
    rows = con.execute(sql + " ORDER BY p.created, p.doc_id, p.version_key", params).fetchall()
    return [
        PushablePrediction(d, s, v, json.loads(r), json.loads(g), c, t, text, src)
        for d, s, v, r, g, c, t, text, src in rows
    ]


def get_project(con: duckdb.DuckDBPyConnection, server_url: str, schema_name: str) -> dict[str, Any] | None:
    cur = con.execute(
        "SELECT project_id, label_config_hash, model_version FROM ls_projects WHERE server_url = ? AND schema_name = ?",
        [server_url, schema_name],
    )
    row = cur.fetchone()
    return None if row is None else {"project_id": row[0], "label_config_hash": row[1], "model_version": row[2]}


def list_projects(con: duckdb.DuckDBPyConnection, server_url: str) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT schema_name, project_id, model_version FROM ls_projects WHERE server_url = ? ORDER BY schema_name",
        [server_url],
    ).fetchall()
    return [{"schema_name": s, "project_id": p, "model_version": m} for s, p, m in rows]


def save_project(
    con: duckdb.DuckDBPyConnection,
    server_url: str,
    schema_name: str,
    project_id: int,
    label_config_hash: str,
    model_version: str | None,
) -> None:
    insert_rows(
        con,
        "ls_projects",
        ("server_url", "schema_name", "project_id", "label_config_hash", "model_version"),
        [(server_url, schema_name, project_id, label_config_hash, model_version)],
        conflict=_PROJECT_CONFLICT,
    )


_PROJECT_CONFLICT = Conflict(
    ("server_url", "schema_name"),
    "project_id = excluded.project_id, label_config_hash = excluded.label_config_hash,"
    " model_version = excluded.model_version, updated = get_current_timestamp()",
)


def forget_project(con: duckdb.DuckDBPyConnection, server_url: str, schema_name: str, project_id: int) -> None:
    """The server lost the project (deleted by hand): drop what we believed it held."""
    with write_lock(con):
        con.execute(
            "DELETE FROM ls_predictions WHERE server_url = ? AND task_id IN"
            " (SELECT task_id FROM ls_tasks WHERE server_url = ? AND project_id = ?)",
            [server_url, server_url, project_id],
        )
        con.execute("DELETE FROM ls_tasks WHERE server_url = ? AND project_id = ?", [server_url, project_id])
        con.execute("DELETE FROM ls_projects WHERE server_url = ? AND schema_name = ?", [server_url, schema_name])


@dataclass(frozen=True)
class PushedTask:
    """A task that shows ``text[start:end]`` of a document: page ``page`` of ``pages`` (1 of 1: all of it)."""

    doc_id: str
    task_id: int
    page: int = 1
    pages: int = 1
    start: int = 0
    end: int | None = None


def task_map(con: duckdb.DuckDBPyConnection, server_url: str, project_id: int) -> dict[tuple[str, int], PushedTask]:
    """(doc_id, page) -> the task showing that page."""
    rows = con.execute(
        "SELECT doc_id, task_id, page, pages, page_start, page_end FROM ls_tasks WHERE server_url = ? AND project_id = ?",
        [server_url, project_id],
    ).fetchall()
    return {(r[0], r[2]): PushedTask(*r) for r in rows}


def add_tasks(
    con: duckdb.DuckDBPyConnection, server_url: str, project_id: int, schema_name: str, tasks: list[PushedTask]
) -> None:
    unique = {(t.doc_id, t.page): t for t in tasks}
    insert_rows(
        con,
        "ls_tasks",
        ("server_url", "project_id", "task_id", "doc_id", "schema_name", "page", "pages", "page_start", "page_end"),
        [
            (server_url, project_id, t.task_id, t.doc_id, schema_name, t.page, t.pages, t.start, t.end)
            for t in unique.values()
        ],
        conflict=Conflict(("server_url", "project_id", "doc_id", "page")),
    )


def document_pages(con: duckdb.DuckDBPyConnection, server_url: str, doc_id: str) -> list[PushedTask]:
    """The tasks a document is shown as, in page order (one, unless it was paged)."""
    rows = con.execute(
        "SELECT doc_id, task_id, page, pages, page_start, page_end FROM ls_tasks"
        " WHERE server_url = ? AND doc_id = ? ORDER BY page",
        [server_url, doc_id],
    ).fetchall()
    return [PushedTask(*r) for r in rows]


def pushed_versions(con: duckdb.DuckDBPyConnection, server_url: str) -> set[tuple[int, str]]:
    rows = con.execute("SELECT task_id, version_key FROM ls_predictions WHERE server_url = ?", [server_url]).fetchall()
    return {(t, v) for t, v in rows}


def add_predictions(con: duckdb.DuckDBPyConnection, server_url: str, rows: list[tuple[int, str, int | None]]) -> None:
    unique = {(t, v): i for t, v, i in rows}
    insert_rows(
        con,
        "ls_predictions",
        ("server_url", "task_id", "version_key", "prediction_id"),
        [(server_url, t, v, i) for (t, v), i in unique.items()],
        conflict=Conflict(("server_url", "task_id", "version_key"), "prediction_id = excluded.prediction_id"),
    )


def task_doc(con: duckdb.DuckDBPyConnection, server_url: str, task_id: int) -> tuple[str, str] | None:
    """(doc_id, schema_name) of a pushed task."""
    row = con.execute(
        "SELECT doc_id, schema_name FROM ls_tasks WHERE server_url = ? AND task_id = ?", [server_url, task_id]
    ).fetchone()
    return (row[0], row[1]) if row else None


def document_texts(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> dict[str, str]:
    """doc_id -> stored text, for many documents in one query (pull reads a chunk's at once)."""
    rows = con.execute("SELECT doc_id, text FROM documents WHERE doc_id IN (SELECT unnest(?))", [sorted(set(doc_ids))])
    return dict(rows.fetchall())
