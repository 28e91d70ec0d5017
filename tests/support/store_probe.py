"""What a store holds, as JSON on stdout: ``python -m tests.support.store_probe <store URL or file>``.

The team-store tests run ``annotate`` from the team venv (DuckDB 1.5.5, which alone loads the
DuckLake extension), so they read the lake through this, run with that venv's python; a DuckDB
file made by the main venv is read the same way for the comparison.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from annotate.store.db import connect


def probe(target: str) -> dict[str, Any]:
    con = connect(target, read_only=True)
    try:

        def rows(sql: str) -> list[list[Any]]:
            return [list(r) for r in con.execute(sql).fetchall()]

        return {
            "documents": rows("SELECT doc_id, schema_name FROM documents ORDER BY doc_id"),
            "predictions": rows(
                "SELECT doc_id, schema_name, version_key, record::VARCHAR, groundings::VARCHAR FROM predictions"
                " ORDER BY doc_id, version_key"
            ),
            "duplicates": {
                table: rows(f"SELECT {key}, count(*) FROM {table} GROUP BY ALL HAVING count(*) > 1")
                for table, key in [
                    ("documents", "doc_id"),
                    ("predictions", "doc_id, version_key"),
                    ("response_cache", "doc_id, chunk, version_key"),
                    ("failures", "id"),
                    ("llm_calls", "id"),
                    ("gold", "doc_id, schema_name, version"),
                    ("annotations", "server_url, annotation_id, updated_at"),
                    ("schema_migrations", "version"),
                ]
            },
            "open_failures": rows("SELECT stage, reason, source FROM failures WHERE NOT resolved ORDER BY source"),
            "cache_rows": rows("SELECT count(*) FROM response_cache")[0][0],
            "projects": [r[0] for r in rows("SELECT project_id FROM ls_projects ORDER BY 1")],
            "tasks": rows("SELECT task_id, doc_id, pages FROM ls_tasks ORDER BY task_id"),
            "gold": rows("SELECT doc_id, version, annotation_id, annotator FROM gold ORDER BY doc_id, version"),
        }
    finally:
        con.close()


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1]), ensure_ascii=False, default=str))
