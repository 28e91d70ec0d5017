"""The pre-label run: many files in, one prediction (or one recorded failure) per document out.

Designed around three promises to the person running it:

* never pay twice — a document that already has a prediction for the current version key is
  skipped without a call, and chunk responses come from the content-addressed cache;
* stop at any moment — Ctrl-C cancels in-flight work and keeps everything finished; a SIGKILL
  loses at most the last uncommitted write batch, never half a document, and a re-run redoes
  exactly what is missing;
* see what happened — every document ends up predicted or in ``failures`` with a one-line reason.

The event loop only extracts. All database writes go through one writer thread
(:class:`annotate.store.writer.StoreWriter`) that batches them into few transactions, because
DuckDB allows one writer per process and a commit on the loop would stall every in-flight call.
"""

from annotate.batch.run import collect_files, is_fatal, lookahead, make_backend, prelabel, route_document, run_batch
from annotate.batch.summary import (
    DEFAULT_CONCURRENCY,
    BatchError,
    BatchOptions,
    BatchSummary,
    DocOutcome,
    ProgressHook,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "BatchError",
    "BatchOptions",
    "BatchSummary",
    "DocOutcome",
    "ProgressHook",
    "collect_files",
    "is_fatal",
    "lookahead",
    "make_backend",
    "prelabel",
    "route_document",
    "run_batch",
]
