"""``prelabel --engine ray`` throughput as a ratio to the local async run, same machine, same server, same run.

Both paths run the whole batch (load, route, extract through the LLM backend, store writes) on
the same generated documents against the project's test server in its own process (200 ms
simulated latency, one call per document), with the same requests in flight: the local run at
concurrency 32, the Ray run as one task per CPU of a local cluster at 32 / CPUs each. Each gets a
warm-up run first (client, imports; for Ray also its worker processes), then a timed run into a
fresh database. Ray's own start (``ray.init``) and its first, cold run are timed and printed
separately: they are paid once per session, not per document.

On one 2-core box the ratio is expected below 1: the Ray workers, the raylet, the GCS and the
driver share the two cores with the local path's one process, and every shard pays a task's
fixed cost (a fresh backend and an in-memory store). The driver's CPU per document is printed
too: it bounds what a cluster of N nodes can give (see the last lines).

``BENCH_DOCUMENTS`` (default 1024) sets the size.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_batch_throughput import CONCURRENCY, LATENCY, _run, point_at, restore
from bench.bench_cached_rerun import server_completions, server_stats, start_server

DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "1024"))
WARMUP = 64
CPUS = 2


def main() -> int:
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # read at import: advertise 127.0.0.1
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    from annotate.batch import BatchOptions, make_backend
    from annotate.batch.ray_engine import prelabel_ray
    from tests.support.corpus import generate_corpus

    server, base_url = start_server(LATENCY)
    saved = point_at(base_url)
    per_task = max(1, CONCURRENCY // CPUS)
    ray_options = BatchOptions(backend="llm", concurrency=per_task)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            warm = generate_corpus(root / "warm", WARMUP, seed=99)
            paths = generate_corpus(root / "docs", DOCUMENTS, seed=1)
            backend = make_backend("llm", announce=False)

            async def local() -> tuple[object, float]:
                await _run(warm, root / "warm-local.duckdb", backend)
                start = time.perf_counter()
                summary = await _run(paths, root / "local.duckdb", backend)
                return summary, time.perf_counter() - start

            local_summary, local_s = asyncio.run(local())

            start = time.perf_counter()
            ray.init(num_cpus=CPUS, include_dashboard=False, log_to_driver=False)
            init_s = time.perf_counter() - start
            try:
                start = time.perf_counter()
                prelabel_ray(warm, ray_options, db=root / "warm-ray.duckdb")
                cold_s = time.perf_counter() - start
                before = server_completions(base_url)
                cpu0, start = time.process_time(), time.perf_counter()
                ray_summary = prelabel_ray(paths, ray_options, db=root / "ray.duckdb")
                ray_s, driver_cpu = time.perf_counter() - start, time.process_time() - cpu0
                requests = server_completions(base_url) - before
            finally:
                ray.shutdown()
            served = server_stats(base_url)
    finally:
        server.terminate()
        server.wait(10)
        restore(saved)
    n = DOCUMENTS
    ideal = CONCURRENCY / LATENCY
    local_rate, ray_rate = local_summary.predicted / local_s, ray_summary.predicted / ray_s  # type: ignore[attr-defined]
    shards = -(-n // max(1, min(256, -(-n // (CPUS * 4)))))
    print(f"documents {n}, test server latency {LATENCY * 1000:.0f} ms, {CONCURRENCY} requests in flight on both paths "
          f"(ideal {ideal:.0f} docs/s); server's own lateness mean {served['overshoot_ms_mean']:.2f} ms")  # fmt: skip
    print(f"local async (concurrency {CONCURRENCY}): predicted {local_summary.predicted}, "  # type: ignore[attr-defined]
          f"{local_s:.2f} s, {local_rate:.1f} docs/s ({local_rate / ideal:.3f} of ideal)")  # fmt: skip
    print(f"ray ({CPUS} CPUs x concurrency {per_task}, {shards} shards): predicted {ray_summary.predicted}, "
          f"failed {ray_summary.failed}, server saw {requests} requests, {ray_s:.2f} s, {ray_rate:.1f} docs/s "
          f"({ray_rate / ideal:.3f} of ideal)")  # fmt: skip
    print(f"ray / local throughput = {ray_rate / local_rate:.3f} (same machine, same server, same run)")
    print(f"paid once: ray.init {init_s:.1f} s; first (cold) Ray run of {WARMUP} docs {cold_s:.1f} s "
          f"(worker processes start and import annotate, openai, instructor)")  # fmt: skip
    per_doc = driver_cpu / max(n, 1) * 1000
    print(f"driver CPU per document (pre-pass load + hash, applying the shard's writes, Ray's client): "
          f"{per_doc:.2f} ms -> the driver alone could absorb ~{1000 / per_doc:.0f} docs/s")  # fmt: skip
    print(f"N nodes of {CPUS} CPUs at concurrency {per_task} per task: ~N x {ray_rate:.0f} docs/s against a server "
          f"that scales, until the driver's ~{1000 / per_doc:.0f} docs/s (or the endpoint's rate limit) caps it")  # fmt: skip
    ok = ray_summary.predicted == n and ray_summary.failed == 0 and requests == n  # type: ignore[attr-defined]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
