"""One writer thread per process: the batch's writes, batched into few transactions, off the loop.

DuckDB lets one process write a file and a commit costs a sync; issuing them from the asyncio
loop would stall every in-flight LLM call. So the loop only enqueues (non-blocking) and this
thread drains the queue: whatever accumulated while it was committing (or lingering a few
milliseconds) becomes the next transaction. A transaction only ever holds whole units of work
(a document's row + prediction is one item), so a SIGKILL at any moment loses at most the last
uncommitted batch, never half a document. If a batch fails, its items are replayed one by one so
one bad item loses nothing else.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from annotate.store.db import transaction

Handler = Callable[[duckdb.DuckDBPyConnection, list[Any]], None]
HandlerSpec = Handler | tuple[Handler, Handler]
"""A handler, or ``(fast, safe)``: the safe one replays items one by one after a failed batch
(e.g. an upsert where the fast path assumed a plain insert would do)."""


@dataclass
class WriterStats:
    items: int = 0
    transactions: int = 0
    busy_s: float = 0.0
    cpu_s: float = 0.0
    errors: list[str] = field(default_factory=list)


class _Flush:
    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class StoreWriter:
    """Owns a cursor of ``con`` and applies queued items with registered handlers.

    ``submit(kind, item)`` is safe from any thread and never blocks. The items of one kind in a
    batch are handed to their handler together (one multi-row statement instead of one per row).
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        handlers: dict[str, HandlerSpec],
        *,
        max_batch: int = 2048,
        linger: float = 0.05,
    ) -> None:
        self._cur = con.cursor()
        self._handlers = {k: h if isinstance(h, tuple) else (h, h) for k, h in handlers.items()}
        self._max_batch = max_batch
        self._linger = linger
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._hurry = threading.Event()  # set by flush()/close(): someone waits, do not linger
        self.stats = WriterStats()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="annotate-store-writer", daemon=True)
        self._thread.start()

    def submit(self, kind: str, item: Any) -> None:
        if self._closed:
            raise RuntimeError("store writer is closed")
        if kind not in self._handlers:
            raise KeyError(f"no handler for {kind!r}")
        self._queue.put((kind, item))

    def sink(self, kind: str) -> Callable[[Any], None]:
        """A one-argument callable that submits items of ``kind`` (for CallLog/ResponseCache)."""
        return lambda item: self.submit(kind, item)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is committed."""
        marker = _Flush()
        self._queue.put(marker)
        self._hurry.set()
        return marker.done.wait(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Commit what is queued and stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._hurry.set()
        self._thread.join(timeout)
        try:
            self._cur.close()
        except duckdb.Error:
            pass

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            self.stats.cpu_s = time.thread_time()

    def _loop(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if isinstance(first, tuple) and self._linger > 0:
                # let a few more arrive (one commit for many documents) — unless a flush or close
                # waits: the end of a run must not pay the linger on top of its last commit
                self._hurry.wait(self._linger)
            # cleared before draining: a marker queued from here on sets it again and is either
            # drained now or cuts the next linger short
            self._hurry.clear()
            batch: list[Any] = [first]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            items = [b for b in batch if isinstance(b, tuple)]
            if items:
                self._commit(items)
            for b in batch:
                if isinstance(b, _Flush):
                    b.done.set()
                elif b is _STOP:
                    stop = True
        # anything submitted after STOP raced close(); apply it too rather than lose it
        rest = []
        while True:
            try:
                b = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(b, tuple):
                rest.append(b)
            elif isinstance(b, _Flush):
                b.done.set()
        if rest:
            self._commit(rest)

    def _groups(self, items: list[tuple[str, Any]]) -> list[tuple[str, list[Any]]]:
        """All items of a kind together (in submission order), kinds in order of first appearance.

        Items of different kinds are independent rows (attempt logs, cache entries, a document's
        result), so one multi-row statement per kind is safe — and interleaved arrivals (call,
        cache, result, call, …) would otherwise mean one statement per row.
        """
        groups: dict[str, list[Any]] = {}
        for kind, item in items:
            groups.setdefault(kind, []).append(item)
        return list(groups.items())

    def _apply(self, items: list[tuple[str, Any]], safe: bool = False) -> None:
        with transaction(self._cur):
            for kind, group in self._groups(items):
                self._handlers[kind][1 if safe else 0](self._cur, group)

    def _commit(self, items: list[tuple[str, Any]]) -> None:
        start = time.perf_counter()
        try:
            self._apply(items)
            self.stats.transactions += 1
        except Exception:
            for item in items:  # isolate the bad item; everything else still lands
                try:
                    self._apply([item], safe=True)
                    self.stats.transactions += 1
                except Exception as exc:  # reported, never silently dropped
                    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    self.stats.errors.append(f"{item[0]}: {type(exc).__name__}: {first}")
        self.stats.items += len(items)
        self.stats.busy_s += time.perf_counter() - start
