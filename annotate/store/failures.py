"""The ``failures`` table: what went wrong with which document, until a later run fixes it.

A failure stays *open* until the same stage later succeeds for that document (or for the file it
was read from), so ``status`` can always say which documents still need attention. A document
failing again updates its open row rather than adding another, so repeated runs never pile up
duplicates. What no run will fix (a mistyped path, a deleted file) is removed by hand:
:func:`delete_failures`, ``annotate failures clear``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from annotate.store.bulk import insert_rows
from annotate.store.lake import write_lock


@dataclass(frozen=True)
class Failure:
    id: int
    doc_id: str | None
    source: str | None
    stage: str
    version_key: str | None
    reason: str
    resolved: bool
    created: datetime

    def public_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "source": self.source,
            "stage": self.stage,
            "version_key": self.version_key,
            "reason": self.reason,
            "resolved": self.resolved,
            "created": self.created.isoformat(sep=" ", timespec="seconds"),
        }


_COLUMNS = "id, doc_id, source, stage, version_key, reason, resolved, created"


def _one_line(reason: str, limit: int = 500) -> str:
    """Reasons are shown in tables and logs: one line, bounded."""
    line = " ".join(str(reason).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def record_failure(
    con: duckdb.DuckDBPyConnection,
    *,
    stage: str,
    reason: str,
    doc_id: str | None = None,
    source: str | None = None,
    version_key: str | None = None,
) -> None:
    """Open (or refresh) the failure of one document/file at one stage.

    A file that never became a document is identified by its path (``doc_id`` is NULL). A
    document failing at a later stage closes the open failures of its file that had no document
    (it loads now: that failure is over, this one replaces it).
    """
    if doc_id is None and source is None:
        raise ValueError("a failure needs a doc_id or a source")
    reason = _one_line(reason)
    with write_lock(con):  # refresh-or-insert is one step for concurrent writers of a lake
        if doc_id is not None and source is not None:
            _change(con, "UPDATE failures SET resolved = true", [], "NOT resolved AND doc_id IS NULL AND source = ?", [source])
        match, key = ("doc_id = ?", doc_id) if doc_id is not None else ("doc_id IS NULL AND source = ?", source)
        updated = _change(
            con,
            "UPDATE failures SET reason = ?, version_key = ?, source = coalesce(?, source), created = current_timestamp",
            [reason, version_key, source],
            f"{match} AND stage = ? AND NOT resolved",
            [key, stage],
        )
        if not updated:
            insert_rows(
                con, "failures", ("doc_id", "source", "stage", "version_key", "reason"),
                [(doc_id, source, stage, version_key, reason)],
            )  # fmt: skip


def _change(con: duckdb.DuckDBPyConnection, statement: str, values: list[Any], where: str, params: list[Any]) -> int:
    """Run ``statement`` (an UPDATE … SET or a DELETE FROM failures) on the rows ``where`` selects
    and say how many: counted first, since a DuckLake table has no ``RETURNING`` for either."""
    with write_lock(con):
        row = con.execute(f"SELECT count(*) FROM failures WHERE {where}", params).fetchone()
        count = int(row[0]) if row else 0
        if count:
            con.execute(f"{statement} WHERE {where}", [*values, *params])
    return count


def resolve_failures(
    con: duckdb.DuckDBPyConnection,
    *,
    doc_id: str | None = None,
    source: str | None = None,
    stages: Iterable[str] = ("load", "route", "extract"),
) -> int:
    """Close the open failures a success makes obsolete; returns how many were closed.

    Closes those of the document, and those of its path: a file that was unreadable and now
    loads, or whose earlier text failed and whose edited text now succeeds (another doc id, same
    file). Rows are kept (resolved) as history.
    """
    stage_list = list(stages)
    clauses, params = [], []
    if doc_id is not None:
        clauses.append("doc_id = ?")
        params.append(doc_id)
    if source:
        clauses.append("source = ?")
        params.append(source)
    if not clauses:
        return 0
    return _change(
        con,
        "UPDATE failures SET resolved = true",
        [],
        f"NOT resolved AND list_contains(?, stage) AND ({' OR '.join(clauses)})",
        [stage_list, *params],
    )


LATER_STAGES = ("push", "pull", "export")
"""Stages after pre-labeling: a new prediction says nothing about whether they would succeed."""


def resolve_failures_many(
    con: duckdb.DuckDBPyConnection,
    *,
    doc_ids: Iterable[str],
    sources: Iterable[str] = (),
    stages: Iterable[str] | None = None,
) -> int:
    """:func:`resolve_failures` for many documents in one statement (the writer's batches).

    ``stages=None`` closes every pre-labeling stage (whatever a backend called it: ``load``,
    ``route``, ``extract``, ``llm`` …), i.e. all but :data:`LATER_STAGES`.
    """
    ids, paths = list(doc_ids), list(sources)
    if not ids and not paths:
        return 0
    if stages is None:
        stage_clause, stage_param = "NOT list_contains(?, stage)", list(LATER_STAGES)
    else:
        stage_clause, stage_param = "list_contains(?, stage)", list(stages)
    return _change(
        con,
        "UPDATE failures SET resolved = true",
        [],
        f"NOT resolved AND {stage_clause} AND (list_contains(?, doc_id) OR list_contains(?, source))",
        [stage_param, ids, paths],
    )


def open_failure_keys(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Doc ids and paths with an open failure: a batch closes failures only where there are some."""
    rows = con.execute("SELECT doc_id, source FROM failures WHERE NOT resolved").fetchall()
    return {key for row in rows for key in row if key}


def open_failures(con: duckdb.DuckDBPyConnection, stage: str | None = None) -> list[Failure]:
    """Unresolved failures, newest first."""
    sql = f"SELECT {_COLUMNS} FROM failures WHERE NOT resolved"
    params: list[Any] = []
    if stage is not None:
        sql += " AND stage = ?"
        params.append(stage)
    rows = con.execute(sql + " ORDER BY created DESC, id DESC", params).fetchall()
    return [Failure(*row) for row in rows]


def failures_for(con: duckdb.DuckDBPyConnection, doc_id: str) -> list[Failure]:
    """Every failure of a document, resolved ones included (its history)."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM failures WHERE doc_id = ? ORDER BY created, id", [doc_id]
    ).fetchall()
    return [Failure(*row) for row in rows]


def delete_failures(con: duckdb.DuckDBPyConnection, ids: Iterable[int] | None = None) -> int:
    """Remove open failures (all, or those with these ids) for good; returns how many went.

    For what no run will ever fix: a mistyped path, a file deleted since. Resolved rows (history)
    are left alone.
    """
    if ids is None:
        return _change(con, "DELETE FROM failures", [], "NOT resolved", [])
    return _change(con, "DELETE FROM failures", [], "NOT resolved AND list_contains(?, id)", [list(ids)])
