"""Every fault the test server injects is retried, then either succeeds or is a failure with a reason.

Never a crash: the only exception that leaves ``extract`` is ``ExtractionFailure`` (its subclass
``EndpointUnavailable`` for an endpoint that cannot be used at all, which must fail fast).
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from annotate.core.types import Document, Extraction, ExtractionFailure
from annotate.documents import load_document
from annotate.extraction.base import ExtractContext, ExtractStats, MemoryCallLog
from annotate.extraction.llm import EndpointUnavailable, LLMBackend, LLMSettings
from annotate.schema_registry import get_schema
from tests.support.openai_server import OpenAITestServer

SEED = "000_bc3a7675d392fb2c"
REASONS = {
    "429": r"^http 429",
    "500": r"^http 500",
    "timeout": r"^timeout",
    "malformed": r"^not JSON",
    "schema_invalid": r"^schema",
    "ungrounded": r"^ungrounded",
}


def backend_for(url: str, **overrides: Any) -> LLMBackend:
    values: dict[str, Any] = {
        "base_url": url, "api_key": "k", "model": "m", "timeout": 0.4, "backoff": 0.01,
        "http_retries": 2, "max_retries": 2, **overrides,
    }
    return LLMBackend(LLMSettings(**values))


def extract(backend: LLMBackend, doc: Document, log: MemoryCallLog | None = None) -> Extraction:
    async def go() -> Extraction:
        try:
            return await backend.extract(doc, get_schema("meeting_review"), ExtractContext(log=log or MemoryCallLog()),
                                         ExtractStats())
        finally:
            await backend.aclose()

    return asyncio.run(go())


@pytest.fixture
def seed_doc(seeds_dir: Path) -> Document:
    return load_document(seeds_dir / f"{SEED}.txt")


@pytest.mark.parametrize("kind", list(REASONS))
def test_one_fault_is_retried_then_succeeds(kind: str, seed_doc: Document, llm_server: OpenAITestServer) -> None:
    llm_server.configure(faults=[kind], fail_next=1, retry_after=0.05, timeout_hold=1.0)
    log = MemoryCallLog()
    result = extract(backend_for(llm_server.base_url), seed_doc, log)
    assert all(g.aligned for g in result.groundings)
    assert len(log.calls) == 2
    assert re.match(REASONS[kind], log.calls[0].error or ""), log.calls[0].error
    assert log.calls[1].error is None
    assert llm_server.stats()["faults"] == {kind: 1}


@pytest.mark.parametrize("kind", list(REASONS))
def test_persistent_fault_is_a_failure_with_its_reason(
    kind: str, seed_doc: Document, llm_server: OpenAITestServer
) -> None:
    llm_server.configure(faults=[kind], fail_next=100, retry_after=0.05, timeout_hold=1.0)
    log = MemoryCallLog()
    with pytest.raises(ExtractionFailure) as info:
        extract(backend_for(llm_server.base_url), seed_doc, log)
    assert not isinstance(info.value, EndpointUnavailable)
    assert re.match(REASONS[kind], info.value.reason), info.value.reason
    if kind in ("429", "500", "timeout"):
        assert len(log.calls) == 3, "first try plus two HTTP retries, each logged"
    else:
        assert len(log.calls) == 2, "one re-ask; it repeated the same faults, so asking again cannot help"
    assert all(c.error for c in log.calls)


def test_retry_after_is_honoured(seed_doc: Document, llm_server: OpenAITestServer) -> None:
    llm_server.configure(faults=["429"], fail_next=1, retry_after=0.5)
    started = time.perf_counter()
    extract(backend_for(llm_server.base_url), seed_doc)
    assert time.perf_counter() - started >= 0.5


def test_unreachable_endpoint_fails_fast_with_one_message(seed_doc: Document) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = MemoryCallLog()
    started = time.perf_counter()
    with pytest.raises(EndpointUnavailable) as info:
        extract(backend_for(f"http://127.0.0.1:{port}/v1"), seed_doc, log)
    assert time.perf_counter() - started < 3
    assert len(log.calls) == 1
    assert "cannot reach the LLM endpoint" in info.value.reason and "\n" not in info.value.reason


def test_bad_key_fails_fast(seed_doc: Document, llm_server: OpenAITestServer) -> None:
    llm_server.configure(api_key="the-right-key")
    log = MemoryCallLog()
    with pytest.raises(EndpointUnavailable, match="API key"):
        extract(backend_for(llm_server.base_url, api_key="a-wrong-key"), seed_doc, log)
    assert len(log.calls) == 1
    assert "a-wrong-key" not in str(log.calls[0].request) + str(log.calls[0].error)


def test_fault_mix_loses_no_document(fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    """20 documents at a 30% mix of every fault: each one is extracted or failed with a reason."""
    base = load_document(fixtures_dir / "llm" / "template_syntax.txt").text
    docs = [Document(doc_id=f"d{i}", text=f"{base}第{i}号文件。\n") for i in range(20)]
    llm_server.configure(fault_rate=0.3, seed=11, retry_after=0.05, timeout_hold=0.8)
    backend = backend_for(llm_server.base_url)

    async def go() -> list[Any]:
        spec = get_schema("meeting_review")
        try:
            return await asyncio.gather(
                *(backend.extract(d, spec, ExtractContext(), ExtractStats()) for d in docs), return_exceptions=True
            )
        finally:
            await backend.aclose()

    results = asyncio.run(go())
    ok = [r for r in results if isinstance(r, Extraction)]
    failed = [r for r in results if isinstance(r, ExtractionFailure)]
    assert len(ok) + len(failed) == len(docs), [type(r).__name__ for r in results]
    assert ok, "with retries most documents get through"
    assert all(r.reason for r in failed)
    assert llm_server.stats()["faults_total"] > 0
