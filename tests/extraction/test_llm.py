"""The LLM backend's logic (through the test server's answers, without sockets): version keys, cache, attempt logging, modes, one client, grounding."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from annotate.core.grounding import check_invariant
from annotate.core.types import ExtractionFailure
from annotate.documents import load_document
from annotate.extraction.base import ExtractContext, ExtractStats, MemoryCallLog
from annotate.extraction.llm import LLMBackend, LLMSettings
from annotate.extraction.pipeline import extract_document
from annotate.extraction.prompts import get_prompt
from annotate.schema_registry import get_schema
from tests.support.openai_server import OpenAITestServer

KEY = "sk-test-secret-do-not-log-4242"
SEED_000 = "000_bc3a7675d392fb2c"
SEED_004 = "004_da9373b7adbb6a20"


class DictCache:
    """The ResponseCache protocol over a dict (the store implements it for real)."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, int, str], dict[str, Any]] = {}

    def get(self, doc_id: str, chunk: int, version_key: str) -> dict[str, Any] | None:
        return self.data.get((doc_id, chunk, version_key))

    def put(self, doc_id: str, chunk: int, version_key: str, response: dict[str, Any]) -> None:
        self.data[(doc_id, chunk, version_key)] = response


def backend_for(server: OpenAITestServer, **overrides: Any) -> LLMBackend:
    """The backend talking to the test server's answers through ``httpx.MockTransport`` (no socket):
    what is tested here is the client's logic; sockets are tested in the batch and fault tests."""
    values: dict[str, Any] = {"base_url": "http://llm.test/v1", "api_key": KEY, "model": "test-model", **overrides}
    return LLMBackend(LLMSettings(**values), transport=server.transport())


def run(backend: LLMBackend, doc: Any, schema: str = "auto", **kw: Any) -> Any:
    async def go() -> Any:
        try:
            return await extract_document(doc, schema, backend, **kw)
        finally:
            await backend.aclose()

    return asyncio.run(go())


def expected(fixtures_dir: Path, stem: str, schema: str) -> dict[str, Any]:
    raw = json.loads((fixtures_dir / "seeds" / stem / "expected.json").read_text(encoding="utf-8"))
    return get_schema(schema).model.model_validate(raw).model_dump(mode="json")


def test_version_key_covers_prompt_model_schema_and_settings(llm_server: OpenAITestServer) -> None:
    spec = get_schema("meeting_review")
    base = backend_for(llm_server).version_key(spec)
    assert base.startswith(f"meeting_review/{get_prompt('meeting_review').id}@")
    assert "/test-model/" in base
    for change in ({"model": "other"}, {"mode": "json"}, {"chunk_chars": 5000}, {"temperature": 0.5}):
        assert backend_for(llm_server, **change).version_key(spec) != base, change
    # where the model runs and with which key does not change a prediction
    assert backend_for(llm_server, base_url="http://127.0.0.1:1/v1").version_key(spec) == base
    assert KEY not in base and "127.0.0.1" not in base


def test_every_attempt_is_logged_without_secrets(seeds_dir: Path, llm_server: OpenAITestServer) -> None:
    llm_server.configure(faults=["500"], fail_next=1)
    log, stats = MemoryCallLog(), ExtractStats()
    doc = load_document(seeds_dir / f"{SEED_000}.txt")
    run(backend_for(llm_server, backoff=0.01), doc, ctx=ExtractContext(log=log, run_id="r1"), stats=stats)
    assert len(log.calls) == 2
    failed, ok = log.calls
    assert failed.error.startswith("http 500") and failed.response is None
    assert ok.error is None and ok.response["tool_arguments"]
    assert [c.attempt for c in log.calls] == [1, 2]
    assert all(c.run_id == "r1" and c.doc_id == doc.doc_id and c.latency_ms > 0 for c in log.calls)
    assert stats.calls == 2
    assert stats.prompt_tokens == sum(c.prompt_tokens for c in log.calls) > 0
    assert stats.completion_tokens == sum(c.completion_tokens for c in log.calls) > 0
    assert ok.request["messages"][-1]["content"].endswith("</document>")
    dumped = json.dumps([asdict(c) for c in log.calls], ensure_ascii=False)
    assert KEY not in dumped and "authorization" not in dumped.lower()


def test_cache_hit_makes_no_call(seeds_dir: Path, llm_server: OpenAITestServer) -> None:
    doc = load_document(seeds_dir / f"{SEED_004}.txt")
    cache = DictCache()
    first_stats = ExtractStats()
    first = run(backend_for(llm_server), doc, ctx=ExtractContext(cache=cache), stats=first_stats)
    calls = llm_server.stats()["completions"]
    assert first_stats.calls == calls == len(cache.data) > 1

    again_stats = ExtractStats()
    again = run(backend_for(llm_server), doc, ctx=ExtractContext(cache=cache), stats=again_stats)
    assert llm_server.stats()["completions"] == calls, "a cache hit must not call the model"
    assert (again_stats.calls, again_stats.cache_hits) == (0, calls)
    assert again.record == first.record and again.groundings == first.groundings

    forced = ExtractStats()
    run(backend_for(llm_server), doc, ctx=ExtractContext(cache=cache, force=True), stats=forced)
    assert forced.calls == calls and forced.cache_hits == 0

    other = ExtractStats()
    run(backend_for(llm_server, mode="json"), doc, ctx=ExtractContext(cache=cache), stats=other)
    assert other.calls == calls, "another version key is a miss"


@pytest.mark.parametrize("mode", ["tools", "json", "json_schema", "md_json"])
def test_every_instructor_mode(mode: str, seeds_dir: Path, fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    result = run(backend_for(llm_server, mode=mode), load_document(seeds_dir / f"{SEED_000}.txt"))
    assert result.record == expected(fixtures_dir, SEED_000, "meeting_review")
    assert llm_server.log[-1]["mode"] == mode
    assert llm_server.stats()["fixture_hits"] == 1


def test_one_client_and_one_prepared_request(seeds_dir: Path, llm_server: OpenAITestServer) -> None:
    backend = backend_for(llm_server)
    docs = [load_document(p) for p in sorted(seeds_dir.glob("00[012]_*.txt"))]

    async def go() -> list[Any]:
        clients = []
        for d in docs:
            await extract_document(d, "meeting_review", backend)
            clients.append(backend.client())
        await backend.aclose()
        return clients

    clients = asyncio.run(go())
    assert all(c is clients[0] for c in clients)
    assert len(backend._prepared) == 1


def test_unknown_document_gets_a_grounded_echo(fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    doc = load_document(fixtures_dir / "llm" / "template_syntax.txt")
    log = MemoryCallLog()
    result = run(backend_for(llm_server), doc, "meeting_review", ctx=ExtractContext(log=log))
    assert llm_server.stats()["echo"] == 1
    assert result.groundings and all(g.aligned for g in result.groundings)
    assert check_invariant(doc.text, result.groundings) == []
    # template syntax in a document reaches the model verbatim
    assert doc.text in log.calls[0].request["messages"][-1]["content"]


def test_partly_ungrounded_answer_is_reasked_then_kept_flagged(
    fixtures_dir: Path, llm_server: OpenAITestServer
) -> None:
    doc = load_document(fixtures_dir / "llm" / "partly_ungrounded.txt")
    log = MemoryCallLog()
    result = run(backend_for(llm_server, max_retries=2), doc, "meeting_review", ctx=ExtractContext(log=log))
    assert len(log.calls) == 2, "one re-ask; it repeated the same faults, so asking again cannot help"
    assert all(c.error and c.error.startswith("ungrounded") for c in log.calls)
    reask = log.calls[1].request["messages"]
    assert any("建成停车场5个" in str(m.get("content")) for m in reask[2:]), "the re-ask names the bad quote"
    bad = [g for g in result.groundings if not g.aligned]
    assert [g.value for g in bad] == ["建成停车场5个"]
    assert result.record["units"][0]["achievements"] == ["完成老旧小区改造12个", "建成停车场5个"]
    assert 0 < result.confidence < 1


def test_empty_document_fails_with_reason(llm_server: OpenAITestServer) -> None:
    from annotate.core.types import Document

    with pytest.raises(ExtractionFailure, match="empty"):
        run(backend_for(llm_server), Document(doc_id="x", text=" \n"), "meeting_review")


def test_instructor_hooks_see_every_attempt(fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    """The backend emits instructor's hook events, so callers can attach their own handlers."""
    backend = backend_for(llm_server, max_retries=1)
    seen: list[str] = []
    backend.hooks.on("completion:kwargs", lambda **kw: seen.append("kwargs"))
    backend.hooks.on("completion:response", lambda response: seen.append("response"))
    backend.hooks.on("parse:error", lambda error, **kw: seen.append("parse:error"))
    run(backend, load_document(fixtures_dir / "llm" / "partly_ungrounded.txt"), "meeting_review")
    assert seen == ["kwargs", "response", "parse:error"] * 2  # the re-ask repeated the faults: no third


def test_each_value_carries_the_model_s_own_probability(seeds_dir: Path, llm_server: OpenAITestServer) -> None:
    """Logprobs over the value's own tokens: the one value the 'model' doubted scores low, the rest high."""
    llm_server.configure(doubt=["区委教育工委"])
    doc = load_document(seeds_dir / f"{SEED_000}.txt")
    result = run(backend_for(llm_server), doc, "meeting_review")
    by_path = {g.path: g for g in result.groundings}
    assert by_path["units[2].unit"].confidence < 0.1
    assert all(g.confidence > 0.9 for p, g in by_path.items() if p != "units[2].unit" and "区委教育工委" not in g.value)
    assert result.confidence == round(sum(g.confidence for g in result.groundings) / len(result.groundings), 4)
    assert "confidence" in json.dumps(result.public_dict()["groundings"][0])


def test_without_logprobs_confidence_is_the_alignment(seeds_dir: Path, llm_server: OpenAITestServer) -> None:
    llm_server.configure(doubt=["区委教育工委"])
    backend = backend_for(llm_server, confidence="none")
    assert backend.version_key(get_schema("meeting_review")) != backend_for(llm_server).version_key(
        get_schema("meeting_review")
    ), "the confidence method is part of the version key"
    log = MemoryCallLog()
    result = run(backend, load_document(seeds_dir / f"{SEED_000}.txt"), "meeting_review", ctx=ExtractContext(log=log))
    assert "logprobs" not in log.calls[0].request
    assert {g.confidence for g in result.groundings} == {1.0}


def test_a_cache_hit_keeps_the_confidences(seeds_dir: Path, llm_server: OpenAITestServer) -> None:
    llm_server.configure(doubt=["区委教育工委"])
    cache = DictCache()
    doc = load_document(seeds_dir / f"{SEED_000}.txt")
    first = run(backend_for(llm_server), doc, "meeting_review", ctx=ExtractContext(cache=cache))
    second = run(backend_for(llm_server), doc, "meeting_review", ctx=ExtractContext(cache=cache))
    assert llm_server.stats()["completions"] == 1
    assert [g.confidence for g in second.groundings] == [g.confidence for g in first.groundings]


def test_a_reask_names_only_the_faulty_values_and_carries_no_history(
    fixtures_dir: Path, llm_server: OpenAITestServer
) -> None:
    doc = load_document(fixtures_dir / "llm" / "partly_ungrounded.txt")
    log = MemoryCallLog()
    run(backend_for(llm_server, max_retries=2), doc, "meeting_review", ctx=ExtractContext(log=log))
    first, again = (c.request["messages"] for c in log.calls[:2])
    assert again[: len(first)] == first, "the re-ask repeats the first request"
    assert [m["role"] for m in again[len(first) :]] == ["user"], "plus one note, and no earlier answer"
    note = again[-1]["content"]
    assert "units[0].achievements[1]" in note and "建成停车场5个" in note
    assert "完成老旧小区改造12个" not in note, "values that were right are not named"


def test_the_context_size_bounds_every_request(seeds_dir: Path, llm_server: OpenAITestServer) -> None:
    """With a 4,096-token window, chunks shrink and prompt + answer budget fit in it, re-asks included."""
    from annotate.core.chunking import estimate_tokens

    llm_server.configure(faults=["ungrounded"], fail_next=1)
    log = MemoryCallLog()
    backend = backend_for(llm_server, context_tokens=4096)
    spec = get_schema("task_progress")
    doc = load_document(seeds_dir / f"{SEED_004}.txt")
    assert max(len(c.text) for c in backend.chunks(doc.text, spec)) < 2000
    assert "context_tokens" in backend.version_key(spec) or backend.version_key(spec) != backend_for(
        llm_server
    ).version_key(spec)
    run(backend, doc, "task_progress", ctx=ExtractContext(log=log))
    assert any(len(c.request["messages"]) == 3 for c in log.calls), "a re-ask happened"
    for call in log.calls:
        sent = json.dumps(call.request["messages"], ensure_ascii=False)
        assert estimate_tokens(sent) + call.request["max_tokens"] <= 4096, call.attempt


def test_a_truncated_answer_keeps_its_complete_part_with_a_note(seeds_dir: Path, llm_server: OpenAITestServer) -> None:
    llm_server.configure(faults=["truncated"], fail_next=1)
    log = MemoryCallLog()
    doc = load_document(seeds_dir / f"{SEED_000}.txt")
    result = run(backend_for(llm_server), doc, "meeting_review", ctx=ExtractContext(log=log))
    assert len(log.calls) == 1, "a cut-off answer is not re-asked: the same request would be cut off again"
    assert any("max_tokens" in n for n in result.notes)
    assert 0 < len(result.groundings) < 60 and all(g.aligned for g in result.groundings)


def test_agreement_confidence_asks_a_second_wording(seeds_dir: Path, llm_server: OpenAITestServer) -> None:
    """For endpoints without logprobs: the same chunk again with the prompt's system_variant."""
    log = MemoryCallLog()
    backend = backend_for(llm_server, confidence="agreement")
    doc = load_document(seeds_dir / f"{SEED_000}.txt")
    result = run(backend, doc, "meeting_review", ctx=ExtractContext(log=log))
    assert len(log.calls) == 2
    first, second = (c.request["messages"][0]["content"] for c in log.calls)
    assert first != second and "logprobs" not in log.calls[0].request
    assert {g.confidence for g in result.groundings} == {1.0}, "the (ideal) second answer agrees on every value"


def test_a_passage_addressing_the_model_never_reaches_it(fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    doc = load_document(fixtures_dir / "excerpts" / "injection_000.txt")
    log = MemoryCallLog()
    result = run(backend_for(llm_server), doc, "meeting_review", ctx=ExtractContext(log=log))
    sent = log.calls[0].request["messages"][-1]["content"]
    assert "忽略以上所有指令" not in sent and "测试注入单位" not in sent and "新街口街道深化党建" in sent
    assert any(n.startswith("masked 152 characters") for n in result.notes)
    assert all(g.aligned for g in result.groundings), "grounded in the original text, offsets unchanged"
