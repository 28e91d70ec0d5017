"""LLM client throughput at concurrency 32: raw openai vs instructor's default path vs our LLMBackend.

All three make the same tools-mode request (same prompt, same response model) to the project's
test server running in its own process with 200 ms simulated latency, >= 500 calls each, after a
warm-up. Ideal: 32 / 0.2 s = 160 calls/s; each path is printed as a ratio to it, plus its client
CPU per call. Goal for our path: >= 0.92 (raw openai ~0.94, instructor default ~0.80 on the
2-core machine). ``BENCH_PROFILE=1`` prints a pyinstrument profile of our path.

Our path is ``LLMBackend.extract`` — the whole per-document work: prompt, call, validation,
grounding of every quote — not just the HTTP call. It makes the raw path's request (no logprobs,
``confidence="none"``); the same with ``confidence="logprobs"`` (the default) is measured too and
printed without a goal: reading every token's logprob back (the test server sends one token per
character, as a Chinese answer's tokenizer nearly does) is the price of a per-value confidence.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 32
LATENCY = 0.2
CALLS = 512
WARMUP = 64
GOAL = 0.92
SCHEMA = "meeting_review"
ROUNDS = 2
RAW = "raw openai AsyncOpenAI"
INSTRUCTOR = "instructor default path"
OURS = "annotate LLMBackend.extract"
OURS_LOGPROBS = "  the same + logprobs confidence"


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    """The test server in a separate process, so its threads do not compete in our CPU accounting."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.openai_server", "--port", "0", "--latency", str(latency)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line.startswith("READY "):
        proc.kill()
        raise RuntimeError(f"test server did not start: {line!r}")
    return proc, line.split(" ", 1)[1]


def documents(n: int, offset: int = 0) -> list[Any]:
    """Distinct small meeting-like documents (each one chunk, so one call each)."""
    from annotate.core.types import Document

    units = ["甲街道", "乙街道", "丙街道", "丁街道"]
    out = []
    for i in range(offset, offset + n):
        unit = units[i % len(units)]
        text = (
            f"{i % 12 + 1}月{i % 28 + 1}日，某区第{i}次街道工作点评会召开。区长王某主持会议。\n"
            f"{unit}完成老旧小区改造{i % 30 + 1}个；建成社区食堂{i % 7 + 1}家。但在停车治理、垃圾分类等方面仍存不足。\n"
            f"会议强调，要压实第{i}项工作责任。\n"
        )
        out.append(Document(doc_id=f"bench{i:05d}", text=text))
    return out


async def drive(n: int, one: Callable[[int], Awaitable[Any]]) -> float:
    """Run ``one(i)`` for i < n with ``CONCURRENCY`` workers; returns elapsed seconds."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker() -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await one(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - start


async def measure(name: str, one: Callable[[int], Awaitable[Any]], results: dict[str, tuple[float, float]]) -> None:
    await drive(WARMUP, one)
    cpu0 = time.process_time()
    elapsed = await drive(CALLS, lambda i: one(WARMUP + i))
    cpu = time.process_time() - cpu0
    results[name] = (CALLS / elapsed, cpu / CALLS)


async def run_all(base_url: str) -> dict[str, tuple[float, float]]:
    import instructor
    import openai

    from annotate.extraction.base import ExtractContext, ExtractStats
    from annotate.extraction.llm import LLMBackend, LLMSettings
    from annotate.extraction.prompts import get_prompt
    from annotate.schema_registry import get_schema

    spec = get_schema(SCHEMA)
    prompt = get_prompt(SCHEMA)
    docs = documents(WARMUP + CALLS)
    system = prompt.system(schema=spec)
    tool = {"type": "function", "function": {"name": spec.model.__name__, "parameters": spec.json_schema}}
    results: dict[str, tuple[float, float]] = {}

    def messages(i: int) -> list[dict[str, str]]:
        return [{"role": "system", "content": system}, {"role": "user", "content": prompt.user(docs[i].text)}]

    async def raw_path(name: str) -> None:
        raw = openai.AsyncOpenAI(base_url=base_url, api_key="sk-bench", max_retries=0)

        async def one(i: int) -> Any:
            response = await raw.chat.completions.create(
                model="bench-model",
                messages=messages(i),  # type: ignore[arg-type]
                tools=[tool],  # type: ignore[list-item]
                tool_choice={"type": "function", "function": {"name": spec.model.__name__}},
                temperature=0.0,
            )
            return response.choices[0].message.tool_calls[0].function.arguments  # type: ignore[union-attr,index]

        await measure(name, one, results)
        await raw.close()

    async def instructor_path(name: str) -> None:
        client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-bench")
        inst = instructor.from_openai(client, mode=instructor.Mode.TOOLS)

        async def one(i: int) -> Any:
            return await inst.chat.completions.create(
                model="bench-model", response_model=spec.model, messages=messages(i), temperature=0.0
            )

        await measure(name, one, results)
        await client.close()

    async def our_path(name: str) -> None:
        # the same request as the raw path: confidence from alignment only, no logprobs asked for
        confidence = "logprobs" if name == OURS_LOGPROBS else "none"
        settings = LLMSettings(base_url=base_url, api_key="sk-bench", model="bench-model", confidence=confidence)
        backend = LLMBackend(settings)
        ctx = ExtractContext()

        async def one(i: int) -> Any:
            return await backend.extract(docs[i], spec, ctx, ExtractStats())

        profiler = None
        if os.environ.get("BENCH_PROFILE") and name == OURS:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="disabled")
            profiler.start()
        await measure(name, one, results)
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        await backend.aclose()

    best: dict[str, tuple[float, float]] = {}
    for _ in range(ROUNDS):  # interleaved rounds, best of each: the machine's load drifts
        for name, path in ((RAW, raw_path), (INSTRUCTOR, instructor_path), (OURS, our_path), (OURS_LOGPROBS, our_path)):
            await path(name)
            gc.collect()
            if name not in best or results[name][0] > best[name][0]:
                best[name] = results[name]
    return best


def main() -> int:
    proc, base_url = start_server(LATENCY)
    try:
        results = asyncio.run(run_all(base_url))
    finally:
        proc.terminate()
        proc.wait(10)
    ideal = CONCURRENCY / LATENCY
    print(f"concurrency {CONCURRENCY}, latency {LATENCY * 1000:.0f} ms, {CALLS} calls per path "
          f"(+{WARMUP} warm-up), best of {ROUNDS} interleaved rounds; ideal {ideal:.0f} calls/s")
    for name, (rate, cpu) in results.items():
        print(f"  {name:<30} {rate:6.1f} calls/s  ratio {rate / ideal:.3f}  client CPU {cpu * 1000:.2f} ms/call")
    ours = results[OURS][0] / ideal
    raw = results[RAW][0] / ideal
    print(f"ours / raw openai = {ours / raw:.3f}; goal ours >= {GOAL} -> {'MET' if ours >= GOAL else 'NOT MET'}")
    print(f"logprobs confidence costs {(results[OURS_LOGPROBS][1] - results[OURS][1]) * 1000:.2f} ms of client CPU"
          f" per call (the answer's every token is read back); no goal: it is a feature's price")
    return 0 if ours >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
