"""``annotate prelabel --engine ray``: the same run, its documents sharded over a Ray cluster.

Why this shape:

* **One extraction.** Each Ray task runs :func:`annotate.batch.run.run_batch` on its shard — the
  same loading, routing, backend, cache and version keys as a local run — with its writes
  *collected* instead of applied (``handlers``). The task returns them, and the driver applies
  them with the very handlers of :mod:`annotate.batch.writes` through one
  :class:`~annotate.store.writer.StoreWriter`. So a Ray run and a local run store the same rows.
* **The driver writes to a DuckDB file.** One process may write it, and no other may even read
  it meanwhile. Workers therefore start from an empty in-memory store, and the driver decides,
  before sharding, which documents are already predicted for the current version keys (skipped
  without a call: that is what makes a re-run cheap) and which are duplicates.
* **Workers write to a shared lake.** With ``--db ducklake:postgres:…`` (``annotate.store.lake``)
  each task runs the local run against the lake itself, committing documents as they finish
  under the writers' lock, and the driver only shards and reports.
* **Resumable as a local run.** A shard's results are written as soon as it completes; the
  writer commits whole documents only. A SIGKILLed worker's task is retried by Ray (its partial
  results never left the worker, so nothing is written twice); a SIGKILLed driver loses the
  shards in flight, and a re-run skips everything written before.
* **No scheduler.** Plain Ray tasks and ``ray.wait``; Ray places and retries them.

Workers read the files by path (on a multi-node cluster the paths must exist on every node) and
get the driver's ``OPENAI_*``/``ANNOTATE_*``/``ANTHROPIC_*`` variables through the task's
``runtime_env``, so they reach the same endpoint with the same settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from annotate.batch.run import collect_files, make_backend, one_line, run_batch
from annotate.batch.summary import BatchError, BatchOptions, BatchSummary, DocOutcome, ProgressHook
from annotate.batch.writes import HANDLERS, FailureItem, ResultItem
from annotate.documents import DocumentError, load_document
from annotate.schema_registry import SchemaError, get_schema, load_schemas
from annotate.store import db as store_db
from annotate.store import lake
from annotate.store.documents import known_doc_ids
from annotate.store.failures import open_failure_keys
from annotate.store.predictions import predicted_keys
from annotate.store.progress import ProgressPublisher
from annotate.store.writer import StoreWriter

RAY_MISSING = "--engine ray needs Ray, which is not installed: pip install 'annotate[ray]'"
MAX_SHARD = 256
"""Documents per task at most: a killed driver or worker redoes at most this many per task."""
SHARDS_PER_SLOT = 4
"""Tasks per CPU of the cluster at least: the last shards finish close together (no straggler)."""
ENV_PREFIXES = ("OPENAI_", "ANNOTATE_", "ANTHROPIC_", "PG")
"""What workers inherit from the driver: the endpoint, the tool's settings, libpq's (PGPASSWORD)."""


def import_ray(*, local: bool = False) -> ModuleType:
    """Ray, or a :class:`BatchError` saying how to install it (it is an optional extra).

    ``local``: the run will start its own cluster, private to it, so its processes advertise and
    listen on 127.0.0.1 only (Ray reads this variable once, when it is first imported; without it
    Ray's gRPC servers listen on every interface).
    """
    if local and "ray" not in sys.modules:
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError as exc:
        raise BatchError(RAY_MISSING) from exc
    return ray


@dataclass
class ShardResult:
    """What a task hands back: its writes in order, each file's outcome, its figures."""

    items: list[tuple[str, Any]]
    outcomes: list[DocOutcome]
    summary: BatchSummary


def run_shard(paths: list[str], options: BatchOptions, lake: str | None = None) -> ShardResult:
    """Runs in a Ray worker: the local run on ``paths``, its writes collected, not applied — or,
    given a shared ``lake`` URL, applied to it by the worker itself."""
    items: list[tuple[str, Any]] = []
    outcomes: list[DocOutcome] = []
    if lake is not None:
        summary = asyncio.run(run_batch(paths, options, db=lake, progress=lambda outcome, _s: outcomes.append(outcome)))
        return ShardResult(items, outcomes, summary)

    def collect(kind: str) -> Callable[[Any, list[Any]], None]:
        return lambda _con, group: items.extend((kind, item) for item in group)

    con = duckdb.connect(":memory:")  # the run reads it (cache, done keys): empty, the driver filtered
    store_db.migrate(con)
    try:
        summary = asyncio.run(
            run_batch(
                paths,
                options,
                con=con,
                handlers={kind: collect(kind) for kind in HANDLERS},
                progress=lambda outcome, _s: outcomes.append(outcome),
            )
        )
    finally:
        con.close()
    return ShardResult(items, outcomes, summary)


def shard(files: list[str], slots: int, size: int | None = None) -> list[list[str]]:
    """Consecutive runs of files: ``SHARDS_PER_SLOT`` per CPU at least, ``MAX_SHARD`` long at most."""
    if not files:
        return []
    size = size or max(1, min(MAX_SHARD, math.ceil(len(files) / (max(1, slots) * SHARDS_PER_SLOT))))
    return [files[i : i + size] for i in range(0, len(files), size)]


class _Driver:
    """The driver's side: what the store holds, the summary, and applying a shard's writes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, summary: BatchSummary, progress: ProgressHook | None) -> None:
        self.summary = summary
        self.progress = progress
        self.reader = con.cursor()
        self.writer = StoreWriter(con, HANDLERS)
        self.started = time.perf_counter()
        self.publisher = ProgressPublisher(con, lambda: summary.progress(time.perf_counter() - self.started))
        self.done = predicted_keys(self.reader)
        self.known_docs = known_doc_ids(self.reader)
        self.open_failures = open_failure_keys(self.reader)

    def report(self, outcome: DocOutcome) -> None:
        s = self.summary
        if outcome.status in ("predicted", "cached", "duplicate"):
            name = "duplicates" if outcome.status == "duplicate" else outcome.status
            setattr(s, name, getattr(s, name) + 1)
        else:
            s.failed += 1
            s.failures.append(outcome)
        if self.progress is not None:
            self.progress(outcome, s)

    def pending(self, files: list[Path], options: BatchOptions, version_keys: dict[str, str]) -> list[str]:
        """The files still to extract. The rest — already predicted for a current version key, or
        the same text as an earlier file — is reported here, as the local run would."""
        todo: list[str] = []
        seen: set[str] = set()
        for path in files:
            try:
                doc = load_document(path)
            except DocumentError:
                todo.append(str(path))  # the worker records the failure, in the local run's words
                continue
            if doc.doc_id in seen:
                self.report(DocOutcome(str(path), "duplicate", doc.doc_id))
                continue
            seen.add(doc.doc_id)
            schema = next((s for k, s in version_keys.items() if (doc.doc_id, k) in self.done), None)
            if schema is None or options.force:
                todo.append(str(path))
                continue
            if doc.doc_id in self.open_failures or str(path) in self.open_failures:
                self.writer.submit("resolved", (doc.doc_id, str(path)))
            self.report(DocOutcome(str(path), "cached", doc.doc_id, schema))
        return todo

    def apply(self, result: ShardResult) -> None:
        """A finished shard's writes, through the local run's handlers; the flags that depend on
        what the store holds (new document? open failure?) are the driver's to set."""
        for kind, item in result.items:
            if isinstance(item, ResultItem):
                doc, key = item.doc, item.extraction.model_version
                fresh = doc.doc_id not in self.known_docs and (doc.doc_id, key) not in self.done
                resolve = doc.doc_id in self.open_failures or doc.source in self.open_failures
                item = replace(item, fresh=fresh, resolve=resolve)
                self.known_docs.add(doc.doc_id)
                self.done.add((doc.doc_id, key))
            elif isinstance(item, FailureItem):
                if item.doc is not None:
                    self.known_docs.add(item.doc.doc_id)
                    self.open_failures.add(item.doc.doc_id)
                self.open_failures.add(item.source)
            self.writer.submit(kind, item)
        s, r = self.summary, result.summary
        s.calls += r.calls
        s.cache_hits += r.cache_hits
        s.prompt_tokens += r.prompt_tokens
        s.completion_tokens += r.completion_tokens
        s.unsure_routes += r.unsure_routes
        for outcome in result.outcomes:
            self.report(outcome)

    def close(self, outcome: str) -> None:
        self.writer.close()
        self.publisher.close("interrupted" if self.summary.interrupted else outcome)
        s, w = self.summary, self.writer.stats
        s.write_errors.extend(w.errors)
        s.writer_busy_s, s.writer_cpu_s, s.writer_transactions = w.busy_s, w.cpu_s, w.transactions
        with contextlib.suppress(duckdb.Error):
            self.reader.close()


def _shared_lake(db: str | Path | None) -> str | None:
    """The store's URL when workers can write it themselves: a lake on PostgreSQL (a catalog file
    admits one process, and a DuckDB file one writer, so the driver writes those)."""
    url = store_db.store_url(db)
    return url if isinstance(url, str) and lake.parse(url).postgres else None


def _start_ray(ray: ModuleType, address: str | None, num_cpus: int | None) -> bool:
    """Connect to ``address``, or start a local cluster without a dashboard.
    Returns whether this call started Ray (and so must shut it down)."""
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no report home on the user's behalf
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
    except Exception as exc:  # unreachable address, bad option: the run cannot start
        raise BatchError(f"Ray: {one_line(exc)}") from exc
    return True


def prelabel_ray(
    paths: Sequence[str | Path],
    options: BatchOptions | None = None,
    *,
    db: str | Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    address: str | None = None,
    num_cpus: int | None = None,
    shard_size: int | None = None,
    progress: ProgressHook | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Pre-label ``paths`` into the store on a Ray cluster and return the run's summary.

    ``address`` (else ``RAY_ADDRESS``) names a running cluster; without one a local cluster of
    ``num_cpus`` CPUs is started (and stopped at the end); an already initialised Ray is used as
    is. ``options.concurrency`` is per task: a cluster of N CPUs has up to N × concurrency
    requests in flight. Ctrl-C keeps what was written; the summary says ``interrupted``.
    """
    address = address or os.environ.get("RAY_ADDRESS") or None
    ray = import_ray(local=address is None)
    options = options or BatchOptions()
    if options.concurrency < 1:
        raise BatchError(f"--concurrency must be at least 1 (got {options.concurrency})")
    try:
        schemas = [get_schema(options.schema)] if options.schema != "auto" else list(load_schemas().values())
    except SchemaError as exc:
        raise BatchError(one_line(exc)) from exc
    start = time.perf_counter()
    summary = BatchSummary(run_id=uuid.uuid4().hex[:12])
    files = collect_files(paths, options.limit)
    summary.files = len(files)
    backend = make_backend(options.backend, **options.backend_options)
    summary.backend = backend.name
    version_keys = {backend.version_key(s): s.name for s in schemas}
    worker_options = replace(options, limit=None, backend_options={**options.backend_options, "announce": False})
    own = con is None
    if con is None:
        con = store_db.connect(db)
    driver = _Driver(con, summary, progress)
    if on_start is not None:
        on_start(len(files))
    own_ray, refs, outcome = False, {}, "failed"
    try:
        todo = driver.pending(files, options, version_keys)
        if todo:
            own_ray = _start_ray(ray, address, num_cpus)
            env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}
            task = ray.remote(run_shard).options(num_cpus=1, max_retries=3, runtime_env={"env_vars": env})
            slots = int(ray.cluster_resources().get("CPU", 1))
            direct = _shared_lake(db) if own else None
            refs = {task.remote(part, worker_options, direct): part for part in shard(todo, slots, shard_size)}
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1)
            refs.pop(ready[0])
            try:
                driver.apply(ray.get(ready[0]))
            except ray.exceptions.RayTaskError as exc:  # the shard's run could not go on at all
                cause = exc.cause if isinstance(exc.cause, BaseException) else exc
                raise BatchError(one_line(cause)) from exc
            except ray.exceptions.RayError as exc:  # retries used up, cluster lost
                raise BatchError(f"Ray: {one_line(exc)}") from exc
        outcome = "finished"
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        for ref in refs:
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
        driver.close(outcome)
        if own:
            con.close()
        if own_ray:
            ray.shutdown()
        aclose = getattr(backend, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                asyncio.run(aclose())
        summary.elapsed = time.perf_counter() - start
    return summary
