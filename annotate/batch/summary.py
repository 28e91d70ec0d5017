"""What a pre-label run is asked to do and what it reports: options, per-file outcomes, the summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_CONCURRENCY = 8


class BatchError(Exception):
    """The run cannot go on at all (bad configuration, unreachable endpoint, rejected key).

    Unlike a document's failure this is not recorded per document: it is not the documents'
    fault, and recording hundreds of identical rows would hide it. ``str()`` is one line.
    """


@dataclass
class BatchOptions:
    schema: str = "auto"
    backend: str = "auto"
    concurrency: int = DEFAULT_CONCURRENCY
    limit: int | None = None
    force: bool = False
    backend_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class DocOutcome:
    """What happened to one file, as the progress display sees it."""

    source: str
    status: str  # 'predicted' | 'cached' | 'failed' | 'duplicate'
    doc_id: str | None = None
    schema: str | None = None
    stage: str | None = None
    reason: str | None = None
    calls: int = 0
    unsure: bool = False  # the router guessed: the person should check the genre


@dataclass
class BatchSummary:
    """The closing figures of a run (the CLI's summary table)."""

    run_id: str
    backend: str = ""
    files: int = 0
    predicted: int = 0
    cached: int = 0
    failed: int = 0
    duplicates: int = 0
    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed: float = 0.0
    interrupted: bool = False
    unsure_routes: int = 0
    failures: list[DocOutcome] = field(default_factory=list)
    write_errors: list[str] = field(default_factory=list)
    writer_busy_s: float = 0.0
    writer_cpu_s: float = 0.0
    writer_transactions: int = 0

    @property
    def documents(self) -> int:
        """Files that were dealt with (predicted, cached, failed or duplicate)."""
        return self.predicted + self.cached + self.failed + self.duplicates

    def progress(self, elapsed: float) -> dict[str, Any]:
        """The figures a running prelabel publishes for ``annotate status`` (rate in documents/s)."""
        done = self.documents
        rate = done / elapsed if elapsed > 0 else 0.0
        left = max(self.files - done, 0)
        return {
            "run_id": self.run_id,
            "backend": self.backend,
            "files": self.files,
            "documents": done,
            "predicted": self.predicted,
            "cached": self.cached,
            "failed": self.failed,
            "duplicates": self.duplicates,
            "elapsed": round(elapsed, 1),
            "rate": round(rate, 2),
            "eta_s": round(left / rate, 1) if rate > 0 else None,
        }

    @property
    def ok(self) -> bool:
        return not self.failed and not self.write_errors and not self.interrupted

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "backend": self.backend,
            "files": self.files,
            "documents": self.documents,
            "predicted": self.predicted,
            "cached": self.cached,
            "failed": self.failed,
            "duplicates": self.duplicates,
            "calls": self.calls,
            "cache_hits": self.cache_hits,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "elapsed": round(self.elapsed, 3),
            "interrupted": self.interrupted,
            "unsure_routes": self.unsure_routes,
            "failures": [
                {"source": f.source, "doc_id": f.doc_id, "stage": f.stage, "reason": f.reason} for f in self.failures
            ],
            "write_errors": self.write_errors,
        }


ProgressHook = Callable[[DocOutcome, BatchSummary], None]
