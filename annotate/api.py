"""The library's front door: three calls that do what the CLI's main commands do.

Everything here only chains the modules the CLI uses (documents → extraction pipeline → batch →
store), so a script and ``annotate extract`` / ``annotate prelabel`` cannot drift apart. Heavy
imports happen inside the calls: ``import annotate`` stays quick.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotate.core.types import Document, Extraction

if TYPE_CHECKING:
    import duckdb

    from annotate.batch import BatchSummary
    from annotate.extraction.base import Backend


def _document(path_or_text: str | Path | Document) -> Document:
    """A Document from a file path, or from text given directly (its doc_id is the text's hash,
    as for a file holding that text)."""
    from annotate.documents import clean, doc_id_for, load_document

    if isinstance(path_or_text, Document):
        return path_or_text
    if isinstance(path_or_text, Path) or ("\n" not in path_or_text and Path(path_or_text).is_file()):
        return load_document(path_or_text)
    text, meta = clean(path_or_text)
    return Document(doc_id=doc_id_for(text), text=text, source="<text>", metadata=meta)


def extract(
    path_or_text: str | Path | Document,
    *,
    schema: str = "auto",
    backend: str | Backend = "auto",
    **backend_options: Any,
) -> Extraction:
    """One document → one grounded :class:`Extraction` (record + where each value sits in the text).

    ``schema`` is a genre name or ``auto`` (the router decides); ``backend`` is ``auto`` (the LLM
    when ``OPENAI_BASE_URL``/``OPENAI_API_KEY`` is set, else the offline rules), ``llm``, ``rules``,
    a plug-in's name, or a backend object. ``backend_options`` go to the LLM backend (``mode``,
    ``model``, ``chunk_chars`` …). Raises ``ExtractionFailure``, ``SchemaError`` or ``DocumentError``
    with a one-line reason.
    """
    from annotate.extraction.backends import choose_backend
    from annotate.extraction.pipeline import extract_document

    doc = _document(path_or_text)
    chosen = choose_backend(backend, announce=False, **backend_options) if isinstance(backend, str) else backend

    async def run() -> Extraction:
        try:
            return await extract_document(doc, schema, chosen)
        finally:
            close = getattr(chosen, "aclose", None)
            if close is not None and isinstance(backend, str):
                await close()

    return asyncio.run(run())


def prelabel(
    paths: Sequence[str | Path],
    *,
    db: str | Path | None = None,
    schema: str = "auto",
    backend: str = "auto",
    concurrency: int | None = None,
    force: bool = False,
    **backend_options: Any,
) -> BatchSummary:
    """Pre-label files and folders into the review store (``db``, default ``ANNOTATE_DB`` or
    ``./review.duckdb``): resumable, cached, every document predicted or failed with a reason."""
    from annotate.batch import DEFAULT_CONCURRENCY, BatchOptions
    from annotate.batch import prelabel as run

    options = BatchOptions(schema=schema, backend=backend, concurrency=concurrency or DEFAULT_CONCURRENCY,
                           force=force, backend_options=backend_options)  # fmt: skip
    return run(paths, options, db=db)


def open_store(url: str | Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The review store as a DuckDB connection (created and migrated on first use); close it after.

    Its tables (``documents``, ``predictions``, ``gold`` …) are documented in README "The store".
    """
    from annotate.store.db import connect

    return connect(url, read_only=read_only)
