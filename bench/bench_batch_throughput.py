"""Pre-label throughput through ``annotate.batch`` at concurrency 32, as a ratio to the ideal.

The whole batch path is measured — load, route, extract through the LLM backend (openai +
instructor), store writes, from ``run_batch`` called to ``run_batch`` returned (opening the store,
the final commit and checkpoint included) — not just the client: generated documents, one call
each, against the project's test server in its own process with 200 ms simulated latency. Ideal:
32 / 0.2 s = 160 calls/s; goal >= 0.92 of it. A warm-up run first (client construction, openai's
lazy imports, the connection pool — the bare client below is warmed the same way), then the timed
run into a fresh database.

2048 documents by default (``BENCH_DOCUMENTS`` overrides; the issue asks for >= 500): throughput
is a rate, and at 512 documents — 16 rounds of 32 — the run's fixed ~0.1 s (opening the store,
the last commit and checkpoint) and the ramp-up/ramp-down of the first and last round weigh
4-5 % on their own. ``BENCH_DOCUMENTS=512`` shows that figure.

The server's own lateness (time beyond 200 ms from a request's arrival to its answer) is printed
too: it counts against every client equally and is not client overhead. ``BENCH_PROFILE=1``
prints a pyinstrument profile of the timed run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_cached_rerun import server_completions, server_stats, start_server

CONCURRENCY = 32
LATENCY = 0.2
DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "2048"))
WARMUP = 64
GOAL = 0.92


async def _raw_openai(base_url: str, paths: list[Path]) -> float:
    """Calls/s of the bare openai client making the same requests (same prompt, same tool) at the
    same concurrency: what this machine allows right now, measured in the same run."""
    import openai

    from annotate.documents import load_document
    from annotate.extraction.prompts import get_prompt
    from annotate.schema_registry import get_schema

    spec = get_schema("meeting_review")
    prompt = get_prompt(spec.name)
    system = prompt.system(schema=spec)
    tool = {"type": "function", "function": {"name": spec.model.__name__, "parameters": spec.json_schema}}
    users = [prompt.user(load_document(p).text) for p in paths]
    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-bench-not-a-secret", max_retries=0)
    queue = list(range(min(WARMUP, len(users))))

    async def worker() -> None:
        while queue:
            i = queue.pop()
            await client.chat.completions.create(
                model="bench-model",
                messages=[{"role": "system", "content": system}, {"role": "user", "content": users[i]}],
                tools=[tool],  # type: ignore[list-item]
                tool_choice={"type": "function", "function": {"name": spec.model.__name__}},
                temperature=0.0,
            )

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))  # warm up: imports, connection pool
    queue.extend(range(len(users)))
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    await client.close()
    return len(users) / elapsed


async def _run(paths: list[Path], db: Path, backend: object) -> object:
    from annotate.batch import BatchOptions, run_batch

    return await run_batch(paths, BatchOptions(backend="llm", concurrency=CONCURRENCY), db=db, backend=backend)


_ENDPOINT_VARS = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "ANNOTATE_MODEL", "ANNOTATE_CONFIDENCE")


def point_at(base_url: str) -> dict[str, str | None]:
    """Point the LLM backend at the bench's test server; returns what :func:`restore` puts back.
    No logprobs, as the bare client's request has none (bench_throughput prints what they cost)."""
    saved = {k: os.environ.get(k) for k in _ENDPOINT_VARS}
    os.environ.update(OPENAI_BASE_URL=base_url, OPENAI_API_KEY="sk-bench-not-a-secret", ANNOTATE_CONFIDENCE="none")
    os.environ.pop("ANNOTATE_MODEL", None)
    return saved


def restore(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def main() -> int:
    from annotate.batch import make_backend
    from tests.support.corpus import generate_corpus

    server, base_url = start_server(LATENCY)
    saved = point_at(base_url)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            warm = generate_corpus(root / "warm", WARMUP, seed=99)
            paths = generate_corpus(root / "docs", DOCUMENTS, seed=1)
            backend = make_backend("llm", announce=False)

            async def both() -> tuple[object, float, int, float, float, float]:
                raw_rate = await _raw_openai(base_url, paths)
                await _run(warm, root / "warm.duckdb", backend)
                before = server_completions(base_url)
                profiler = None
                if os.environ.get("BENCH_PROFILE"):
                    from pyinstrument import Profiler

                    profiler = Profiler(async_mode="disabled")
                    profiler.start()
                cpu0, start, loop0 = time.process_time(), time.perf_counter(), time.thread_time()
                summary = await _run(paths, root / "bench.duckdb", backend)
                elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
                loop_cpu = time.thread_time() - loop0
                if profiler is not None:
                    profiler.stop()
                    print(profiler.output_text(unicode=True, color=False, show_all=False))
                return summary, elapsed, server_completions(base_url) - before, cpu, raw_rate, loop_cpu

            summary, elapsed, requests, cpu, raw_rate, loop_cpu = asyncio.run(both())
            served = server_stats(base_url)
    finally:
        server.terminate()
        server.wait(10)
        restore(saved)
    calls = summary.calls  # type: ignore[attr-defined]
    ideal = CONCURRENCY / LATENCY
    rate = calls / elapsed
    print(f"documents {summary.documents}, predicted {summary.predicted}, failed {summary.failed}, "  # type: ignore[attr-defined]
          f"calls {calls} (server saw {requests})")
    print(f"elapsed {elapsed:.2f} s, {rate:.1f} calls/s; ideal {ideal:.0f} calls/s at concurrency {CONCURRENCY}, "
          f"{LATENCY * 1000:.0f} ms latency -> ratio {rate / ideal:.3f} (goal >= {GOAL})")
    print(f"same run, bare openai client, same requests: {raw_rate:.1f} calls/s -> ratio {raw_rate / ideal:.3f}; "
          f"batch / bare client = {rate / raw_rate:.3f}")
    print(f"test server's own lateness beyond {LATENCY * 1000:.0f} ms (all runs): mean "
          f"{served['overshoot_ms_mean']:.2f} ms, max {served['overshoot_ms_max']:.1f} ms; "
          f"most requests in flight at once: {served['max_in_flight']}")
    per = 1000 / max(calls, 1)
    print(f"client-side CPU per call: {cpu * per:.2f} ms (this process, all threads), of which event loop "
          f"{loop_cpu * per:.2f} ms and store writer thread {summary.writer_cpu_s * per:.2f} ms; "  # type: ignore[attr-defined]
          f"writer committed {summary.writer_transactions} transactions")  # type: ignore[attr-defined]
    ok = rate / ideal >= GOAL and summary.failed == 0 and calls >= 500  # type: ignore[attr-defined]
    print(f"goal -> {'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
