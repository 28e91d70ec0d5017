"""The contract between extraction backends and whoever drives them (CLI, batch runner, tests).

A backend turns one Document into one Extraction for one schema. Backends never touch the
database: the batch layer hands them a ``ResponseCache`` and a ``CallLog`` (implemented by the
store), so the same backend runs in a one-off ``annotate extract`` with nothing behind it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

from annotate.core.calls import LLMCall
from annotate.core.types import Document, Extraction
from annotate.schema_registry import SchemaSpec


class CallLog(Protocol):
    def record_call(self, call: LLMCall) -> None: ...


class ResponseCache(Protocol):
    """Content-addressed: (doc_id, chunk, version_key) -> the parsed model response."""

    def get(self, doc_id: str, chunk: int, version_key: str) -> dict[str, Any] | None: ...

    def put(self, doc_id: str, chunk: int, version_key: str, response: dict[str, Any]) -> None: ...


class NullCallLog:
    def record_call(self, call: LLMCall) -> None:
        return None


class MemoryCallLog:
    """Keeps calls in a list (the one-file `extract` command and tests)."""

    def __init__(self) -> None:
        self.calls: list[LLMCall] = []

    def record_call(self, call: LLMCall) -> None:
        self.calls.append(call)


class NullCache:
    def get(self, doc_id: str, chunk: int, version_key: str) -> dict[str, Any] | None:
        return None

    def put(self, doc_id: str, chunk: int, version_key: str, response: dict[str, Any]) -> None:
        return None


@dataclass
class ExtractStats:
    """What one extraction cost; summed by the batch runner for its progress bar and summary."""

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasks: int = 0
    """Answers that were re-asked (each costs one more call)."""


@dataclass
class ExtractContext:
    """What a run shares across its extractions.

    ``call_slots`` bounds the LLM requests in flight across the whole run (``--concurrency``).
    It is held only around each HTTP request, not around a document's whole extraction: the
    batch keeps a few more documents in progress than there are slots, so the next request is
    loaded, routed and built while the slots are full and goes out the moment one frees, and a
    finished answer is validated and grounded while the others are still in flight.
    """

    cache: ResponseCache = field(default_factory=NullCache)
    log: CallLog = field(default_factory=NullCallLog)
    force: bool = False
    run_id: str | None = None
    call_slots: asyncio.Semaphore | None = None


class Backend(Protocol):
    """An extraction backend: the LLM client or the offline rules pre-labeler."""

    name: str

    def version_key(self, schema: SchemaSpec) -> str: ...

    async def extract(
        self, doc: Document, schema: SchemaSpec, ctx: ExtractContext, stats: ExtractStats
    ) -> Extraction:
        """Return the Extraction or raise ``annotate.core.types.ExtractionFailure`` with a reason."""
        ...
