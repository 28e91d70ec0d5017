"""Where each document stands, one row per document, for ``annotate docs``.

Read-only. A document's *stage* is the furthest it got (``loaded`` < ``predicted`` < ``pushed``
< ``quarantined`` / ``rejected`` < ``gold``), except that a document with an open failure is
``failed`` whatever it reached: that is what needs attention. Files that never became a document
(unreadable, empty, mistyped) are listed too, without a doc id, so every open failure has a row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

STAGES = ("loaded", "failed", "predicted", "pushed", "quarantined", "rejected", "gold")


@dataclass(frozen=True)
class DocumentRow:
    doc_id: str | None
    path: str
    schema_name: str | None
    stage: str
    failed_stages: list[str] = field(default_factory=list)
    """Stages of the open failures (``load``, ``extract``, ``push`` …), if any."""
    reason: str | None = None
    """The newest open failure's reason."""

    def public_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["schema"] = out.pop("schema_name")
        return out


_DOCUMENTS = """
WITH open_failures AS (
    SELECT doc_id, list(DISTINCT stage ORDER BY stage) AS stages, arg_max(reason, created) AS reason
    FROM failures WHERE NOT resolved AND doc_id IS NOT NULL GROUP BY doc_id
),
quarantined AS (
    SELECT DISTINCT q.doc_id FROM quarantine q WHERE NOT EXISTS
        (SELECT 1 FROM gold g WHERE g.doc_id = q.doc_id AND g.created >= q.created)
)
SELECT d.doc_id, d.source, d.schema_name,
    CASE
        WHEN f.doc_id IS NOT NULL THEN 'failed'
        WHEN d.doc_id IN (SELECT doc_id FROM gold) THEN 'gold'
        WHEN d.doc_id IN (SELECT doc_id FROM rejected) THEN 'rejected'
        WHEN d.doc_id IN (SELECT doc_id FROM quarantined) THEN 'quarantined'
        WHEN d.doc_id IN (SELECT doc_id FROM ls_tasks) THEN 'pushed'
        WHEN d.doc_id IN (SELECT doc_id FROM predictions) THEN 'predicted'
        ELSE 'loaded'
    END AS stage,
    coalesce(f.stages, []), f.reason
FROM documents d LEFT JOIN open_failures f USING (doc_id)
WHERE ? IS NULL OR d.schema_name = ?
ORDER BY d.first_seen, d.doc_id
"""

_FAILED_FILES = """
SELECT source, list(DISTINCT stage ORDER BY stage), arg_max(reason, created)
FROM failures WHERE NOT resolved AND doc_id IS NULL GROUP BY source ORDER BY min(created), source
"""


def document_rows(
    con: duckdb.DuckDBPyConnection, *, schema_name: str | None = None, stage: str | None = None
) -> list[DocumentRow]:
    """Every document (oldest first), then every file with an open failure that is no document.

    ``schema_name`` keeps only documents routed to that schema (files that never loaded have none).
    """
    if stage is not None and stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}: choose one of {', '.join(STAGES)}")
    rows = [
        DocumentRow(doc_id, source or "", schema, row_stage, list(stages), reason)
        for doc_id, source, schema, row_stage, stages, reason in con.execute(
            _DOCUMENTS, [schema_name, schema_name]
        ).fetchall()
    ]
    if schema_name is None and stage in (None, "failed"):
        rows += [
            DocumentRow(None, source or "", None, "failed", list(stages), reason)
            for source, stages, reason in con.execute(_FAILED_FILES).fetchall()
        ]
    return [r for r in rows if stage is None or r.stage == stage]
