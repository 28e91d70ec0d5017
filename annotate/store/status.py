"""Counts per pipeline stage, for ``annotate status``: where every document is, at a glance.

Read-only. The Label Studio and gold stages are filled by their own repositories; this module
only counts them, per distinct document, so re-pushes and new gold versions never inflate a
number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from annotate.store.failures import Failure, open_failures


@dataclass
class StageCounts:
    """Distinct documents per stage. ``failed`` counts documents/files with an open failure."""

    documents: int = 0
    predicted: int = 0
    failed: int = 0
    pushed: int = 0
    annotated: int = 0
    gold: int = 0
    quarantined: int = 0
    rejected: int = 0
    llm_calls: int = 0
    cached_responses: int = 0
    by_schema: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_COUNTS = {
    "documents": "SELECT count(*) FROM documents",
    "predicted": "SELECT count(DISTINCT doc_id) FROM predictions",
    "failed": "SELECT count(DISTINCT coalesce(doc_id, 'file:' || source)) FROM failures WHERE NOT resolved",
    "pushed": "SELECT count(DISTINCT doc_id) FROM ls_tasks",
    "annotated": "SELECT count(DISTINCT doc_id) FROM annotations",
    "gold": "SELECT count(DISTINCT doc_id) FROM gold",
    # quarantined: documents whose quarantined annotation has not since become gold
    "quarantined": (
        "SELECT count(DISTINCT q.doc_id) FROM quarantine q WHERE NOT EXISTS "
        "(SELECT 1 FROM gold g WHERE g.doc_id = q.doc_id AND g.created >= q.created)"
    ),
    "rejected": "SELECT count(DISTINCT doc_id) FROM rejected",
    "llm_calls": "SELECT count(*) FROM llm_calls",
    "cached_responses": "SELECT count(*) FROM response_cache",
}

_BY_SCHEMA = """
SELECT s, sum(documents)::INT, sum(predicted)::INT, sum(pushed)::INT, sum(gold)::INT FROM (
    SELECT coalesce(schema_name, '(unrouted)') AS s, count(*) AS documents, 0 AS predicted, 0 AS pushed, 0 AS gold
        FROM documents GROUP BY 1
    UNION ALL SELECT schema_name, 0, count(DISTINCT doc_id), 0, 0 FROM predictions GROUP BY 1
    UNION ALL SELECT schema_name, 0, 0, count(DISTINCT doc_id), 0 FROM ls_tasks GROUP BY 1
    UNION ALL SELECT schema_name, 0, 0, 0, count(DISTINCT doc_id) FROM gold GROUP BY 1
) GROUP BY s ORDER BY s
"""


def stage_counts(con: duckdb.DuckDBPyConnection) -> StageCounts:
    counts = StageCounts()
    for name, sql in _COUNTS.items():
        row = con.execute(sql).fetchone()
        setattr(counts, name, int(row[0]) if row and row[0] is not None else 0)
    for schema, documents, predicted, pushed, gold in con.execute(_BY_SCHEMA).fetchall():
        counts.by_schema[schema] = {"documents": documents, "predicted": predicted, "pushed": pushed, "gold": gold}
    return counts


@dataclass(frozen=True)
class QuarantineEntry:
    doc_id: str
    schema_name: str
    annotation_id: int
    reason: str


def quarantine_reasons(con: duckdb.DuckDBPyConnection, limit: int = 50) -> list[QuarantineEntry]:
    """Why annotations were quarantined, newest first (for the status table)."""
    rows = con.execute(
        "SELECT doc_id, schema_name, annotation_id, reason FROM quarantine ORDER BY created DESC LIMIT ?", [limit]
    ).fetchall()
    return [QuarantineEntry(*r) for r in rows]


def waiting_pages(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Paged documents some of whose pages nobody has submitted yet: their gold waits for them."""
    paged = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'ls_tasks' AND column_name = 'pages'"
    ).fetchone()
    if not paged or not paged[0]:  # a store opened read-only before its first write after an upgrade
        return []
    rows = con.execute(
        "SELECT t.doc_id, t.schema_name, t.pages, list(t.page ORDER BY t.page) FROM ls_tasks t"
        " WHERE t.pages > 1 AND NOT EXISTS (SELECT 1 FROM annotations a"
        "   WHERE a.server_url = t.server_url AND a.task_id = t.task_id)"
        " GROUP BY ALL ORDER BY t.doc_id"
    ).fetchall()
    return [{"doc_id": d, "schema_name": s, "pages": n, "waiting": list(w)} for d, s, n, w in rows]


def status_report(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Everything ``annotate status`` shows: counts, open failures and quarantine reasons."""
    counts = stage_counts(con)
    failures: list[Failure] = open_failures(con)
    return {
        **counts.as_dict(),
        "open_failures": [f.public_dict() for f in failures],
        "quarantine": [asdict(q) for q in quarantine_reasons(con)],
        "waiting_pages": waiting_pages(con),
    }
