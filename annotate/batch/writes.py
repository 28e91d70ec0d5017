"""What the run hands the store's writer thread: the items, and the only functions that thread runs.

All of a run's database writes go through one writer (:class:`annotate.store.writer.StoreWriter`),
which batches them into few transactions; these handlers say how each kind of item is written,
and (for results) how it is replayed one by one when a batched write failed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from annotate.core.types import Document, Extraction
from annotate.store.documents import upsert_documents
from annotate.store.failures import record_failure, resolve_failures_many
from annotate.store.llm_calls import insert_calls
from annotate.store.predictions import save_results
from annotate.store.response_cache import put_responses


@dataclass(frozen=True)
class FailureItem:
    stage: str
    reason: str
    source: str
    doc: Document | None = None
    schema_name: str | None = None
    version_key: str | None = None


@dataclass(frozen=True)
class ResultItem:
    """A document's prediction on its way to the store, with what the run knows about it."""

    doc: Document
    extraction: Extraction
    backend: str
    fresh: bool  # neither the document nor this prediction is stored yet
    resolve: bool  # the document (or its path) has an open failure to close


def write_results(con: duckdb.DuckDBPyConnection, items: list[ResultItem]) -> None:
    for fresh in (True, False):
        part = [i for i in items if i.fresh is fresh]
        if part:
            save_results(
                con,
                [(i.doc, i.extraction, i.backend) for i in part],
                fresh=fresh,
                resolve=any(i.resolve for i in part),
            )


def write_results_safe(con: duckdb.DuckDBPyConnection, items: list[ResultItem]) -> None:
    """The replay path after a failed batch: upserts and a failure update, whatever was assumed."""
    save_results(con, [(i.doc, i.extraction, i.backend) for i in items])


def write_failures(con: duckdb.DuckDBPyConnection, items: list[FailureItem]) -> None:
    docs = [(f.doc, f.schema_name) for f in items if f.doc is not None]
    if docs:
        upsert_documents(con, docs)  # so `status`/`show` can name it and the next run retries it
    for f in items:
        record_failure(
            con,
            stage=f.stage,
            reason=f.reason,
            doc_id=f.doc.doc_id if f.doc is not None else None,
            source=f.source,
            version_key=f.version_key,
        )


def write_resolved(con: duckdb.DuckDBPyConnection, items: list[tuple[str, str]]) -> None:
    """Close the open failures of documents found already predicted: ``(doc_id, path)`` pairs."""
    resolve_failures_many(con, doc_ids=[d for d, _ in items], sources=[p for _, p in items])


HANDLERS = {
    "call": insert_calls,
    "cache": put_responses,
    "result": (write_results, write_results_safe),
    "failure": write_failures,
    "resolved": write_resolved,
}
