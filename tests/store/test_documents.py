"""documents: one row per text, the text never rewritten, path and routed schema refreshed."""

from __future__ import annotations

import duckdb

from annotate.core.types import Document, Extraction
from annotate.store.documents import (
    doc_ids_by_source,
    get_document,
    list_documents,
    resolve_doc_id,
    set_schema,
    upsert_document,
)


def test_upsert_keeps_text_and_refreshes_source(con: duckdb.DuckDBPyConnection, seed_pairs: list) -> None:
    doc: Document = seed_pairs[0][0]
    upsert_document(con, doc)
    moved = doc.model_copy(update={"source": "elsewhere/renamed.txt"})
    upsert_document(con, moved, "meeting_review")
    upsert_document(con, moved)  # no schema given: the routed one is kept
    stored = get_document(con, doc.doc_id)
    assert stored is not None
    assert stored.text == doc.text
    assert stored.source == "elsewhere/renamed.txt"
    assert stored.schema_name == "meeting_review"
    assert stored.to_document().text == doc.text
    assert con.execute("SELECT count(*) FROM documents").fetchone() == (1,)


def test_set_schema_list_and_prefix(con: duckdb.DuckDBPyConnection, seed_pairs: list[tuple[Document, Extraction]]) -> None:
    for doc, extraction in seed_pairs:
        upsert_document(con, doc)
        set_schema(con, doc.doc_id, extraction.schema_name)
    assert len(list_documents(con)) == len(seed_pairs)
    meetings = [e.doc_id for _, e in seed_pairs if e.schema_name == "meeting_review"]
    assert sorted(d.doc_id for d in list_documents(con, "meeting_review")) == sorted(meetings)
    doc_id = seed_pairs[0][0].doc_id
    assert resolve_doc_id(con, doc_id[:6]) == [doc_id]
    assert resolve_doc_id(con, "zzzz") == []
    assert get_document(con, "missing") is None


def test_metadata_round_trips(con: duckdb.DuckDBPyConnection, fixtures_dir) -> None:
    from annotate.documents import load_document

    doc = load_document(fixtures_dir / "documents" / "front_matter.md")
    upsert_document(con, doc)
    stored = get_document(con, doc.doc_id)
    assert stored is not None and stored.metadata == doc.metadata and stored.metadata


def test_documents_by_the_path_they_were_read_from(con: duckdb.DuckDBPyConnection, seed_pairs: list) -> None:
    first, second = seed_pairs[0][0], seed_pairs[1][0]
    upsert_document(con, first.model_copy(update={"source": "in/a.txt"}))
    upsert_document(con, second.model_copy(update={"source": "/abs/in/b.txt"}))
    assert doc_ids_by_source(con, ["in/a.txt"]) == [(first.doc_id, "in/a.txt")]
    assert doc_ids_by_source(con, ["b.txt", "/abs/in/b.txt"]) == [(second.doc_id, "/abs/in/b.txt")]
    assert doc_ids_by_source(con, ["in/c.txt"]) == []
    assert resolve_doc_id(con, "", limit=1) == [min(first.doc_id, second.doc_id)]
