"""Pre-labeling through a provider's Batch API: submit, status, collect (``annotate prelabel --via batch``).

Why: a Batch API answers the same requests at half the price (OpenAI Batch, Anthropic Message
Batches), within hours instead of seconds. What must not change is the answers' meaning, so:

* **submit** routes each document as a live run would, then builds each chunk's request with the
  live path's own builder (:meth:`LLMBackend.first_request`): same body, same version key, same
  cache key. Predicted documents, chunks already cached and documents already waiting in a batch
  are not sent again. The requests are recorded in the store *before* the upload; the file id and
  the batch id are recorded as soon as the provider gives them, so a submit killed at any step is
  finished by the next ``batch status``/``collect`` (a batch created but not recorded is found
  again by its ``metadata``, never created twice).
* **collect** downloads the output and error files (one transaction: answers, reasons, cost per
  version key at the batch price), then runs the ordinary pre-label run
  (:func:`annotate.batch.run.run_batch`) over the job's documents with
  :class:`~annotate.batch.batch_answers.BatchAnswers`: answers are read, validated and grounded by
  the live code, faulty ones re-asked live (or in a follow-up batch), and predictions, calls and
  cache written by the live run's writer. A collect killed midway is re-run like a killed
  prelabel: what is predicted is skipped, cached chunks are free, logged answers are not logged twice.
* A batch that expired or partly failed leaves each of its requests with a reason, and each
  document predicted (its failures asked live) or failed with that reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import openai

from annotate.batch.batch_answers import DEFERRED_STAGE, BatchAnswers, Deferred, body_hash
from annotate.batch.batch_results import download
from annotate.batch.run import collect_files, is_fatal, make_backend, one_line, route_document, run_batch
from annotate.batch.summary import BatchError, BatchOptions, BatchSummary, ProgressHook
from annotate.batch.writes import HANDLERS, FailureItem
from annotate.core.types import ExtractionFailure
from annotate.documents import DocumentError, load_document
from annotate.extraction.base import ExtractContext, ExtractStats
from annotate.extraction.llm import LLMBackend, LLMSettings
from annotate.store import db as store_db
from annotate.store import provider_batches as pb
from annotate.store.llm_calls import StoreCallLog
from annotate.store.predictions import predicted_keys
from annotate.store.response_cache import StoreResponseCache
from annotate.store.writer import StoreWriter

ENDPOINT = "/v1/chat/completions"


@dataclass
class Submitted:
    """What a submit did: the batch (None when nothing needed sending) and what it skipped."""

    batch: pb.BatchRow | None
    documents: int = 0
    requests: int = 0
    predicted: int = 0
    pending: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Collected:
    """One job's collect: its batches, the run's summary, and what the batch answered."""

    job_id: str
    batches: list[pb.BatchRow]
    summary: BatchSummary | None = None
    waiting: bool = False
    replayed: int = 0
    live: dict[str, int] = field(default_factory=dict)
    deferred: int = 0
    """Requests kept for a follow-up batch (``--reask batch``)."""
    deferred_docs: int = 0
    follow_up: pb.BatchRow | None = None
    costs: list[dict[str, Any]] = field(default_factory=list)


def provider(settings: LLMSettings) -> openai.AsyncOpenAI:
    """The Files/Batches client (the SDK's own retries on: these calls are few and idempotent to read)."""
    return openai.AsyncOpenAI(base_url=settings.base_url, api_key=settings.api_key or "no-key", max_retries=2,
                              timeout=openai.Timeout(max(settings.timeout, 60.0), connect=5.0))  # fmt: skip


def llm_backend(options: BatchOptions) -> LLMBackend:
    backend = make_backend("llm" if options.backend == "auto" else options.backend, **options.backend_options)
    if not isinstance(backend, LLMBackend):
        raise BatchError(f"--via batch needs the llm backend (got {options.backend!r})")
    return backend


def _settings(row: pb.BatchRow, api_key: str | None) -> LLMSettings:
    """The submit's settings again (so the version keys match), with today's key (``OPENAI_API_KEY``)."""
    return LLMSettings(**{**row.settings, "api_key": api_key or os.environ.get("OPENAI_API_KEY") or None})


# -- submit --------------------------------------------------------------------------------------


async def _requests(
    paths: Sequence[str | Path], options: BatchOptions, backend: LLMBackend, con: duckdb.DuckDBPyConnection,
    out: Submitted,
) -> list[pb.RequestRow]:  # fmt: skip
    """Route every document like a live run (an unsure route asks the model live, cached) and build its
    chunks' first requests with the live builder; failures are recorded like a live run's."""
    reader = con.cursor()
    writer = StoreWriter(con, HANDLERS)
    ctx = ExtractContext(cache=StoreResponseCache(reader, writer.sink("cache"), preload_keys=True),
                         log=StoreCallLog(sink=writer.sink("call"), run_id="submit"), force=options.force)  # fmt: skip
    done, pending = predicted_keys(reader), pb.open_keys(reader)
    rows: list[pb.RequestRow] = []
    seen: set[str] = set()

    def fail(path: Path, stage: str, reason: str, doc: Any = None, schema: str | None = None) -> None:
        writer.submit("failure", FailureItem(stage, reason, str(path), doc, schema))
        out.failed.append((str(path), reason))

    try:
        for path in collect_files(paths, options.limit):
            try:
                doc = load_document(path)
            except DocumentError as exc:
                fail(path, "load", str(exc))
                continue
            if doc.doc_id in seen:
                continue
            seen.add(doc.doc_id)
            try:
                schema, _ = await route_document(doc, options.schema, backend, ctx, ExtractStats())
            except Exception as exc:
                if is_fatal(exc):
                    raise BatchError(one_line(exc)) from exc
                fail(path, "route", exc.reason if isinstance(exc, ExtractionFailure) else one_line(exc), doc)
                continue
            vkey = backend.version_key(schema)
            if not options.force and (doc.doc_id, vkey) in done:
                out.predicted += 1
                continue
            if (doc.doc_id, vkey) in pending:
                out.pending += 1
                continue
            if not doc.text.strip():
                fail(path, "extract", f"{doc.source or doc.doc_id}: empty document", doc, schema.name)
                continue
            before = len(rows)
            for chunk in backend.chunks(doc.text, schema):
                if not options.force and ctx.cache.get(doc.doc_id, chunk.index, vkey) is not None:
                    continue
                body = backend.first_request(schema, chunk)
                rows.append(pb.RequestRow(f"r1-{len(rows):06d}", doc.doc_id, str(path), chunk.index, vkey,
                                          schema.name, body_hash(body), body))  # fmt: skip
            out.documents += len(rows) > before
    finally:
        writer.close()
        reader.close()
    return rows


async def submit(
    paths: Sequence[str | Path], options: BatchOptions | None = None, *, db: str | Path | None = None
) -> Submitted:
    """Send the documents' requests as one batch and record it (see the module docstring)."""
    options = options or BatchOptions(backend="llm")
    backend = llm_backend(options)
    con = store_db.connect(db)
    out = Submitted(None)
    try:
        rows = await _requests(paths, options, backend, con, out)
        out.requests = len(rows)
        if rows:
            batch_id = "pb-" + uuid.uuid4().hex[:12]
            pb.add_batch(con, id=batch_id, job_id=batch_id, round=1, base_url=backend.settings.base_url,
                         settings=backend.settings_dict(), schema_option=options.schema, requests=rows)  # fmt: skip
            client = provider(backend.settings)
            try:
                out.batch = await send(con, pb.get_batch(con, batch_id), client)
            finally:
                await client.close()
    finally:
        con.close()
        await backend.aclose()
    return out


def jsonl(rows: Sequence[pb.RequestRow]) -> bytes:
    lines = (json.dumps({"custom_id": r.custom_id, "method": "POST", "url": ENDPOINT, "body": r.body},
                        ensure_ascii=False) for r in rows)  # fmt: skip
    return ("\n".join(lines) + "\n").encode("utf-8")


async def send(con: duckdb.DuckDBPyConnection, row: pb.BatchRow, client: openai.AsyncOpenAI) -> pb.BatchRow:
    """Upload a recorded batch's file and create it at the provider, each step recorded as it succeeds."""
    try:
        file_id = row.input_file_id
        if file_id is None:
            uploaded = await client.files.create(file=(f"annotate-{row.id}.jsonl", jsonl(pb.batch_requests(con, row.id))),
                                                 purpose="batch")  # fmt: skip
            file_id = uploaded.id
            pb.update_batch(con, row.id, input_file_id=file_id)
        if row.batch_id is None:
            created = await _created_before(client, row.id)
            if created is None:
                created = await client.batches.create(input_file_id=file_id, endpoint=ENDPOINT, completion_window="24h",
                                                      metadata={"annotate_batch": row.id})  # fmt: skip
            pb.update_batch(con, row.id, batch_id=created.id, status=created.status)
    except openai.OpenAIError as exc:
        raise BatchError(f"the Batch API refused batch {row.id}: {one_line(exc)}") from exc
    return pb.get_batch(con, row.id)


async def _created_before(client: openai.AsyncOpenAI, ours: str) -> Any:
    """A batch an earlier, killed submit created but could not record (found by its metadata)."""
    page = await client.batches.list(limit=100)
    for b in page.data:
        if (b.metadata or {}).get("annotate_batch") == ours:
            return b
    return None


# -- status --------------------------------------------------------------------------------------


async def refresh(con: duckdb.DuckDBPyConnection, rows: list[pb.BatchRow], api_key: str | None) -> list[pb.BatchRow]:
    """Finish interrupted submits and ask the provider about every batch not finished yet."""
    for row in rows:
        if row.collected or (row.terminal and row.downloaded):
            continue
        client = provider(_settings(row, api_key))
        try:
            if row.batch_id is None:
                row = await send(con, row, client)
            if row.batch_id is not None and not row.terminal:
                b = await client.batches.retrieve(row.batch_id)
                pb.update_batch(con, row.id, status=b.status, output_file_id=b.output_file_id,
                                error_file_id=b.error_file_id)  # fmt: skip
        except openai.OpenAIError as exc:
            raise BatchError(f"cannot ask the Batch API about {row.id}: {one_line(exc)}") from exc
        finally:
            await client.close()
    return pb.list_batches(con, rows[0].job_id) if len({r.job_id for r in rows}) == 1 else pb.list_batches(con)


async def status(
    db: str | Path | None = None, ref: str | None = None, *, api_key: str | None = None
) -> list[pb.BatchRow]:
    con = store_db.connect(db)
    try:
        rows = pb.list_batches(con, ref)
        if ref is not None and not rows:
            raise BatchError(f"no batch or job {ref!r} in the store")
        return await refresh(con, rows, api_key) if rows else []
    finally:
        con.close()


# -- collect -------------------------------------------------------------------------------------


async def collect(
    db: str | Path | None = None,
    ref: str | None = None,
    *,
    reask: str = "live",
    concurrency: int = 8,
    api_key: str | None = None,
    progress: ProgressHook | None = None,
    handle_signals: bool = False,
) -> list[Collected]:
    """Collect every finished job (or ``ref``'s): download, then predict through the live run."""
    con = store_db.connect(db)
    try:
        rows = pb.list_batches(con, ref)
        if ref is not None and not rows:
            raise BatchError(f"no batch or job {ref!r} in the store")
        jobs: dict[str, list[pb.BatchRow]] = defaultdict(list)
        for r in rows:
            jobs[r.job_id].append(r)
        out = []
        for job_id, batches in jobs.items():
            if all(b.collected for b in batches):
                continue
            out.append(await _collect_job(con, job_id, batches, reask, concurrency, api_key, progress, handle_signals))
        return out
    finally:
        con.close()


async def _collect_job(
    con: duckdb.DuckDBPyConnection, job_id: str, batches: list[pb.BatchRow], reask: str, concurrency: int,
    api_key: str | None, progress: ProgressHook | None, handle_signals: bool,
) -> Collected:  # fmt: skip
    batches = [b for b in await refresh(con, batches, api_key) if b.job_id == job_id]
    result = Collected(job_id, batches)
    if any(not b.terminal for b in batches if not b.collected):
        result.waiting = True
        return result
    settings = _settings(batches[0], api_key)
    client = provider(settings)
    try:
        for b in batches:
            if not b.downloaded:
                await download(con, b, client)
    except openai.OpenAIError as exc:
        raise BatchError(f"cannot download the results of {b.id}: {one_line(exc)}") from exc
    finally:
        await client.close()
    requests = pb.job_requests(con, job_id)
    missing = {(d, c, v): e for d, _, c, v, _, e in requests if e}
    backend = BatchAnswers(settings, pb.job_answers(con, job_id), logged=pb.logged_batch_answers(con),
                           missing=missing, reask=reask)  # fmt: skip
    sources = list(dict.fromkeys(s for _, s, _, _, _, _ in requests))
    options = BatchOptions(schema=batches[0].schema_option, backend="llm", concurrency=concurrency)
    result.summary = await run_batch(sources, options, con=con, backend=backend, progress=progress,
                                     handle_signals=handle_signals)  # fmt: skip
    await backend.aclose()
    result.replayed, result.live, result.deferred = backend.replayed, dict(backend.live), len(backend.deferred)
    result.deferred_docs = sum(1 for f in result.summary.failures if f.stage == DEFERRED_STAGE)
    if result.summary.interrupted:
        return result
    if backend.deferred:
        result.follow_up = await _follow_up(con, batches, backend.deferred, api_key)
    else:
        pb.mark_collected(con, [b.id for b in batches])
    result.batches = pb.list_batches(con, job_id)
    result.costs = pb.costs(con, job_id)
    return result


async def _follow_up(
    con: duckdb.DuckDBPyConnection, batches: list[pb.BatchRow], deferred: list[Deferred], api_key: str | None
) -> pb.BatchRow:
    """The re-asks (and unanswered requests) of a job as its next round's batch."""
    first = batches[0]
    where = {(d, v): (s, n) for d, s, _, v, n, _ in pb.job_requests(con, first.job_id)}
    rnd = max(b.round for b in batches) + 1
    rows, seen = [], set()
    for d in deferred:
        h = body_hash(d.body)
        if (d.doc_id, d.chunk, d.version_key, h) in seen:
            continue
        seen.add((d.doc_id, d.chunk, d.version_key, h))
        source, schema = where.get((d.doc_id, d.version_key), ("", _schema_of(d.version_key)))
        rows.append(pb.RequestRow(f"r{rnd}-{len(rows):06d}", d.doc_id, source, d.chunk, d.version_key, schema, h,
                                  d.body))  # fmt: skip
    batch_id = "pb-" + uuid.uuid4().hex[:12]
    pb.add_batch(con, id=batch_id, job_id=first.job_id, round=rnd, base_url=first.base_url, settings=first.settings,
                 schema_option=first.schema_option, requests=rows)  # fmt: skip
    client = provider(_settings(first, api_key))
    try:
        return await send(con, pb.get_batch(con, batch_id), client)
    finally:
        await client.close()


def _schema_of(version_key: str) -> str:
    """A version key starts with its schema's name (``schema/…``)."""
    return version_key.split("/", 1)[0]


def run(coro: Any) -> Any:
    """Synchronous entry point for the CLI."""
    return asyncio.run(coro)


__all__ = ["DEFERRED_STAGE", "Collected", "Submitted", "collect", "status", "submit"]
