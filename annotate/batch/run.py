"""The pre-label run itself (its promises are in the package docstring, :mod:`annotate.batch`).

The event loop only extracts: documents are loaded, routed and extracted by a few more workers
than there are request slots; every database write goes to the one writer thread
(:mod:`annotate.batch.writes`), because DuckDB allows one writer per process and a commit on the
loop would stall every in-flight call.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from annotate.batch.summary import BatchError, BatchOptions, BatchSummary, DocOutcome, ProgressHook
from annotate.batch.writes import HANDLERS, FailureItem, ResultItem
from annotate.core.types import Document, ExtractionFailure
from annotate.documents import DocumentError, iter_paths, load_document
from annotate.extraction.base import Backend, ExtractContext, ExtractStats
from annotate.schema_registry import SchemaError, SchemaSpec, get_schema, load_schemas
from annotate.store import db as store_db
from annotate.store.documents import known_doc_ids
from annotate.store.failures import open_failure_keys
from annotate.store.llm_calls import StoreCallLog
from annotate.store.predictions import predicted_keys
from annotate.store.progress import ProgressPublisher
from annotate.store.response_cache import StoreResponseCache
from annotate.store.writer import HandlerSpec, StoreWriter


def lookahead(concurrency: int) -> int:
    """Documents in progress beyond the request slots: loaded, routed and with their request
    built, waiting for a slot — so a freed slot is refilled at once instead of after the next
    document's preparation, and answers are validated while the slots stay busy."""
    return max(2, concurrency // 4)


# -- routing and backends (adapters over the extraction package) ---------------------------------


async def route_document(
    doc: Document, schema: str, backend: Backend, ctx: ExtractContext, stats: ExtractStats
) -> tuple[SchemaSpec, bool]:
    """The schema a document is extracted with (the override, else the router) and whether the
    router was unsure — the same decision ``annotate extract`` makes, through the same function."""
    from annotate.extraction.pipeline import resolve_schema

    decided = await resolve_schema(doc, schema, backend, ctx, stats)
    return get_schema(decided.schema), bool(decided.unsure)


def make_backend(name: str, **options: Any) -> Backend:
    """The named backend from the extraction package (``auto`` picks the LLM when configured)."""
    from annotate.extraction.backends import choose_backend

    try:
        return choose_backend(name, **options)
    except Exception as exc:  # unknown name, bad settings (mode, timeout): the run cannot start
        raise BatchError(one_line(exc)) from exc


_FATAL_STAGES = {"endpoint", "auth", "connection", "config", "backend"}


def is_fatal(exc: BaseException) -> bool:
    """Errors that no other document would escape either (bad key, unreachable endpoint, config).

    Backends say so themselves: an ``ExtractionFailure`` of a run-wide stage (the LLM client
    turns a refused connection or a rejected key into ``EndpointUnavailable``, stage ``endpoint``),
    or any exception with a true ``fatal`` attribute — so the batch imports no provider's client.
    """
    if isinstance(exc, BatchError):
        return True
    if isinstance(exc, ExtractionFailure) and exc.stage in _FATAL_STAGES:
        return True
    return bool(getattr(exc, "fatal", False))


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


# -- the run -------------------------------------------------------------------------------------


class _Run:
    """State shared by the workers of one run (single-threaded: only the event loop touches it)."""

    def __init__(
        self,
        files: list[Path],
        options: BatchOptions,
        backend: Backend,
        con: duckdb.DuckDBPyConnection,
        summary: BatchSummary,
        progress: ProgressHook | None,
        handlers: Mapping[str, HandlerSpec] = HANDLERS,
    ) -> None:
        self.files = files
        self.options = options
        self.backend = backend
        self.summary = summary
        self.progress = progress
        self.reader = con.cursor()  # owned by the loop thread; the writer has its own
        self.writer = StoreWriter(con, dict(handlers))
        self.started = time.perf_counter()
        # for `annotate status` from other processes, which cannot open the file while we hold it
        self.publisher = ProgressPublisher(con, lambda: summary.progress(time.perf_counter() - self.started))
        self.outcome = "failed"  # until the run ends normally
        self.ctx = ExtractContext(
            cache=StoreResponseCache(self.reader, self.writer.sink("cache"), preload_keys=True),
            log=StoreCallLog(sink=self.writer.sink("call"), run_id=summary.run_id),
            force=options.force,
            run_id=summary.run_id,
            call_slots=asyncio.Semaphore(options.concurrency),
        )
        self.done = predicted_keys(self.reader)
        self.known_docs = known_doc_ids(self.reader)
        self.open_failures = open_failure_keys(self.reader)
        self.seen: set[str] = set()
        self.version_keys: dict[str, str] = {}
        self.fatal: BaseException | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self._next = iter(files)

    def version_key(self, schema: SchemaSpec) -> str:
        key = self.version_keys.get(schema.name)
        if key is None:
            key = self.version_keys[schema.name] = self.backend.version_key(schema)
        return key

    def report(self, outcome: DocOutcome) -> None:
        s = self.summary
        if outcome.status == "predicted":
            s.predicted += 1
        elif outcome.status == "cached":
            s.cached += 1
        elif outcome.status == "duplicate":
            s.duplicates += 1
        else:
            s.failed += 1
            s.failures.append(outcome)
        if self.progress is not None:
            self.progress(outcome, s)

    def fail(
        self,
        path: Path,
        stage: str,
        reason: str,
        doc: Document | None = None,
        schema: str | None = None,
        version_key: str | None = None,
        *,
        unsure: bool = False,
    ) -> None:
        self.writer.submit("failure", FailureItem(stage, reason, str(path), doc, schema, version_key))
        if doc is not None:
            self.known_docs.add(doc.doc_id)
            self.open_failures.add(doc.doc_id)
        self.open_failures.add(str(path))
        self.report(
            DocOutcome(
                str(path), "failed", doc.doc_id if doc else None, schema, stage=stage, reason=reason, unsure=unsure
            )
        )

    async def worker(self) -> None:
        for path in self._next:  # shared iterator: no await between next() calls, so no races
            if self.fatal is not None:
                return
            await self.one(path)

    async def one(self, path: Path) -> None:
        try:
            doc = load_document(path)
        except DocumentError as exc:
            self.fail(path, "load", str(exc))
            return
        if doc.doc_id in self.seen:  # the same text under another name: one document
            self.report(DocOutcome(str(path), "duplicate", doc.doc_id))
            return
        self.seen.add(doc.doc_id)
        stats = ExtractStats()
        try:
            schema, unsure = await route_document(doc, self.options.schema, self.backend, self.ctx, stats)
        except asyncio.CancelledError:
            self._add_stats(stats)
            raise
        except Exception as exc:  # a routing problem must not stop the batch
            self._add_stats(stats)
            if self._check_fatal(exc):
                return
            reason = exc.reason if isinstance(exc, ExtractionFailure) else f"routing failed: {one_line(exc)}"
            self.fail(path, "route", reason, doc)
            return
        self.summary.unsure_routes += unsure
        version_key = self.version_key(schema)
        if not self.options.force and (doc.doc_id, version_key) in self.done:
            self._add_stats(stats)
            if doc.doc_id in self.open_failures or str(path) in self.open_failures:
                self.writer.submit("resolved", (doc.doc_id, str(path)))  # e.g. a file that failed to load, now back
            self.report(DocOutcome(str(path), "cached", doc.doc_id, schema.name, unsure=unsure))
            return
        try:
            extraction = await self.backend.extract(doc, schema, self.ctx, stats)
        except asyncio.CancelledError:
            self._add_stats(stats)
            raise
        except Exception as exc:  # every document ends predicted or recorded
            self._add_stats(stats)
            if self._check_fatal(exc):
                return
            stage = exc.stage if isinstance(exc, ExtractionFailure) else "extract"
            reason = exc.reason if isinstance(exc, ExtractionFailure) else f"{type(exc).__name__}: {one_line(exc)}"
            self.fail(path, stage, reason, doc, schema.name, version_key, unsure=unsure)
            return
        self._add_stats(stats)
        if extraction.model_version != version_key or extraction.doc_id != doc.doc_id:
            # the store keys predictions by the key the skip check uses, so a re-run finds them
            extraction = extraction.model_copy(update={"model_version": version_key, "doc_id": doc.doc_id})
        fresh = doc.doc_id not in self.known_docs and (doc.doc_id, version_key) not in self.done
        resolve = doc.doc_id in self.open_failures or doc.source in self.open_failures
        self.writer.submit("result", ResultItem(doc, extraction, self.backend.name, fresh, resolve))
        self.known_docs.add(doc.doc_id)
        self.done.add((doc.doc_id, version_key))
        status = "predicted" if stats.calls or not stats.cache_hits else "cached"
        self.report(DocOutcome(str(path), status, doc.doc_id, schema.name, calls=stats.calls, unsure=unsure))

    def _check_fatal(self, exc: BaseException) -> bool:
        """Stop the whole run on an error no document would escape (fail fast, one message)."""
        if not is_fatal(exc):
            return False
        if self.fatal is None:
            self.fatal = exc
            current = asyncio.current_task()
            for t in self.tasks:
                if t is not current:
                    t.cancel()
        return True

    def _add_stats(self, stats: ExtractStats) -> None:
        s = self.summary
        s.calls += stats.calls
        s.cache_hits += stats.cache_hits
        s.prompt_tokens += stats.prompt_tokens
        s.completion_tokens += stats.completion_tokens

    def close(self) -> None:
        self.writer.close()
        # before the store is released: a `status` that then opens it never sees "running"
        self.publisher.close("interrupted" if self.summary.interrupted else self.outcome)
        self.summary.write_errors.extend(self.writer.stats.errors)
        self.summary.writer_busy_s = self.writer.stats.busy_s
        self.summary.writer_cpu_s = self.writer.stats.cpu_s
        self.summary.writer_transactions = self.writer.stats.transactions
        with contextlib.suppress(duckdb.Error):
            self.reader.close()


def collect_files(paths: Iterable[str | Path], limit: int | None = None) -> list[Path]:
    """The files a run covers, in a stable order (so ``--limit N`` means the same N each time)."""
    files = list(iter_paths(paths))
    return files[:limit] if limit is not None and limit >= 0 else files


async def run_batch(
    paths: Sequence[str | Path],
    options: BatchOptions | None = None,
    *,
    db: str | Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    backend: Backend | None = None,
    progress: ProgressHook | None = None,
    on_start: Callable[[int], None] | None = None,
    handle_signals: bool = False,
    handlers: Mapping[str, HandlerSpec] = HANDLERS,
) -> BatchSummary:
    """Pre-label ``paths`` into the store and return the run's summary.

    ``con`` (an open store connection) or ``db`` (a path, else ``ANNOTATE_DB``/``./review.duckdb``)
    says where; ``backend`` overrides ``options.backend``. With ``handle_signals`` (the CLI),
    SIGINT/SIGTERM cancel the run cleanly: finished documents are committed, the summary says
    ``interrupted``. ``handlers`` replace how the writes are applied (the Ray engine's workers
    collect them for the driver to write, :mod:`annotate.batch.ray_engine`). Raises :class:`BatchError` when the run cannot go on at all, and
    :class:`annotate.store.db.StoreError` when the store cannot be opened.
    """
    options = options or BatchOptions()
    if options.concurrency < 1:
        raise BatchError(f"--concurrency must be at least 1 (got {options.concurrency})")
    if options.schema != "auto":
        try:
            get_schema(options.schema)
        except SchemaError as exc:
            raise BatchError(one_line(exc)) from exc
    else:
        load_schemas()
    start = time.perf_counter()
    summary = BatchSummary(run_id=uuid.uuid4().hex[:12])
    files = collect_files(paths, options.limit)
    summary.files = len(files)
    own_backend = backend is None
    if backend is None:
        backend = make_backend(options.backend, **options.backend_options)
    summary.backend = backend.name
    own = con is None
    if con is None:
        con = store_db.connect(db)
    run = _Run(files, options, backend, con, summary, progress, handlers)
    if on_start is not None:
        on_start(len(files))
    loop = asyncio.get_running_loop()
    workers = min(options.concurrency + lookahead(options.concurrency), max(1, len(files)))
    tasks = [asyncio.create_task(run.worker()) for _ in range(workers)]
    run.tasks = tasks

    def interrupt() -> None:
        summary.interrupted = True
        for t in tasks:
            t.cancel()

    installed: list[int] = []
    if handle_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, interrupt)
                installed.append(sig)
    try:
        results = await asyncio.gather(*tasks, return_exceptions=True)
        if run.fatal is not None:
            raise BatchError(one_line(run.fatal)) from run.fatal
        for r in results:
            if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError):
                raise r
        if any(isinstance(r, asyncio.CancelledError) for r in results):
            summary.interrupted = True
        run.outcome = "finished"
    except asyncio.CancelledError:
        summary.interrupted = True
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        if run.fatal is not None or summary.interrupted:
            for t in tasks:
                t.cancel()
        run.close()
        if own:
            con.close()
        aclose = getattr(backend, "aclose", None) if own_backend else None  # the caller's stays open
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
        summary.elapsed = time.perf_counter() - start
    return summary


def prelabel(paths: Sequence[str | Path], options: BatchOptions | None = None, **kwargs: Any) -> BatchSummary:
    """Synchronous entry point: :func:`run_batch` in a fresh event loop."""
    return asyncio.run(run_batch(paths, options, **kwargs))
