"""The router: right and sure on all five seeds; unsure on a weak document, where the LLM decides.

The LLM backend gets the test server's answers through ``httpx.MockTransport``
(``answers.transport()``; the server object is never started, so no socket). No test here stays on
the socket: none is a concurrency, timeout, kill or dropped-connection test.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from annotate.documents import load_document
from annotate.extraction.base import ExtractContext, ExtractStats
from annotate.extraction.llm import LLMBackend, LLMSettings
from annotate.extraction.router import classify, route
from tests.support.openai_server import OpenAITestServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED_DIRS = sorted((FIXTURES / "seeds").glob("0*"))


@pytest.fixture
def answers() -> OpenAITestServer:
    """The test server's answers (the reference responses under tests/fixtures), never started."""
    return OpenAITestServer(FIXTURES)


def backend_on(answers: OpenAITestServer) -> LLMBackend:
    settings = LLMSettings(base_url="http://llm.test/v1", api_key="k", model="m")
    return LLMBackend(settings, transport=answers.transport())


@pytest.mark.parametrize("folder", SEED_DIRS, ids=lambda p: p.name)
def test_keywords_route_every_seed_surely(folder: Path, seeds_dir: Path) -> None:
    want = json.loads((folder / "meta.json").read_text(encoding="utf-8"))["schema"]
    doc = load_document(next(seeds_dir.glob(folder.name + ".*")))
    schema, score, unsure = classify(doc.text)
    assert schema == want
    assert not unsure
    assert score > 0


def test_weak_document_is_unsure_without_llm(fixtures_dir: Path) -> None:
    doc = load_document(fixtures_dir / "router" / "ambiguous.txt")
    result = asyncio.run(route(doc, backend=None))
    assert result.unsure
    assert result.method == "keywords"
    assert "UNSURE" in result.explain()


def test_unsure_document_is_routed_by_the_llm(fixtures_dir: Path, answers: OpenAITestServer) -> None:
    doc = load_document(fixtures_dir / "router" / "ambiguous.txt")
    backend = backend_on(answers)
    stats = ExtractStats()
    result = asyncio.run(route(doc, backend, ExtractContext(), stats))
    assert (result.schema, result.unsure, result.method) == ("public_report", False, "llm")
    assert stats.calls == 1
    assert answers.stats()["fixture_hits"] == 1


def test_sure_documents_make_no_llm_call(seeds_dir: Path, answers: OpenAITestServer) -> None:
    backend = backend_on(answers)
    for path in sorted(seeds_dir.glob("*.txt")):
        result = asyncio.run(route(load_document(path), backend))
        assert result.method == "keywords"
    assert answers.stats()["completions"] == 0
