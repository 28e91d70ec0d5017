"""The ``documents`` table: every text the pipeline has seen, keyed by the hash of its cleaned text.

The stored text is THE text that every offset (predictions, Label Studio regions, gold) indexes,
so it is written once and never changed; only the last-seen path and the routed genre move.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from annotate.core.types import Document
from annotate.store.bulk import Conflict, insert_rows
from annotate.store.lake import write_lock


@dataclass(frozen=True)
class StoredDocument:
    """A document row as the store holds it (the Document plus what the pipeline learnt)."""

    doc_id: str
    source: str
    text: str
    metadata: dict[str, Any]
    schema_name: str | None
    first_seen: datetime

    def to_document(self) -> Document:
        return Document(doc_id=self.doc_id, text=self.text, source=self.source, metadata=self.metadata)


_ON_CONFLICT = Conflict(
    ("doc_id",), "source = excluded.source, schema_name = coalesce(excluded.schema_name, documents.schema_name)"
)


def upsert_documents(
    con: duckdb.DuckDBPyConnection, docs: Iterable[tuple[Document, str | None]], *, fresh: bool = False
) -> int:
    """Insert documents or refresh their last-seen path (and routed schema when one is given).

    The text is never rewritten: a document's identity *is* its text, so a different text is a
    different row. ``fresh=True`` promises none of them is stored yet (the batch knows): a plain
    insert costs about half an upsert. Call inside the caller's transaction when it belongs to a
    larger unit of work.
    """
    latest: dict[str, list[Any]] = {}
    for doc, schema_name in docs:
        previous = latest.get(doc.doc_id)
        schema = schema_name if schema_name is not None else (previous[4] if previous else None)
        latest[doc.doc_id] = [doc.doc_id, doc.source, doc.text, json.dumps(doc.metadata, ensure_ascii=False), schema]
    return insert_rows(
        con,
        "documents",
        ("doc_id", "source", "text", "metadata", "schema_name"),
        list(latest.values()),
        conflict=_ON_CONFLICT, known_new=fresh,
    )


def known_doc_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every stored doc id (keys only), so a batch knows which documents are new."""
    return {d for (d,) in con.execute("SELECT doc_id FROM documents").fetchall()}


def upsert_document(con: duckdb.DuckDBPyConnection, doc: Document, schema_name: str | None = None) -> None:
    upsert_documents(con, [(doc, schema_name)])


def set_schema(con: duckdb.DuckDBPyConnection, doc_id: str, schema_name: str) -> None:
    """Record the genre a document was routed to (an override or the router's choice)."""
    with write_lock(con):
        con.execute("UPDATE documents SET schema_name = ? WHERE doc_id = ?", [schema_name, doc_id])


def _row(row: tuple[Any, ...]) -> StoredDocument:
    doc_id, source, text, metadata, schema_name, first_seen = row
    return StoredDocument(
        doc_id=doc_id,
        source=source or "",
        text=text,
        metadata=json.loads(metadata) if metadata else {},
        schema_name=schema_name,
        first_seen=first_seen,
    )


_COLUMNS = "doc_id, source, text, metadata, schema_name, first_seen"


def get_document(con: duckdb.DuckDBPyConnection, doc_id: str) -> StoredDocument | None:
    row = con.execute(f"SELECT {_COLUMNS} FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
    return _row(row) if row else None


def resolve_doc_id(con: duckdb.DuckDBPyConnection, prefix: str, limit: int = 10) -> list[str]:
    """Doc ids starting with ``prefix``, so people can type the first few characters of an id."""
    rows = con.execute(
        "SELECT doc_id FROM documents WHERE starts_with(doc_id, ?) ORDER BY doc_id LIMIT ?", [prefix, limit]
    ).fetchall()
    return [r[0] for r in rows]


def doc_ids_by_source(con: duckdb.DuckDBPyConnection, paths: Iterable[str]) -> list[tuple[str, str]]:
    """(doc_id, source) of the documents last seen at any of ``paths``, newest first.

    A path is stored as it was given to ``prelabel``; the caller passes the spellings that may
    name the same file (as typed, absolute, relative to the current directory).
    """
    rows = con.execute(
        "SELECT doc_id, source FROM documents WHERE list_contains(?, source) ORDER BY first_seen DESC, doc_id",
        [list(dict.fromkeys(paths))],
    ).fetchall()
    return [(d, s) for d, s in rows]


def list_documents(con: duckdb.DuckDBPyConnection, schema_name: str | None = None) -> list[StoredDocument]:
    """All documents (optionally of one routed genre), oldest first."""
    if schema_name is None:
        rows = con.execute(f"SELECT {_COLUMNS} FROM documents ORDER BY first_seen, doc_id").fetchall()
    else:
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM documents WHERE schema_name = ? ORDER BY first_seen, doc_id", [schema_name]
        ).fetchall()
    return [_row(r) for r in rows]
